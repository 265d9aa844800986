// Cluster fixtures for integration tests, created with the admin identity. Each test file
// works in its own namespaces (unique names), so files can run in parallel on one cluster.

import { randomBytes } from 'node:crypto';
import { apiRequest as clusterRequest, serveNamespace, type ClusterInfo } from '../controlplane/cluster.ts';
import { apiRequest, testCluster } from './cluster.ts';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

async function create(path: string, body: unknown): Promise<void> {
  const response = await apiRequest({ method: 'POST', path, body, identity: 'admin' });
  if (response.status !== 201 && response.status !== 409) throw new Error(`creating ${path}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
}

/** A namespace the test issuers (`issuer`, `issuer-noescalate`) serve: they have rights only in such namespaces. */
export async function createNamespace(name: string, labels: Record<string, string> = {}, cluster: ClusterInfo = testCluster()): Promise<void> {
  await serveNamespace(cluster, name, labels);
}

export async function createServiceAccount(namespace: string, name: string): Promise<void> {
  await create(`/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
}

export const PODS_READER_RULES = [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] }];

export async function createRole(namespace: string, name: string, rules = PODS_READER_RULES): Promise<void> {
  await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, { kind: 'Role', metadata: { name }, rules });
}

export async function bindRole(namespace: string, role: string, serviceAccount: string): Promise<void> {
  await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    kind: 'RoleBinding',
    metadata: { name: `${role}-${serviceAccount}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  });
}

const LABELLED_KINDS = [
  '/api/v1/secrets',
  '/api/v1/serviceaccounts',
  '/apis/rbac.authorization.k8s.io/v1/roles',
  '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
];

/** "Kind namespace/name" of every object in the cluster matching the label selector. */
export async function objectsLabelled(selector: string, cluster: ClusterInfo = testCluster()): Promise<string[]> {
  const found: string[] = [];
  for (const path of LABELLED_KINDS) {
    const response = await clusterRequest(cluster, { path: `${path}?labelSelector=${encodeURIComponent(selector)}`, identity: 'admin' });
    const body = response.body as { kind?: string; items?: { metadata: { name: string; namespace?: string } }[] };
    if (response.status !== 200) throw new Error(`listing ${path}: HTTP ${response.status}`);
    for (const item of body.items ?? []) found.push(`${body.kind?.replace(/List$/, '')} ${item.metadata.namespace ? `${item.metadata.namespace}/` : ''}${item.metadata.name}`);
  }
  return found.sort();
}

/** HTTP status of listing pods in `namespace` with a bearer token. */
export async function listPodsStatus(token: string, namespace: string): Promise<number> {
  return (await apiRequest({ path: `/api/v1/namespaces/${namespace}/pods`, token })).status;
}

export { testCluster };
