import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TempcredsError } from '../../src/core/errors.ts';
import { defaultContextName, execEntries, isToolUser, upsertNamed, withExecEntries } from '../../src/core/kubeconfig-entry.ts';

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

describe('withExecEntries: only the entries the tool wrote are replaced', () => {
  const entries = execEntries(base);
  const file = '/home/u/.kube/config';
  const cluster = { name: 'local', cluster: { server: 'https://127.0.0.1:6443' } };

  it('adds the entries, keeping everything else in the file', () => {
    const next = withExecEntries({ clusters: [cluster], 'current-context': 'admin', preferences: {} }, entries, { file, force: false });
    assert.deepEqual(next, { apiVersion: 'v1', kind: 'Config', clusters: [cluster], 'current-context': 'admin', preferences: {}, users: [entries.user], contexts: [entries.context] });
  });

  it('replaces its own entries (also from another version: judged by content) without --force', () => {
    const own = execEntries({ ...base, ttl: '30m' });
    const next = withExecEntries({ users: [own.user], contexts: [own.context] }, entries, { file, force: false });
    assert.deepEqual([next.users, next.contexts], [[entries.user], [entries.context]]);
    assert.ok(isToolUser({ name: 'x', user: { exec: { command: '/opt/bin/kubectl-tempcreds', args: ['token', 'r'] } } }));
  });

  it('refuses a user or context of the same name it did not write, naming them and --force', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a token user', { users: [{ name: entries.user.name, user: { token: 't' } }] }, /already has user "tempcreds-reader-dev", not written by kubectl-tempcreds: .*--force to replace it$/],
      ['the tool user with a token added by hand', { users: [{ name: entries.user.name, user: { ...(entries.user.user as object), token: 't' } }] }, /user "tempcreds-reader-dev"/],
      ['the tool user with env added', { users: [{ name: entries.user.name, user: { exec: { ...(entries.user.user as { exec: object }).exec, env: [{ name: 'A', value: 'b' }] } } }] }, /user "tempcreds-reader-dev"/],
      ['another exec plugin', { users: [{ name: entries.user.name, user: { exec: { command: 'kubelogin', args: ['token'] } } }] }, /user "tempcreds-reader-dev"/],
      ['a context with another user', { users: [entries.user], contexts: [{ name: entries.context.name, context: { cluster: 'local', user: 'admin' } }] }, /already has context "tempcreds-reader-dev"/],
      ['both', { users: [{ name: entries.user.name, user: {} }], contexts: [entries.context] }, /user "tempcreds-reader-dev" and context "tempcreds-reader-dev", .*replace them$/],
    ];
    for (const [what, config, message] of cases) {
      assert.throws(() => withExecEntries(config, entries, { file, force: false }), (error: TempcredsError) => error.exitCode === 2 && message.test(error.message) && error.message.includes(file), what);
      const forced = withExecEntries(config, entries, { file, force: true });
      assert.deepEqual([forced.users, forced.contexts], [[entries.user], [entries.context]], what);
    }
  });
});
