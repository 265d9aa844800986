// The kubeconfig use case over fakes: what it writes, and that what the plugin would refuse on
// every kubectl call is refused before the kubeconfig changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addExecContext, type KubeconfigInput, type KubeconfigPorts } from '../../src/app/kubeconfig.ts';
import type { NamedEntry } from '../../src/core/kubeconfig-entry.ts';
import { issuerFingerprint, role } from './fakes.ts';

function fixture(issuer = issuerFingerprint()) {
  const written: { file: string; user: NamedEntry; context: NamedEntry; force: boolean }[] = [];
  const ports: KubeconfigPorts = {
    roles: { get: async (name) => (name === 'reader' ? role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'] }) : undefined) },
    issuer: () => issuer,
    fileToWrite: () => '/home/me/.kube/config',
    writeEntries: async (file, { user, context }, force) => void written.push({ file, user, context, force }),
  };
  return { ports, written };
}

const input = (overrides: Partial<KubeconfigInput> = {}): KubeconfigInput => ({ role: 'reader', clusterRoleBinding: false, force: false, ...overrides });

describe('addExecContext', () => {
  for (const [name, namespace] of [
    ["the role's only namespace", undefined],
    ['-n DEV, lower-cased', 'DEV'],
  ] as const) {
    it(`writes a context for ${name}`, async () => {
      const { ports, written } = fixture();
      assert.deepEqual(await addExecContext(ports, input({ namespace })), { contextName: 'tempcreds-reader-dev', file: '/home/me/.kube/config' });
      const [entry] = written;
      assert.deepEqual(entry?.context, { name: 'tempcreds-reader-dev', context: { cluster: 'test', user: 'tempcreds-reader-dev', namespace: 'dev' } });
      assert.deepEqual((entry?.user.user as { exec: { args: string[] } }).exec.args, ['token', 'reader', '--namespace', 'dev', '--context', 'ci-admin']);
    });
  }

  for (const [name, overrides, issuer, message] of [
    ['a role that does not exist', { role: 'nope' }, issuerFingerprint(), /^role "nope" does not exist/],
    ['a refresh margin over half the lifetime', { ttl: '10m', refreshMargin: '6m' }, issuerFingerprint(), /^--refresh-margin 6m is more than half/],
    ['an issuer context that itself runs kubectl-tempcreds', {}, issuerFingerprint({ execCommand: 'kubectl-tempcreds' }), /^context "ci-admin" itself gets its credentials from kubectl-tempcreds/],
    ['a context name that is the issuer context', { contextName: 'ci-admin' }, issuerFingerprint(), /^--context-name "ci-admin" is the issuer context/],
  ] as const) {
    it(`refuses ${name} before writing anything`, async () => {
      const { ports, written } = fixture(issuer);
      await assert.rejects(addExecContext(ports, input(overrides)), { exitCode: 2, message });
      assert.deepEqual(written, []);
    });
  }
});
