// What `vault write -format=json kubernetes/creds/ROLE` prints (Vault's api.Secret with the
// Kubernetes secrets engine's data), rendered from an issued lease, so scripts written against
// Vault (`jq -r .data.service_account_token`) keep working unchanged.

import { vaultLeaseId, type LeaseRecord } from './lease.js';

export interface VaultCredsResponse {
  request_id: string;
  lease_id: string;
  lease_duration: number;
  renewable: false;
  data: { service_account_name: string; service_account_namespace: string; service_account_token: string };
  warnings: string[] | null;
  mount_type: 'kubernetes';
}

/** `requestId` is a fresh UUID (Vault's request ids are; nothing refers to it). */
export function vaultCredsResponse(
  issued: { lease: Pick<LeaseRecord, 'id' | 'ttlSeconds' | 'serviceAccountName' | 'namespace'>; token: string; warnings: string[] },
  requestId: string,
): VaultCredsResponse {
  const { lease, token, warnings } = issued;
  return {
    request_id: requestId,
    lease_id: vaultLeaseId(lease.id),
    lease_duration: lease.ttlSeconds,
    // As in Vault's engine: a Kubernetes token cannot be extended; issue a new lease instead.
    renewable: false,
    data: { service_account_name: lease.serviceAccountName, service_account_namespace: lease.namespace, service_account_token: token },
    // Vault prints null, not [], when there is nothing to say.
    warnings: warnings.length > 0 ? warnings : null,
    mount_type: 'kubernetes',
  };
}
