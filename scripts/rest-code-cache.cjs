// `node rest-code-cache.cjs REST OUT`, run by scripts/package.ts with the Node the single executable
// embeds: the V8 code cache of its rest bundle, made after the rest has run what a first command
// runs, so the cache holds those functions compiled too (V8 compiles a function when first called;
// a cache made right after loading holds little more than the top level: a cold `issue` then
// costs ~35% more CPU). Nothing here reaches a cluster: the commands run in a private temporary
// home against a kubeconfig whose server refuses connections, and print nothing.
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Script } = require('node:vm');

const [rest, out] = process.argv.slice(2);
const script = new Script(readFileSync(rest, 'utf8'), { filename: rest });
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, createRequire(process.execPath), module_);
const { cli, exec } = module_.exports;

const home = mkdtempSync(join(tmpdir(), 'kubectl-tempcreds-warm-'));
const kubeconfig = join(home, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  { mode: 0o600 },
);
const env = { PATH: process.env.PATH, HOME: home, KUBECTL_TEMPCREDS_HOME: join(home, 'state'), KUBECONFIG: kubeconfig };
process.env = env;
process.stdout.write = () => true;
process.stderr.write = () => true;

const COMMANDS = [
  ['version'],
  ['--help'],
  ['role', 'create', 'warm', '--service-account', 'app', '--allowed-namespaces', 'ns'],
  ['issue', 'warm', '-n', 'ns', '--ttl', '1h', '-o', 'token', '--request-timeout', '2s'],
  ['lease', 'list', '--local'],
];

(async () => {
  for (const args of COMMANDS) await cli(args).catch(() => undefined);
  await exec(['warm', '-n', 'ns', '--token-cache', 'none', '--request-timeout', '2s'], env).catch(() => undefined);
  writeFileSync(out, script.createCachedData());
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
})();
