import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedRequest } from '../../src/adapters/credential-requests.ts';
import type { CredentialRequestObject } from '../../src/app/reconcile-request.ts';
import { finalStatus, finishedAt, requestPhase, REVOKE_FINALIZER } from '../../src/core/request-status.ts';

const NOW = new Date('2026-11-30T12:00:00Z');

/** An issued request as the API server sends it in a watch event. */
const issued = {
  apiVersion: 'tempcreds.dev/v1alpha1',
  kind: 'CredentialRequest',
  metadata: {
    name: 'reader-x7k2p',
    generateName: 'reader-',
    namespace: 'team-a',
    uid: '0b6c5a52-8f1e-4c3a-9d2e-1f0a7b6c5d4e',
    resourceVersion: '4711',
    generation: 1,
    creationTimestamp: '2026-11-30T11:00:00Z',
    finalizers: [REVOKE_FINALIZER],
    labels: { team: 'a' },
    annotations: { note: 'kept: a finalizer write puts the whole object back' },
    managedFields: [
      { manager: 'kubectl-tempcreds', operation: 'Update', apiVersion: 'tempcreds.dev/v1alpha1', time: '2026-11-30T11:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { '.': {}, 'f:role': {}, 'f:namespace': {} } } },
      { manager: 'kubectl-tempcreds', operation: 'Update', apiVersion: 'tempcreds.dev/v1alpha1', time: '2026-11-30T11:00:01Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:token': {}, 'f:leaseId': {} } }, subresource: 'status' },
    ],
  },
  spec: { role: 'reader', namespace: 'team-a', ttl: '1h', requester: { username: 'alice', groups: ['system:authenticated'] }, publicKey: { kty: 'OKP', crv: 'X25519', x: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' } },
  status: {
    conditions: [{ type: 'Issued', status: 'True', reason: 'Issued', message: 'lease reader/abcdefabcdef issued', observedGeneration: 1, lastTransitionTime: '2026-11-30T11:00:01Z' }],
    observedGeneration: 1,
    leaseId: 'reader/abcdefabcdef',
    expiresAt: '2026-11-30T12:00:01Z',
    token: 'eyJhbGciOiJFQ0RILUVTIn0..aXY.Y2lwaGVydGV4dA.dGFn',
  },
};

describe("the controller's cache of a request (cachedRequest)", () => {
  it('drops managedFields and the sealed token, and keeps everything else as it was', () => {
    const { managedFields: _managedFields, ...metadata } = issued.metadata;
    const { token: _token, ...status } = issued.status;
    assert.deepEqual(cachedRequest(structuredClone(issued)), { apiVersion: issued.apiVersion, kind: issued.kind, metadata, spec: issued.spec, status });
    const { status: _none, ...fresh } = issued;
    assert.equal('status' in cachedRequest(structuredClone(fresh)), false, 'a request no controller has answered has no status');
    assert.equal(cachedRequest(structuredClone(fresh)).metadata?.uid, issued.metadata.uid);
  });

  it('the reconcile decides and writes the same from it as from the whole object: phase, retention, the final status', () => {
    const whole = structuredClone(issued) as CredentialRequestObject;
    const cached = cachedRequest(structuredClone(issued)) as unknown as CredentialRequestObject;
    assert.equal(requestPhase(cached.status), requestPhase(whole.status));
    const input = (request: CredentialRequestObject) => ({ status: request.status, generation: request.metadata.generation!, now: NOW });
    const revoked = (request: CredentialRequestObject) => finalStatus(input(request), 'Revoked', 'Expired', 'lease expired');
    assert.deepEqual(revoked(cached), revoked(whole));
    assert.deepEqual(finishedAt(revoked(cached)), finishedAt(revoked(whole)));
  });
});
