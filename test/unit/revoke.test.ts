import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { revokeLeases, type RevokeDeps } from '../../src/app/revoke.ts';
import type { LeaseRecord } from '../../src/core/lease.ts';
import { FakeKube, fakeConnect, leaseRecord, refKey } from './fakes.ts';

/** Puts a lease's objects into the fake cluster, as issuance left them. */
function seed(kube: FakeKube, lease: LeaseRecord): void {
  for (const ref of lease.objects) kube.objects.set(refKey(ref), { ...ref, uid: ref.uid ?? 'uid' });
}

function revokeFixture() {
  const { connect, kubes, connected } = fakeConnect();
  const deletedLeases: string[] = [];
  const evicted: string[][] = [];
  const deps: RevokeDeps = {
    connect,
    deleteLease: async (id) => void deletedLeases.push(id),
    evictTokens: async (leases) => void evicted.push(leases.map((lease) => lease.id)),
  };
  /** The FakeKube of a context, created on first use. */
  const kubeOf = (context: string) => {
    if (!kubes.has(context)) kubes.set(context, new FakeKube());
    return kubes.get(context)!;
  };
  return { deps, kubeOf, connected, deletedLeases, evicted };
}

const lease = leaseRecord();
const serviceAccountLease = leaseRecord({
  id: 'ci/000000000001',
  role: 'ci',
  serviceAccountName: 'deployer',
  serviceAccountCreated: false,
  bindingKind: undefined,
  objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'tc-ci-000000000001', namespace: 'dev', uid: 'uid-9' }],
});

describe('revokeLeases', () => {
  it('deletes exactly the recorded objects, then the record', async () => {
    const { deps, kubeOf, deletedLeases, evicted, connected } = revokeFixture();
    const kube = kubeOf(lease.context);
    seed(kube, lease);
    kube.objects.set('ServiceAccount dev/unrelated', { apiVersion: 'v1', kind: 'ServiceAccount', name: 'unrelated', namespace: 'dev', uid: 'x' });
    const outcomes = await revokeLeases(deps, [lease]);
    assert.deepEqual(outcomes, [{ lease, deleted: 3, alreadyGone: 0, failures: [] }]);
    assert.deepEqual(kube.deletedRefs.map(refKey).sort(), lease.objects.map(refKey).sort());
    assert.deepEqual([...kube.objects.keys()], ['ServiceAccount dev/unrelated']);
    assert.deepEqual(connected, [lease.context]);
    assert.deepEqual(deletedLeases, [lease.id]);
    assert.deepEqual(evicted, [[lease.id]]);
  });

  it('never deletes the existing ServiceAccount of a serviceAccount-mode lease, only its anchor', async () => {
    const { deps, kubeOf } = revokeFixture();
    const kube = kubeOf(serviceAccountLease.context);
    seed(kube, serviceAccountLease);
    await revokeLeases(deps, [serviceAccountLease]);
    assert.deepEqual(kube.deletedRefs.map(refKey), ['Secret dev/tc-ci-000000000001']);
  });

  it('objects already gone count as success', async () => {
    const { deps, kubeOf, deletedLeases, evicted } = revokeFixture();
    const kube = kubeOf(lease.context);
    kube.objects.set(refKey(lease.objects[0]!), { ...lease.objects[0]!, uid: 'uid-1' });
    const [outcome] = await revokeLeases(deps, [lease]);
    assert.deepEqual(outcome, { lease, deleted: 1, alreadyGone: 2, failures: [] });
    assert.deepEqual(deletedLeases, [lease.id]);
    assert.deepEqual(evicted, [[lease.id]]);
  });

  it('a failing delete keeps the record, is reported, and does not stop the other deletes', async () => {
    const { deps, kubeOf, deletedLeases, evicted } = revokeFixture();
    const kube = kubeOf(lease.context);
    seed(kube, lease);
    const binding = refKey(lease.objects[2]!);
    kube.failDeletes.add(binding);
    const [outcome] = await revokeLeases(deps, [lease]);
    assert.deepEqual(outcome, { lease, deleted: 2, alreadyGone: 0, failures: [`cannot delete ${binding}: 403 forbidden`] });
    assert.deepEqual([...kube.objects.keys()], [binding]);
    assert.deepEqual(deletedLeases, []);
    assert.deepEqual(evicted, [[]]);
  });

  it('a retry after a failure is safe', async () => {
    const { deps, kubeOf, deletedLeases } = revokeFixture();
    const kube = kubeOf(lease.context);
    seed(kube, lease);
    kube.failDeletes.add(refKey(lease.objects[1]!));
    await revokeLeases(deps, [lease]);
    kube.failDeletes.clear();
    const [outcome] = await revokeLeases(deps, [lease]);
    assert.deepEqual(outcome, { lease, deleted: 1, alreadyGone: 2, failures: [] });
    assert.deepEqual(deletedLeases, [lease.id]);
  });

  it('evicts the cached tokens of fully revoked leases only', async () => {
    const { deps, kubeOf, deletedLeases, evicted } = revokeFixture();
    const failing = leaseRecord({ id: 'reader/failing00000', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'stuck', namespace: 'dev' }] });
    const kube = kubeOf(lease.context);
    seed(kube, lease);
    seed(kube, failing);
    kube.failDeletes.add('Secret dev/stuck');
    const outcomes = await revokeLeases(deps, [lease, failing, serviceAccountLease]);
    assert.equal(outcomes.length, 3);
    assert.deepEqual(deletedLeases.sort(), [serviceAccountLease.id, lease.id].sort());
    assert.equal(evicted.length, 1);
    assert.deepEqual(evicted[0]!.sort(), [serviceAccountLease.id, lease.id].sort());
  });

  it("revokes each lease through its own issuer context, connecting once per context", async () => {
    const { deps, kubeOf, connected } = revokeFixture();
    const a1 = leaseRecord({ id: 'reader/aaaaaaaaaaa1', context: 'cluster-a', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'a1', namespace: 'dev' }] });
    const b1 = leaseRecord({ id: 'reader/bbbbbbbbbbb1', context: 'cluster-b', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'b1', namespace: 'dev' }] });
    const a2 = leaseRecord({ id: 'reader/aaaaaaaaaaa2', context: 'cluster-a', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'a2', namespace: 'dev' }] });
    for (const item of [a1, a2]) seed(kubeOf('cluster-a'), item);
    seed(kubeOf('cluster-b'), b1);
    const outcomes = await revokeLeases(deps, [a1, b1, a2]);
    assert.deepEqual(connected, ['cluster-a', 'cluster-b']);
    assert.deepEqual(kubeOf('cluster-a').deletedRefs.map((ref) => ref.name).sort(), ['a1', 'a2']);
    assert.deepEqual(kubeOf('cluster-b').deletedRefs.map((ref) => ref.name), ['b1']);
    assert.ok(outcomes.every((outcome) => outcome.deleted === 1 && outcome.failures.length === 0));
  });

  it('an explicit context overrides the recorded ones', async () => {
    const { deps, kubeOf, connected } = revokeFixture();
    const a1 = leaseRecord({ id: 'reader/aaaaaaaaaaa1', context: 'cluster-a', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'a1', namespace: 'dev' }] });
    const b1 = leaseRecord({ id: 'reader/bbbbbbbbbbb1', context: 'cluster-b', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'b1', namespace: 'dev' }] });
    await revokeLeases(deps, [a1, b1], 'admin');
    assert.deepEqual(connected, ['admin']);
    assert.deepEqual(kubeOf('admin').deletedRefs.map((ref) => ref.name).sort(), ['a1', 'b1']);
  });

  it('revokes many leases (more than the concurrency limit) exactly once each', async () => {
    const { deps, kubeOf, deletedLeases } = revokeFixture();
    const leases = Array.from({ length: 40 }, (_, index) =>
      leaseRecord({ id: `reader/${String(index).padStart(12, '0')}`, objects: [{ apiVersion: 'v1', kind: 'Secret', name: `s${index}`, namespace: 'dev' }] }),
    );
    for (const item of leases) seed(kubeOf(lease.context), item);
    const outcomes = await revokeLeases(deps, leases);
    assert.equal(outcomes.length, 40);
    assert.equal(new Set(outcomes.map((outcome) => outcome.lease.id)).size, 40);
    assert.equal(kubeOf(lease.context).deletedRefs.length, 40);
    assert.equal(deletedLeases.length, 40);
  });

  it('works without evictTokens and with no leases', async () => {
    const { connect } = fakeConnect();
    assert.deepEqual(await revokeLeases({ connect, deleteLease: async () => undefined }, []), []);
  });
});
