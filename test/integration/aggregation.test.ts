// Roles that cannot grant more than intended, on the real API server and its
// clusterrole-aggregation controller: a generated ClusterRole whose labels an
// aggregationRule selects would hand the lease's rules to everyone bound to that role.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiRequest, waitFor } from '../helpers/cluster.ts';
import { createNamespace, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('aggregation');
const run = uniqueName('g').slice(2);
const AGGREGATED = `aggregated-${run}`;
const PART = `aggregated-part-${run}`;
const CLUSTER_ROLES = '/apis/rbac.authorization.k8s.io/v1/clusterroles';
const SECRET_RULES = '{"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}]}';
let tool: Tempcreds;

async function asAdmin(method: string, path: string, body?: unknown) {
  const response = await apiRequest({ method, path, body, identity: 'admin' });
  assert.ok(response.status < 300 || (method === 'DELETE' && response.status === 404), `${method} ${path}: HTTP ${response.status}`);
  return response.body;
}

/** The resources the aggregated ClusterRole grants, as its controller merged them. */
async function aggregatedResources(): Promise<string[]> {
  const role = (await asAdmin('GET', `${CLUSTER_ROLES}/${AGGREGATED}`)) as { rules?: { resources?: string[] }[] | null };
  return (role.rules ?? []).flatMap((rule) => rule.resources ?? []).sort();
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await asAdmin('POST', CLUSTER_ROLES, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: AGGREGATED },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate': 'true' } }] },
  });
});

after(async () => {
  for (const name of [AGGREGATED, PART]) await asAdmin('DELETE', `${CLUSTER_ROLES}/${name}`);
});

describe('a generated ClusterRole that an aggregationRule selects', () => {
  it('the aggregation controller merges a labelled ClusterRole into the aggregated one (what a lease must never cause)', async () => {
    await asAdmin('POST', CLUSTER_ROLES, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: PART, labels: { 'example.com/aggregate': 'true' } },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    });
    await waitFor(async () => (await aggregatedResources()).includes('configmaps'), { what: `${AGGREGATED} to take in ${PART}'s rules` });
  });

  it('issuance is refused (exit 2) and creates nothing; the aggregated role never gets the lease\'s rules', async () => {
    const role = `labelled-${run}`;
    const created = await tool.run(['role', 'create', role, '--rules', SECRET_RULES, '--role-type', 'ClusterRole', '--allowed-namespaces', ns, '--extra-labels', 'example.com/aggregate=true']);
    assert.equal(created.status, 0, created.stderr);
    const issued = await tool.run(['issue', role, '-n', ns]);
    if (issued.status === 0) {
      // What the refusal prevents, shown when it is missing: the lease's rules merged into the aggregated role.
      await waitFor(async () => (await aggregatedResources()).includes('secrets'), { timeoutMs: 15_000 }).catch(() => undefined);
    }
    assert.equal(issued.status, 2, `exit ${issued.status}; ClusterRole ${AGGREGATED} now grants ${(await aggregatedResources()).join(', ')}`);
    assert.match(
      issued.stderr,
      new RegExp(`^error: role "${role}": its generated ClusterRole would match the aggregationRule of ClusterRole "${AGGREGATED}" \\(example\\.com/aggregate=true\\), which would take in the lease's rules for everyone bound to "${AGGREGATED}"; remove those labels from the role's --extra-labels$`, 'm'),
    );
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role}`), []);
    assert.deepEqual(await aggregatedResources(), ['configmaps']);

    // The same role with a label no aggregationRule selects is issued: the issuer may list ClusterRoles.
    assert.equal((await tool.run(['role', 'update', role, '--extra-labels', 'example.com/aggregate=false'])).status, 0);
    const allowed = await tool.run(['issue', role, '-n', ns, '-o', 'json']);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal((await tool.run(['revoke', '--role', role])).status, 0);
    assert.deepEqual(await aggregatedResources(), ['configmaps']);
  });

  it('labels Kubernetes acts on (rbac.authorization.k8s.io/aggregate-to-view) are refused on roles of generated rules', async () => {
    const role = `to-view-${run}`;
    const result = await tool.run(['role', 'create', role, '--rules', SECRET_RULES, '--role-type', 'ClusterRole', '--allowed-namespaces', ns, '--extra-labels', 'rbac.authorization.k8s.io/aggregate-to-view=true']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /extraLabels key "rbac\.authorization\.k8s\.io\/aggregate-to-view" is refused for generated rules: Kubernetes acts on labels under rbac\.authorization\.k8s\.io\//);
    assert.equal((await tool.run(['role', 'get', role])).status, 2, 'nothing stored');
  });
});
