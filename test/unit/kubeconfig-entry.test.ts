import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultContextName, execEntries, upsertNamed } from '../../src/core/kubeconfig-entry.ts';

const base = { role: 'reader', namespace: 'dev', issuerContext: 'issuer', cluster: 'local', contextName: 'tempcreds-reader-dev' };
const argsOf = (entry: ReturnType<typeof execEntries>) => (entry.user.user as { exec: { args: string[] } }).exec.args;

describe('execEntries', () => {
  it('a user whose exec entry runs the plugin directly, never with a token, and a context on the issuer cluster', () => {
    const { user, context } = execEntries(base);
    assert.deepEqual(user, {
      name: 'tempcreds-reader-dev',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: 'kubectl-tempcreds',
          args: ['token', 'reader', '--namespace', 'dev', '--context', 'issuer'],
          interactiveMode: 'Never',
          provideClusterInfo: false,
        },
      },
    });
    assert.deepEqual(context, { name: 'tempcreds-reader-dev', context: { cluster: 'local', user: 'tempcreds-reader-dev', namespace: 'dev' } });
  });

  it('passes every option the plugin takes', () => {
    const args = argsOf(
      execEntries({ ...base, kubeconfig: '/k', ttl: '30m', clusterRoleBinding: true, audiences: ['a', 'b'], tokenCache: 'file', refreshMargin: '5m' }),
    );
    assert.deepEqual(args.slice(6), ['--kubeconfig', '/k', '--ttl', '30m', '--cluster-role-binding', '--audience', 'a', '--audience', 'b', '--token-cache', 'file', '--refresh-margin', '5m']);
  });
});

describe('upsertNamed and defaultContextName', () => {
  it('replaces the entry of the same name, else appends: running twice changes nothing', () => {
    const once = upsertNamed([{ name: 'a', v: 1 }], { name: 'b', v: 2 });
    assert.deepEqual(once, [{ name: 'a', v: 1 }, { name: 'b', v: 2 }]);
    assert.deepEqual(upsertNamed(once, { name: 'b', v: 2 }), once);
    assert.deepEqual(upsertNamed(once, { name: 'a', v: 3 }), [{ name: 'a', v: 3 }, { name: 'b', v: 2 }]);
    assert.deepEqual(upsertNamed(undefined, { name: 'a' }), [{ name: 'a' }]);
  });
  it('names the context after the role and namespace', () => assert.equal(defaultContextName('reader', 'dev'), 'tempcreds-reader-dev'));
});
