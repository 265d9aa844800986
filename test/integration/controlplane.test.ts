// Proves the test control plane is a real one: RBAC, TokenRequest, token revocation, the issuer
// identities and kube-controller-manager all behave as in a production cluster.
// Tokens never reach output: checks compare status codes and booleans only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { apiRequest, kubectl, testCluster, waitFor } from '../helpers/cluster.ts';
import { createNamespace } from '../helpers/fixtures.ts';

const namespace = `cp-${randomBytes(4).toString('hex')}`;
const nsPath = `/api/v1/namespaces/${namespace}`;

interface KubeObject {
  metadata: { name: string; uid: string };
  status?: Record<string, unknown>;
}

async function adminCreate(path: string, body: Record<string, unknown>): Promise<KubeObject> {
  const response = await apiRequest({ method: 'POST', path, body, identity: 'admin' });
  assert.equal(response.status, 201, `creating ${String(body.kind)} at ${path}: ${JSON.stringify(response.body)}`);
  return response.body as KubeObject;
}

describe('local control plane', () => {
  before(async () => {
    await createNamespace(namespace); // the issuers serve it
    await adminCreate(`${nsPath}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sample-app' } });
    await adminCreate(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    });
    await adminCreate(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'sample-app-pod-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'sample-app', namespace }],
    });
    // Only stored: no kubelet runs, which is all RBAC and listing need.
    await adminCreate(`${nsPath}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sample' },
      spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
    });
  });

  after(async () => {
    await apiRequest({ method: 'DELETE', path: nsPath, identity: 'admin' });
  });

  test('a TokenRequest token is authorized by RBAC, audited, and dies with its ServiceAccount', async () => {
    const tokenRequest = await adminCreate(`${nsPath}/serviceaccounts/sample-app/token`, {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 },
    });
    const token: unknown = tokenRequest.status?.token;
    assert.ok(typeof token === 'string' && token.length > 0, 'TokenRequest returned a token');

    const inOwnNamespace = await apiRequest({ path: `${nsPath}/pods`, token });
    assert.equal(inOwnNamespace.status, 200, 'the token lists pods in its namespace');
    assert.deepEqual((inOwnNamespace.body as { items: { metadata: { name: string } }[] }).items.map((pod) => pod.metadata.name), ['sample']);
    assert.equal((await apiRequest({ path: '/api/v1/namespaces/default/pods', token })).status, 403, 'the token is Forbidden in default');

    const audit = fs.readFileSync(testCluster().auditLog, 'utf8');
    assert.ok(audit.includes(`"requestURI":"${nsPath}/serviceaccounts/sample-app/token"`), 'the TokenRequest is in the audit log');

    const deleted = await apiRequest({ method: 'DELETE', path: `${nsPath}/serviceaccounts/sample-app`, identity: 'admin' });
    assert.equal(deleted.status, 200, 'ServiceAccount deleted');
    // Authentication results are cached for a few seconds: poll, never sleep.
    await waitFor(async () => (await apiRequest({ path: `${nsPath}/pods`, token })).status === 401, {
      what: 'the token to be rejected (401) after its ServiceAccount was deleted',
    });
  });

  test('the issuer identities hold their rights where they serve and nothing more', async () => {
    const listAllPods = await kubectl(['get', 'pods', '-A'], { context: 'issuer' });
    assert.notEqual(listAllPods.status, 0, 'issuer cannot list pods cluster-wide');
    assert.match(listAllPods.stderr, /Forbidden/);

    const canI = async (context: string, ...args: string[]) =>
      (await kubectl(['auth', 'can-i', ...args], { context })).stdout.trim();
    assert.equal(await canI('issuer', 'create', 'serviceaccounts/token', '-n', namespace), 'yes');
    assert.equal(await canI('issuer', 'create', 'serviceaccounts/token', '-n', 'kube-system'), 'no');
    assert.equal(await canI('issuer', 'escalate', 'clusterroles'), 'yes');
    assert.equal(await canI('issuer-noescalate', 'create', 'rolebindings', '-n', namespace), 'yes');
    assert.equal(await canI('issuer-noescalate', 'escalate', 'clusterroles'), 'no');
  });

  test('kube-controller-manager garbage-collects dependents of a deleted owner', async () => {
    const owner = await adminCreate(`${nsPath}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await adminCreate(`${nsPath}/configmaps`, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }] },
    });
    await apiRequest({ method: 'DELETE', path: `${nsPath}/configmaps/owner`, identity: 'admin' });
    await waitFor(async () => (await apiRequest({ path: `${nsPath}/configmaps/dependent`, identity: 'admin' })).status === 404, {
      what: 'the garbage collector to delete the dependent ConfigMap',
    });
  });
});
