// What every benchmark starts from: a namespace with a ServiceAccount `app` that may read
// pods, and the tool's three kinds of role over it — A: that existing ServiceAccount,
// B: an existing Role bound to a new ServiceAccount, C: generated rules.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveNamespace } from '../../test/controlplane/cluster.ts';
import type { Admin } from './cluster.ts';
import type { ToolHome } from './tool.ts';

export const MODES = ['A', 'B', 'C'] as const;
export type Mode = (typeof MODES)[number];

export const SERVICE_ACCOUNT = 'app';
export const TTL = '1h';
const READER_ROLE = 'reader';
const READ_PODS = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];

export async function createNamespace(admin: Admin, prefix: string): Promise<string> {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  await serveNamespace(admin.info, ns); // the issuer has rights only where it serves
  await admin.create(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT } });
  await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, { kind: 'Role', metadata: { name: READER_ROLE }, rules: READ_PODS });
  await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    kind: 'RoleBinding',
    metadata: { name: 'reader-app' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: READER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: ns }],
  });
  return ns;
}

export async function deleteNamespace(admin: Admin, ns: string): Promise<void> {
  await admin.request('DELETE', `/api/v1/namespaces/${ns}`);
}

/**
 * What each mode's role grants, as `role create` options (the package floor, bench/floor/issue.mjs,
 * takes the same); C's rules in a file in `dir` (the bench's command lines are split on spaces, never quoted).
 */
export function roleGrants(dir: string): Record<Mode, string[]> {
  const rulesFile = join(dir, 'read-pods.json');
  writeFileSync(rulesFile, JSON.stringify({ rules: READ_PODS }));
  return { A: ['--service-account', SERVICE_ACCOUNT], B: ['--kubernetes-role', READER_ROLE], C: ['--rules-file', rulesFile] };
}

/** Role name per mode, created in `home` and allowed in `ns`. */
export async function createRoles(home: ToolHome, ns: string, prefix = 'bench'): Promise<Record<Mode, string>> {
  const names = { A: `${prefix}-a`, B: `${prefix}-b`, C: `${prefix}-c` };
  const grants = roleGrants(home.home);
  for (const mode of MODES) await home.tool(['role', 'create', names[mode], ...grants[mode], '--allowed-namespaces', ns, '--default-ttl', TTL]);
  return names;
}
