import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaseRecordProblems } from '../../src/core/lease-record.ts';
import { isTokenCacheKey } from '../../src/core/token-cache.ts';
import { FIXED_SUFFIX, leaseRecord } from './fakes.ts';

const ID = `reader/${FIXED_SUFFIX}`;
const KEY = 'a'.repeat(64);
/** The record as it comes back from JSON, with `change` applied. */
const raw = (change: (record: Record<string, unknown>) => void = () => undefined) => {
  const record = JSON.parse(JSON.stringify(leaseRecord({ tokenCacheKey: KEY }))) as Record<string, unknown>;
  change(record);
  return record;
};
const objects = (record: Record<string, unknown>) => record.objects as Record<string, unknown>[];

describe('lease record validation', () => {
  it('accepts what issuance writes, with the optional kubeconfig and CA digest', () => {
    assert.deepEqual(leaseRecordProblems(raw(), ID), []);
    const withCluster = raw((record) => Object.assign(record, { kubeconfig: '/home/me/.kube/config', clusterCaDigest: 'b'.repeat(64) }));
    assert.deepEqual(leaseRecordProblems(withCluster, ID), []);
  });

  const forged: [string, (record: Record<string, unknown>) => void, RegExp][] = [
    ['a ClusterRole named "."', (r) => objects(r).push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: '.' }), /objects\[3\] name "\." must consist/],
    ['a ServiceAccount in kube-system', (r) => (objects(r)[1]!.namespace = 'kube-system'), /objects\[1\] \(ServiceAccount\) namespace "kube-system" is not the lease's, "dev"/],
    ['an object without the lease suffix', (r) => (objects(r)[2]!.name = 'cluster-admin'), /objects\[2\] name "cluster-admin" does not carry the lease's suffix/],
    ['a kind a lease never creates', (r) => objects(r).push({ apiVersion: 'v1', kind: 'Namespace', name: `x-${FIXED_SUFFIX}` }), /"v1" "Namespace", not a kind a lease creates/],
    ['a known kind at another apiVersion', (r) => (objects(r)[0]!.apiVersion = 'rbac.authorization.k8s.io/v1'), /objects\[0\] is "rbac.authorization.k8s.io\/v1" "Secret"/],
    ['a namespace on a cluster-scoped kind', (r) => objects(r).push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `tc-${FIXED_SUFFIX}`, namespace: 'dev' }), /is not absent \(it is cluster-scoped\)/],
    ['an unknown key in an object', (r) => (objects(r)[0]!.propagationPolicy = 'Foreground'), /objects\[0\] has unknown key "propagationPolicy"/],
    ['an id other than its file name', (r) => (r.id = `reader/zzzzzzzzzzzz`), /its id "reader\/zzzzzzzzzzzz" is not "reader\/abcdefghijkl"/],
    ['a role other than its folder', (r) => (r.role = 'admin'), /its role "admin" is not "reader"/],
    ['an invalid namespace', (r) => (r.namespace = '../x'), /namespace "\.\.\/x" must consist/],
    ['a date that is no date', (r) => (r.expiresAt = 'never'), /expiresAt "never" is not an ISO 8601 time/],
    ['a TTL that is no number', (r) => (r.ttlSeconds = '3600'), /ttlSeconds is not a positive whole number/],
    ['a cache key that is a path', (r) => (r.tokenCacheKey = '../../x'), /tokenCacheKey is not a 64-digit hex sha256/],
    ['an unknown top-level key', (r) => (r.extra = 1), /unknown key "extra"/],
    ['a missing field', (r) => delete r.objects, /"objects" is missing/],
  ];
  for (const [name, change, message] of forged) {
    it(`refuses ${name}`, () => assert.match(leaseRecordProblems(raw(change), ID).join('; '), message));
  }

  it('refuses what is not an object at all', () => {
    assert.deepEqual(leaseRecordProblems([], ID), ['it is not a JSON object']);
    assert.deepEqual(leaseRecordProblems(null, ID), ['it is not a JSON object']);
  });

  it('token cache keys are 64 lower-case hex digits and nothing else', () => {
    assert.equal(isTokenCacheKey(KEY), true);
    for (const key of ['../x', 'A'.repeat(64), 'a'.repeat(63), `${KEY}/..`, 42]) assert.equal(isTokenCacheKey(key), false, String(key));
  });
});
