#!/usr/bin/env node
// The floor of any exec credential plugin that runs on Node: start Node, read a token from a file,
// print an ExecCredential (straight to fd 1: process.stdout on a pipe would load streams and net).
// P1 and P4 time it beside the tool's cache hit and burst; P1 both run by node and started as
// npm starts an installed one, through the line above.
// Usage (a kubeconfig exec entry): node exec-plugin.cjs TOKEN_FILE, or exec-plugin.cjs TOKEN_FILE
'use strict';
const { readFileSync, writeSync } = require('node:fs');
const token = readFileSync(process.argv[2], 'utf8').trim();
writeSync(1, JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } }));
