// `role grant`, `role revoke-grant`, `role who-can`: who may use a role, written to and read from
// RBAC (core/role-grants.ts plans the objects). Only objects labelled as this role's grant are
// ever changed; a binding others changed meanwhile is re-read and the change applied again.

import { invalidInput } from '../core/errors.js';
import { describeSubject, grantBinding, grantClusterRole, grantName, isGrantObject, whoCanUse, type RbacSubject } from '../core/role-grants.js';
import type { RoleGrantPort } from './ports.js';
import type { RoleReader } from './roles.js';

const RETRIES = 5;

function notOurs(kind: string, role: string): Error {
  return invalidInput(`${kind} ${grantName(role)} exists and was not written by kubectl tempcreds role grant; nothing was changed: rename or delete it first`);
}

/** Changes the role's binding; returns the subjects bound afterwards. */
async function changeBinding(port: RoleGrantPort, role: string, change: { add?: RbacSubject[]; remove?: RbacSubject[] }): Promise<{ before: RbacSubject[]; after: RbacSubject[] }> {
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    const live = await port.read('ClusterRoleBinding', grantName(role));
    if (live && !isGrantObject(live.labels, role)) throw notOurs('ClusterRoleBinding', role);
    if (!live && !change.add) return { before: [], after: [] };
    const before = live?.subjects ?? [];
    const { manifest, subjects } = grantBinding(role, before, change);
    if (subjects.length === 0) {
      await port.remove('ClusterRoleBinding', grantName(role));
      return { before, after: [] };
    }
    if (live && subjects.length === before.length) return { before, after: subjects }; // nothing to change
    if (await port.write(manifest, live?.resourceVersion)) return { before, after: subjects };
  }
  throw invalidInput(`ClusterRoleBinding ${grantName(role)} kept changing while it was written; try again`);
}

/** Lets the subjects use the role (which must exist in the cluster): returns those newly granted. */
export async function grantRole(port: RoleGrantPort, roles: RoleReader, role: string, subjects: RbacSubject[]): Promise<RbacSubject[]> {
  if (!(await roles.get(role))) throw invalidInput(`role "${role}" does not exist in the cluster (see: kubectl tempcreds role list --roles cluster); nothing was granted`);
  const clusterRole = await port.read('ClusterRole', grantName(role));
  if (clusterRole && !isGrantObject(clusterRole.labels, role)) throw notOurs('ClusterRole', role);
  const binding = await port.read('ClusterRoleBinding', grantName(role));
  if (binding && !isGrantObject(binding.labels, role)) throw notOurs('ClusterRoleBinding', role);
  // Written whole every time: a ClusterRole with our labels may have been made (or changed) by
  // someone else with more rules than `use`, which this binding would then pass on.
  if (!(await port.write(grantClusterRole(role), clusterRole?.resourceVersion))) throw invalidInput(`ClusterRole ${grantName(role)} changed while it was written; try again`);
  const { before } = await changeBinding(port, role, { add: subjects });
  return subjects.filter((subject) => !before.some((bound) => describeSubject(bound) === describeSubject(subject)));
}

/** Takes the subjects' grants away; the role's ClusterRole goes with its last subject. Returns those revoked. */
export async function revokeGrant(port: RoleGrantPort, role: string, subjects: RbacSubject[]): Promise<RbacSubject[]> {
  const { before, after } = await changeBinding(port, role, { remove: subjects });
  const revoked = subjects.filter((subject) => before.some((bound) => describeSubject(bound) === describeSubject(subject)));
  if (revoked.length === 0) throw invalidInput(`${subjects.map(describeSubject).join(', ')} ${subjects.length === 1 ? 'has' : 'have'} no grant of role "${role}" from kubectl tempcreds role grant (see: kubectl tempcreds role who-can ${role})`);
  if (after.length === 0) {
    const clusterRole = await port.read('ClusterRole', grantName(role));
    if (clusterRole && isGrantObject(clusterRole.labels, role)) await port.remove('ClusterRole', grantName(role));
  }
  return revoked;
}

/** Everyone RBAC lets use the role, through any ClusterRoleBinding (not only the tool's). */
export async function whoCan(port: RoleGrantPort, role: string): Promise<ReturnType<typeof whoCanUse>> {
  const { clusterRoles, bindings } = await port.listRbac();
  return whoCanUse(role, clusterRoles, bindings);
}
