// Where a command finds roles: this machine's files, or CredentialRole objects in the cluster
// (shared by a team). Chosen per command with --roles, else KUBECTL_TEMPCREDS_ROLES, else local.

import { invalidInput } from './errors.js';

export const ROLE_SOURCES = ['local', 'cluster'] as const;
export type RoleSource = (typeof ROLE_SOURCES)[number];
export const ROLE_SOURCE_ENV = 'KUBECTL_TEMPCREDS_ROLES';

export function parseRoleSource(flag: string | undefined, env: NodeJS.ProcessEnv): RoleSource {
  const [value, where] = flag !== undefined ? [flag, '--roles'] : [env[ROLE_SOURCE_ENV] || 'local', ROLE_SOURCE_ENV];
  if (!(ROLE_SOURCES as readonly string[]).includes(value)) throw invalidInput(`${where} "${value}" is not a role source: use local (this machine's files) or cluster (CredentialRole objects)`);
  return value as RoleSource;
}
