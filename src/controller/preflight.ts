// The controller refuses to start without its CRDs and the admission policy that checks each
// request's stated requester against who really sent it: without the policy, anyone who may
// create a CredentialRequest could claim to be anyone, and the controller would issue for them.

import { CREDENTIAL_REQUESTS, CREDENTIAL_ROLES, REQUESTS_POLICY, TEMPCREDS_GROUP, TEMPCREDS_VERSION, crdName } from '../core/delegation-names.js';
import { operationFailed } from '../core/errors.js';
import { KubeStatusError, type KubeConnection } from '../adapters/kube-connections.js';

const FIX = 'run kubectl tempcreds setup --controller';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

/** Throws (exit 1) naming what is missing and the fix. */
export async function checkInstalled(connection: KubeConnection): Promise<void> {
  const missing: string[] = [];
  // Discovery, readable by every authenticated identity: the CRDs are served, not only stored.
  const served = await get<{ resources?: { name?: string }[] }>(connection, `/apis/${TEMPCREDS_GROUP}/${TEMPCREDS_VERSION}`);
  const names = new Set((served?.resources ?? []).map((resource) => resource.name));
  for (const plural of [CREDENTIAL_ROLES, CREDENTIAL_REQUESTS]) if (!names.has(plural)) missing.push(`the CRD ${crdName(plural)}`);
  if (!(await get(connection, `${ADMISSION}/validatingadmissionpolicies/${REQUESTS_POLICY}`))) missing.push(`the ValidatingAdmissionPolicy ${REQUESTS_POLICY}`);
  if (!(await get(connection, `${ADMISSION}/validatingadmissionpolicybindings/${REQUESTS_POLICY}`))) missing.push(`the ValidatingAdmissionPolicyBinding ${REQUESTS_POLICY}`);
  if (missing.length > 0) {
    throw operationFailed(`refusing to start: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (without the admission policy a requester's identity could be forged); ${FIX}`);
  }
}

async function get<T = unknown>(connection: KubeConnection, path: string): Promise<T | undefined> {
  try {
    return await connection.request<T>({ method: 'GET', path });
  } catch (error) {
    if (error instanceof KubeStatusError && error.status === 404) return undefined;
    if (error instanceof KubeStatusError && error.status === 403) {
      throw operationFailed(`refusing to start: the controller's identity may not read ${path} (${error.message}); ${FIX}, which grants it`);
    }
    throw operationFailed(`refusing to start: could not read ${path}: ${(error as Error).message}`, error);
  }
}
