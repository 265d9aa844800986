// Roles for the controller: CredentialRole objects read from the cluster (read-only) and judged by
// the tool's one validator, so a role the validator refuses is RoleNotReady, never half-applied.

import { checkRoleSpec } from '../core/role-spec.js';
import { CREDENTIAL_ROLES, TEMPCREDS_GROUP, TEMPCREDS_VERSION } from '../core/delegation-names.js';
import { ApiError } from '../core/errors.js';
import { checkDns1123Label } from '../core/kube-names.js';
import type { RoleLookup } from '../app/reconcile-request.js';
import { KubeStatusError, type KubeConnection } from '../adapters/kube-connections.js';

export function clusterRoleLookup(connection: KubeConnection): (name: string) => Promise<RoleLookup> {
  return async (name) => {
    // The CRD schema makes spec.role a DNS label; checked again, as it becomes a path.
    if (checkDns1123Label(name)) return undefined;
    let object: { spec?: unknown };
    try {
      object = await connection.request<{ spec?: unknown }>({ method: 'GET', path: `/apis/${TEMPCREDS_GROUP}/${TEMPCREDS_VERSION}/${CREDENTIAL_ROLES}/${name}` });
    } catch (error) {
      if (error instanceof KubeStatusError && error.status === 404) return undefined;
      const status = error instanceof KubeStatusError ? error.status : undefined;
      throw new ApiError(`cannot read CredentialRole "${name}": ${(error as Error).message}`, status, { cause: error });
    }
    const { role, problems } = checkRoleSpec(name, object.spec);
    return role ? { role } : { invalid: problems.join('; ') };
  };
}
