import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MANAGED_KINDS, apiVersionOf, clusterWidePath, collectionPath, groupPath, namespacePath, objectPath, withQuery } from '../../src/core/api-paths.ts';

describe('API paths', () => {
  it('the core group under /api, the others under /apis', () => {
    assert.equal(groupPath('v1'), '/api/v1');
    assert.equal(groupPath('rbac.authorization.k8s.io/v1'), '/apis/rbac.authorization.k8s.io/v1');
  });

  it('collections, objects and subresources of every kind a lease creates', () => {
    assert.deepEqual(
      MANAGED_KINDS.map((kind) => objectPath({ kind, namespace: 'dev', name: 'tc-x' })),
      [
        '/api/v1/namespaces/dev/secrets/tc-x',
        '/api/v1/namespaces/dev/serviceaccounts/tc-x',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles/tc-x',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings/tc-x',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles/tc-x',
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/tc-x',
      ],
    );
    assert.equal(collectionPath({ kind: 'RoleBinding', namespace: 'dev' }), '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings');
    assert.equal(objectPath({ kind: 'ServiceAccount', namespace: 'dev', name: 'app' }, 'token'), '/api/v1/namespaces/dev/serviceaccounts/app/token');
    assert.equal(clusterWidePath('Role'), '/apis/rbac.authorization.k8s.io/v1/roles');
    assert.equal(apiVersionOf('ClusterRoleBinding'), 'rbac.authorization.k8s.io/v1');
  });

  it('an unknown kind, or a namespaced kind without a namespace, is refused', () => {
    assert.throws(() => collectionPath({ kind: 'Pod', namespace: 'dev' }), /unsupported kind Pod/);
    assert.throws(() => objectPath({ kind: 'Secret', name: 'x' }), /a Secret needs a namespace/);
  });

  it('never builds a path from a name that is not one: ".", "..", "/", empty or invalid names are refused', () => {
    for (const name of ['.', '..', '', 'a/b', '../x', '%2e', 'x%2Fy']) {
      assert.throws(() => objectPath({ kind: 'ClusterRole', name }), /is not a valid ClusterRole name/, JSON.stringify(name));
      assert.throws(() => objectPath({ kind: 'Secret', namespace: 'dev', name }), /is not a valid Secret name/, JSON.stringify(name));
    }
    for (const namespace of ['.', '..', 'a/b', 'Dev', '']) {
      assert.throws(() => collectionPath({ kind: 'Role', namespace }), /namespace|needs a namespace/, JSON.stringify(namespace));
    }
    assert.throws(() => namespacePath('..'), /is not a valid namespace name/);
    assert.equal(namespacePath('dev'), '/api/v1/namespaces/dev');
    // Role names may hold ":" (system:aggregate-to-view); encoded, they stay one segment.
    assert.equal(objectPath({ kind: 'ClusterRole', name: 'system:view' }), '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Aview');
  });

  it('queries are encoded; empty values are left out', () => {
    assert.equal(withQuery('/api/v1/secrets', { labelSelector: 'a=b,c in (d)', limit: 500, continue: undefined }), '/api/v1/secrets?labelSelector=a%3Db%2Cc+in+%28d%29&limit=500');
    assert.equal(withQuery('/api/v1/secrets', { continue: '' }), '/api/v1/secrets');
  });
});
