// API failures as one-line messages: what failed, why, and what to do (RBAC escalation
// prevention, the issuer guard, a missing permission, rejected credentials, an unreachable or
// unproven API server).

import { ApiError, operationFailed } from '../core/errors.js';
import { GUARD_DENIAL } from '../core/issuer-setup.js';
import type { IssuerIdentity } from '../app/ports.js';
import { KubeStatusError, KubeTimeoutError } from './kube-connections.js';

/** The error of a failed request, as the commands show it. */
export function toKubeError(action: string, issuer: IssuerIdentity, error: unknown): Error {
  if (error instanceof ApiError) return error;
  if (error instanceof KubeStatusError) {
    const status = error.status;
    const message = error.message;
    let hint = '';
    if (status === 403 && /attempting to grant RBAC permissions not currently held|escalat/i.test(message)) {
      hint = `; this is Kubernetes' RBAC escalation prevention: the issuer "${issuer.user}" may only grant permissions it holds itself, unless it has the "escalate" verb on roles/clusterroles (and "bind" to bind roles it does not hold) — grant them to the issuer (kubectl tempcreds setup) or narrow the role's rules`;
    } else if (status === 403 && GUARD_DENIAL.test(message)) {
      // The guard's own message says what to do; "lacks this permission" would send the reader to RBAC.
      hint = '; this is the issuer guard (kubectl tempcreds setup --help)';
    } else if (status === 403) {
      hint = `; the issuer "${issuer.user}" (context "${issuer.context}") lacks this permission — see kubectl tempcreds setup`;
    } else if (status === 401) {
      hint = `; the issuer's credentials for context "${issuer.context}" were rejected — refresh them`;
    }
    return new ApiError(`cannot ${action}: ${status} ${message}${hint}`, status, { cause: error, details: error.details });
  }
  if (error instanceof KubeTimeoutError) {
    return new ApiError(`cannot ${action}: the API server at ${issuer.server} did not answer in time; check that it is up and reachable`, undefined, { cause: error });
  }
  const cause = error as Error & { code?: string };
  if (cause?.code && /CERT|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(cause.code)) {
    return new ApiError(`cannot ${action}: the API server at ${issuer.server} did not prove its identity (${cause.message}); check the cluster's certificate-authority and tls-server-name in the kubeconfig`, undefined, { cause: error });
  }
  if (cause?.code) {
    return new ApiError(`cannot ${action}: cannot reach the API server at ${issuer.server} (${cause.code ?? cause.message}); check that it is up and that --context names the right cluster`, undefined, { cause: error });
  }
  return operationFailed(`cannot ${action}: ${cause?.message ?? String(error)}`, error);
}
