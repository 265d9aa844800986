// The exec entry in-process, with an injected environment: a state home, an issuer kubeconfig
// whose API server does not exist (so anything but a cache hit fails), and a cached token.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LeaseStore } from '../../src/adapters/lease-store.ts';
import { readIssuer } from '../../src/adapters/kubeconfig.ts';
import { RoleStore } from '../../src/adapters/role-store.ts';
import { openTokenCache } from '../../src/adapters/token-cache.ts';
import { roleDigest } from '../../src/core/role-spec.ts';
import { tokenCacheKey } from '../../src/core/token-cache.ts';
import { main } from '../../src/exec/main.ts';
import { NOW, cachedToken, leaseRecord, role, secondsAfter } from './fakes.ts';

/** A home with role "reader" (only namespace "dev") and a token cached for it under the key issuance would use. */
async function home() {
  const root = join(mkdtempSync(join(tmpdir(), 'tempcreds-exec-')), 'home');
  mkdirSync(root, { mode: 0o700 });
  const kubeconfig = join(root, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'issuer',
      clusters: [{ name: 'test', cluster: { server: 'https://127.0.0.1:9', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'issuer', user: { token: 'issuer-token' } }],
      contexts: [{ name: 'issuer', context: { cluster: 'test', user: 'issuer' } }],
    }),
    { mode: 0o600 },
  );
  const env = { KUBECTL_TEMPCREDS_HOME: root, KUBECONFIG: kubeconfig, KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file', HOME: root };
  const reader = role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'] });
  await new RoleStore(join(root, 'roles')).update('reader', () => reader);
  const lease = leaseRecord();
  await new LeaseStore(join(root, 'leases')).save(lease);
  const issuer = readIssuer({ kubeconfig }, env);
  const key = tokenCacheKey({
    server: issuer.server,
    caDigest: issuer.caDigest,
    issuerUser: `${issuer.user}:${issuer.userDigest}`,
    role: 'reader',
    roleDigest: roleDigest(reader),
    namespace: 'dev',
    clusterRoleBinding: false,
    audiences: [],
  });
  
  const entry = cachedToken();
  await (await openTokenCache('file', join(root, 'cache'))).set(key, entry);
  return { env, entry };
}

/** Runs the entry in this process, on the fixed clock, capturing what it writes. */
async function run(args: string[], env: NodeJS.ProcessEnv, now = NOW) {
  const out = { stdout: '', stderr: '' };
  const code = await main(args, env, { stdout: (text) => void (out.stdout += text), stderr: (text) => void (out.stderr += text), clock: { now: () => now } });
  return { code, ...out };
}

describe('exec entry: the namespace in the cache key', () => {
  for (const [name, args] of [
    ['-n dev', ['reader', '-n', 'dev']],
    ['-n DEV (lower-cased as issue does)', ['reader', '-n', 'DEV']],
    ['no -n (the role allows only dev)', ['reader']],
  ] as const) {
    it(`${name} is served the token cached for namespace dev`, async () => {
      const { env, entry } = await home();
      const result = await run([...args, '--request-timeout', '1s'], env);
      assert.deepEqual(result, {
        code: 0,
        // Refreshed 10 % (6m) before the expiry.
        stdout: `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"expirationTimestamp":"2025-01-01T00:54:00Z","token":"${entry.token}"}}\n`,
        stderr: '',
      });
    });
  }
});

describe('exec entry: input, output and the clock', () => {
  it('answers in the apiVersion KUBERNETES_EXEC_INFO names', async () => {
    const { env } = await home();
    const info = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', spec: { interactive: false } });
    const { code, stdout } = await run(['reader'], { ...env, KUBERNETES_EXEC_INFO: info });
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).apiVersion, 'client.authentication.k8s.io/v1beta1');
  });

  it('past the refresh point by the injected clock, the token is not served (it tries to issue, and fails here)', async () => {
    const { env } = await home();
    const { code, stdout, stderr } = await run(['reader', '--request-timeout', '1s'], env, secondsAfter(NOW, 3600 - 360));
    assert.notEqual(code, 0);
    assert.equal(stdout, '');
    assert.match(stderr, /^kubectl-tempcreds: .+\n$/);
    assert.doesNotMatch(stderr, /cached-token/);
  });

  for (const [name, args, message] of [
    ['a bad --request-timeout', ['reader', '--request-timeout', 'never'], 'kubectl-tempcreds: --request-timeout "never" is not a duration (e.g. 10s, 1m)\n'],
    ['a zero --request-timeout', ['reader', '--request-timeout', '0s'], 'kubectl-tempcreds: --request-timeout "0s" is not a duration (e.g. 10s, 1m)\n'],
    ['no ROLE', [], 'kubectl-tempcreds: give exactly one ROLE (see: kubectl-tempcreds token --help)\n'],
    ['an unknown flag', ['reader', '--nope'], "kubectl-tempcreds: Unknown option '--nope'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--nope\" (see: kubectl-tempcreds token --help)\n"],
    ['a bad --roles', ['reader', '--roles', 'remote'], 'kubectl-tempcreds: --roles "remote" is not a role source: use local (this machine\'s files) or cluster (CredentialRole objects)\n'],
    ['a bad --token-cache', ['reader', '--token-cache', 'disk'], 'kubectl-tempcreds: token cache "disk" is not one of auto, keychain, file, none (--token-cache or KUBECTL_TEMPCREDS_TOKEN_CACHE)\n'],
  ] as const) {
    it(`${name} is exit 2 with one line on stderr`, async () => {
      const { env } = await home();
      assert.deepEqual(await run([...args], env), { code: 2, stdout: '', stderr: message });
    });
  }

  it('-h prints the usage on stdout', async () => {
    const { code, stdout } = await run(['-h'], {});
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: kubectl-tempcreds token ROLE -n NAMESPACE \[options\]/);
  });
});
