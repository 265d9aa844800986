// Where a command finds roles: this machine's files, or CredentialRole objects in the cluster
// (shared by a team). Chosen per command with --roles, else KUBECTL_TEMPCREDS_ROLES, else local.

import { invalidInput } from './errors.js';
import type { RoleDefinition } from './role-spec.js';

export const ROLE_SOURCES = ['local', 'cluster'] as const;
export type RoleSource = (typeof ROLE_SOURCES)[number];
export const ROLE_SOURCE_ENV = 'KUBECTL_TEMPCREDS_ROLES';

export function parseRoleSource(flag: string | undefined, env: NodeJS.ProcessEnv): RoleSource {
  const [value, where] = flag !== undefined ? [flag, '--roles'] : [env[ROLE_SOURCE_ENV] || 'local', ROLE_SOURCE_ENV];
  if (!(ROLE_SOURCES as readonly string[]).includes(value)) throw invalidInput(`${where} "${value}" is not a role source: use local (this machine's files) or cluster (CredentialRole objects)`);
  return value as RoleSource;
}

/**
 * A role read from the cluster must not choose a local kubeconfig context: whoever may write
 * CredentialRoles in one cluster would otherwise make this tool use the caller's credentials for
 * another cluster (its admin context, say) to create that role's RBAC objects there. So a cluster
 * role's issuerContext is refused (exit 2, before anything is created) unless --context was given
 * (then the issuerContext is not used) or it names the very context the role was read from.
 */
export function checkClusterRoleContext(role: RoleDefinition, { given, readFrom }: { given: string | undefined; readFrom: string }): RoleDefinition {
  const chosen = role.spec.issuerContext;
  if (chosen === undefined || given !== undefined || chosen === readFrom) return role;
  throw invalidInput(`role "${role.name}" comes from the cluster: its issuerContext "${chosen}" cannot choose a local kubeconfig context; use --context`);
}
