// Role grants, pure: subjects from flags, the binding after a grant or revoke, and who RBAC lets
// use a role (wildcards as the authorizer reads them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowsUse, grantBinding, grantClusterRole, isGrantObject, parseGrantSubjects, whoCanUse } from '../../src/core/role-grants.ts';

describe('role grants', () => {
  it('parses --user, --group and --serviceaccount NS/NAME; none, or a bad one, is exit 2', () => {
    assert.deepEqual(parseGrantSubjects({ user: ['alice'], group: ['team'], serviceaccount: ['ci/deployer'] }), [
      { kind: 'User', name: 'alice' },
      { kind: 'Group', name: 'team' },
      { kind: 'ServiceAccount', namespace: 'ci', name: 'deployer' },
    ]);
    for (const options of [{}, { serviceaccount: ['deployer'] }, { serviceaccount: ['Bad_NS/x'] }, { user: [' '] }]) {
      assert.throws(() => parseGrantSubjects(options), (error: Error & { exitCode?: number }) => error.exitCode === 2, JSON.stringify(options));
    }
  });

  it('a ClusterRole with use on exactly the role, and a binding that adds and removes subjects without duplicates', () => {
    assert.deepEqual(grantClusterRole('app').rules, [{ apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], resourceNames: ['app'], verbs: ['use'] }]);
    assert.ok(isGrantObject(grantClusterRole('app').metadata.labels, 'app'));
    assert.ok(!isGrantObject(grantClusterRole('app').metadata.labels, 'other'), 'a grant of another role is not this one');
    const alice = { kind: 'User', name: 'alice' } as const;
    const team = { kind: 'Group', name: 'team' } as const;
    const added = grantBinding('app', [alice], { add: [alice, team] });
    assert.deepEqual(added.subjects, [alice, team]);
    assert.deepEqual(added.manifest.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tempcreds-use-app' });
    assert.deepEqual(grantBinding('app', [alice, team], { remove: [{ kind: 'User', name: 'alice' }] }).subjects, [team]);
  });

  it('who can use a role: rules with its name, no names, or wildcards; not other names, verbs or groups', () => {
    const rule = (overrides: object) => ({ apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], verbs: ['use'], ...overrides });
    assert.ok(allowsUse(rule({ resourceNames: ['app'] }), 'app'));
    assert.ok(allowsUse(rule({}), 'app'));
    assert.ok(allowsUse({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, 'app'));
    assert.ok(!allowsUse(rule({ resourceNames: ['other'] }), 'app'));
    assert.ok(!allowsUse(rule({ verbs: ['get'] }), 'app'));
    assert.ok(!allowsUse(rule({ apiGroups: [''] }), 'app'));
    const rows = whoCanUse(
      'app',
      [
        { name: 'tempcreds-use-app', rules: [rule({ resourceNames: ['app'] })] },
        { name: 'cluster-admin', rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
        { name: 'view', rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }] },
      ],
      [
        { name: 'tempcreds-use-app', roleRef: { kind: 'ClusterRole', name: 'tempcreds-use-app' }, subjects: [{ kind: 'User', name: 'alice' }] },
        { name: 'cluster-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] },
        { name: 'viewers', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bob' }] },
      ],
    );
    assert.deepEqual(rows.map((row) => [row.subject.name, row.binding]), [['system:masters', 'cluster-admin'], ['alice', 'tempcreds-use-app']]);
  });
});
