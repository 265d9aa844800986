// What every benchmark starts from: a namespace with a ServiceAccount `app` that may read
// pods, and the tool's three kinds of role over it — A: that existing ServiceAccount,
// B: an existing Role bound to a new ServiceAccount, C: generated rules.

import { randomBytes } from 'node:crypto';
import { serveNamespace } from '../../test/controlplane/cluster.ts';
import type { Admin } from './cluster.ts';
import type { ToolHome } from './tool.ts';

export const MODES = ['A', 'B', 'C'] as const;
export type Mode = (typeof MODES)[number];

export const SERVICE_ACCOUNT = 'app';
export const TTL = '1h';
const READ_PODS = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];

export async function createNamespace(admin: Admin, prefix: string): Promise<string> {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  await serveNamespace(admin.info, ns); // the issuer has rights only where it serves
  await admin.create(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT } });
  await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, { kind: 'Role', metadata: { name: 'reader' }, rules: READ_PODS });
  await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    kind: 'RoleBinding',
    metadata: { name: 'reader-app' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: ns }],
  });
  return ns;
}

export async function deleteNamespace(admin: Admin, ns: string): Promise<void> {
  await admin.request('DELETE', `/api/v1/namespaces/${ns}`);
}

/** Role name per mode, created in `home` and allowed in `ns`. */
export async function createRoles(home: ToolHome, ns: string, prefix = 'bench'): Promise<Record<Mode, string>> {
  const names = { A: `${prefix}-a`, B: `${prefix}-b`, C: `${prefix}-c` };
  const common = ['--allowed-namespaces', ns, '--default-ttl', TTL];
  await home.tool(['role', 'create', names.A, '--service-account', SERVICE_ACCOUNT, ...common]);
  await home.tool(['role', 'create', names.B, '--kubernetes-role', 'reader', ...common]);
  await home.tool(['role', 'create', names.C, '--rules', JSON.stringify({ rules: READ_PODS }), ...common]);
  return names;
}
