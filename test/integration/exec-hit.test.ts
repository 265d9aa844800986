// The exec plugin's cache-hit path (src/exec/hit.ts, in the launcher bin/kubectl-tempcreds): a
// repeated call is served by it, loading no file but the launcher (and the keychain's reader for
// a keychain hit), and anything the credential depends on sends the call back to the full path.
// Files younger than 2 s are never remembered (see credential-memo.ts), so the setup waits that
// long once.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { waitFor } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { BIN_DIR, runProcess, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

// Both stores a hit reads: private files, and the keychain (the Secret Service read over D-Bus directly).
for (const store of ['file', 'keychain'] as const) describe(`a repeated token call (${store} cache)`, () => {
  const ns = uniqueName('hit');
  let tool: Tempcreds;
  let role: string;
  const token = () => runProcess(join(BIN_DIR, 'kubectl-tempcreds'), ['token', role, '-n', ns, '--context', 'issuer'], { env: tool.env });
  const memoFiles = () => readdirSync(join(tool.home, 'cache', 'memo')).map((file) => join(tool.home, 'cache', 'memo', file));
  const leases = () => readdirSync(join(tool.home, 'leases', role)).filter((file) => file.endsWith('.json')).length;
  const tokenOf = (stdout: string) => (JSON.parse(stdout) as { status: { token: string } }).status.token;

  before(async () => {
    await createNamespace(ns);
    await createServiceAccount(ns, 'app');
    tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: store });
    role = uniqueName('hit');
    assert.equal((await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', ns])).status, 0);
    assert.equal((await token()).status, 0); // issues
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await token()).status, 0); // served by the full path, which remembers it
  });

  it('is served by the hit path: the memo is read, not rewritten, and nothing is issued', async () => {
    const [memo] = memoFiles();
    assert.ok(memo, 'a memo was written');
    assert.equal((JSON.parse(readFileSync(memo, 'utf8')) as { target: { store: string } }).target.store, store);
    const before = statSync(memo).mtimeMs;
    const first = await token();
    const second = await token();
    assert.equal(second.status, 0, second.stderr);
    assert.ok(tokenOf(second.stdout) === tokenOf(first.stdout), 'the same token is served'); // assert.ok: a failure must not print tokens
    assert.equal(statSync(memo).mtimeMs, before);
    assert.equal(leases(), 1);
  });

  it('loads no file but the launcher, and for a keychain hit the keychain reader', async () => {
    const traced = await runProcess(join(BIN_DIR, 'kubectl-tempcreds'), ['token', role, '-n', ns, '--context', 'issuer'], { env: { ...tool.env, NODE_DEBUG: 'module' } });
    assert.equal(traced.status, 0);
    const loaded = [...traced.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((match) => relative(dirname(BIN_DIR), match[1]!));
    assert.deepEqual(loaded, [join('bin', 'kubectl-tempcreds'), ...(store === 'keychain' ? [join('dist', 'exec', 'keychain.cjs')] : [])]);
  });

  it('goes back to the full path when the role changes, and issues under the new definition', async () => {
    const old = tokenOf((await token()).stdout);
    assert.equal((await tool.run(['role', 'update', role, '--max-ttl', '3h'])).status, 0);
    const next = await token();
    assert.equal(next.status, 0, next.stderr);
    assert.ok(tokenOf(next.stdout) !== old, 'a new token is issued');
    assert.equal(leases(), 2);
  });

  it('never serves a revoked token', async () => {
    const old = tokenOf((await token()).stdout);
    assert.equal((await tool.run(['revoke', '--role', role])).status, 0);
    const next = await token();
    assert.equal(next.status, 0, next.stderr);
    assert.ok(tokenOf(next.stdout) !== old, 'the revoked token is not served');
  });
});

describe('32 parallel token calls on a cold cache', () => {
  it('load the full entry once: the others wait for its answer in the hit path; one lease, one token', async () => {
    const ns = uniqueName('burst');
    await createNamespace(ns);
    await createServiceAccount(ns, 'app');
    const tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' });
    const role = uniqueName('burst');
    assert.equal((await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', ns])).status, 0);
    // NODE_DEBUG=module: each process says which files it loads; only one may load the full entry.
    // The issuing one pauses after its first API call until the 31 others wait for it (each says
    // so: fault-waiting-<pid>), so none arrives after the answer (a late one would go to the full
    // path, which finds the cached token).
    const env = { ...tool.env, NODE_DEBUG: 'module', KUBECTL_TEMPCREDS_TEST_FAULT: 'pause-after:1' };
    const marker = join(tool.home, 'fault-paused');
    const running = Promise.all(Array.from({ length: 32 }, () => runProcess(join(BIN_DIR, 'kubectl-tempcreds'), ['token', role, '-n', ns, '--context', 'issuer'], { env })));
    await waitFor(() => existsSync(marker), { what: 'one process to issue and pause after its first API call' });
    const waiting = () => readdirSync(tool.home).filter((file) => file.startsWith('fault-waiting-')).length;
    await waitFor(() => waiting() === 31, { what: 'the 31 others to wait for its answer', timeoutMs: 60_000 });
    rmSync(marker);
    const results = await running;
    assert.deepEqual(results.map((result) => result.status), Array(32).fill(0));
    const tokens = new Set(results.map((result) => (JSON.parse(result.stdout) as { status: { token: string } }).status.token));
    assert.equal(tokens.size, 1);
    assert.equal(results.filter((result) => /^MODULE \d+: load "[^"]*[/\\]exec[/\\]main\.cjs"/m.test(result.stderr)).length, 1);
    assert.equal(readdirSync(join(tool.home, 'leases', role)).filter((file) => file.endsWith('.json')).length, 1);
  });
});
