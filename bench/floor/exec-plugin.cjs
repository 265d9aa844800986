// The floor of any exec credential plugin that runs on Node: start Node, read a token from a file,
// print an ExecCredential. P4 times 32 kubectl with it beside the tool's burst.
// Usage (a kubeconfig exec entry): node exec-plugin.cjs TOKEN_FILE
'use strict';
const token = require('node:fs').readFileSync(process.argv[2], 'utf8').trim();
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } }));
