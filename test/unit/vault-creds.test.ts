import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vaultCredsResponse } from '../../src/core/vault-creds.ts';
import { FIXED_SUFFIX, leaseRecord } from './fakes.ts';

describe('vaultCredsResponse', () => {
  const lease = leaseRecord();
  const requestId = '8f0c5a1e-3b2d-4c6f-9a7e-1d2c3b4a5f60';

  it('has the shape vault write -format=json kubernetes/creds/ROLE prints', () => {
    const response = vaultCredsResponse({ lease, token: 'the-token', warnings: [] }, requestId);
    assert.deepEqual(response, {
      request_id: requestId,
      lease_id: `kubernetes/creds/reader/${FIXED_SUFFIX}`,
      lease_duration: lease.ttlSeconds,
      renewable: false,
      data: { service_account_name: lease.serviceAccountName, service_account_namespace: lease.namespace, service_account_token: 'the-token' },
      warnings: null,
      mount_type: 'kubernetes',
    });
    // The keys in Vault's order, so a diff against Vault's output shows only values.
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(response))), ['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings', 'mount_type']);
  });

  it('carries the warnings, as Vault does', () => {
    const warnings = ["the TTL 2h is greater than the role's max TTL 1h; capping it at 1h"];
    assert.deepEqual(vaultCredsResponse({ lease, token: 't', warnings }, requestId).warnings, warnings);
  });
});
