import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLeases, type LeaseSources } from '../../src/app/leases.ts';
import { leasesToRevoke, notFound, revokeLeases, type RevokeDeps } from '../../src/app/revoke.ts';
import type { LeaseRecord } from '../../src/core/lease.ts';
import { FIXED_SUFFIX, FakeKube, ISSUER, NOW, clusterBoundLeaseObjects, fakeConnect, invalid, leaseObjects, leaseRecord, refKey, refsOf, secondsAfter } from './fakes.ts';

/** Puts a lease's objects into the fake cluster, as issuance left them. */
function seed(kube: FakeKube, lease: LeaseRecord): void {
  for (const ref of lease.objects) kube.objects.set(refKey(ref), { ...ref, uid: ref.uid ?? 'uid' });
}

function revokeFixture() {
  const { connect, kubes, connected, withKubeconfig } = fakeConnect();
  const deletedLeases: string[] = [];
  const evicted: string[][] = [];
  const deps: RevokeDeps = {
    connect,
    deleteLease: async (id) => void deletedLeases.push(id),
    evictTokens: async (leases) => void evicted.push(leases.map((lease) => lease.id)),
    now: () => NOW,
  };
  /** The FakeKube of a context, created on first use. */
  const kubeOf = (context: string) => {
    if (!kubes.has(context)) kubes.set(context, new FakeKube());
    return kubes.get(context)!;
  };
  return { deps, kubeOf, kubes, connected, withKubeconfig, deletedLeases, evicted };
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
    assert.deepEqual(outcomes, [{ lease, deleted: 3, alreadyGone: 0, replaced: [], failures: [] }]);
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
    assert.deepEqual(outcome, { lease, deleted: 1, alreadyGone: 2, replaced: [], failures: [] });
    assert.deepEqual(deletedLeases, [lease.id]);
    assert.deepEqual(evicted, [[lease.id]]);
  });

  it('a failing binding delete keeps the ServiceAccount, the anchor and the record, and says why', async () => {
    const { deps, kubeOf, deletedLeases, evicted } = revokeFixture();
    const kube = kubeOf(lease.context);
    seed(kube, lease);
    const binding = refKey(lease.objects[2]!);
    kube.failDeletes.add(binding);
    const [outcome] = await revokeLeases(deps, [lease]);
    const kept = `kept ${refKey(lease.objects[1]!)}, ${refKey(lease.objects[0]!)}, the anchor still proving what is left (while it and the ServiceAccount stay, the lease's token works): fix the failure above (cluster-scoped objects need an issuer set up with --cluster-scoped) and run the same command again`;
    assert.deepEqual(outcome, { lease, deleted: 0, alreadyGone: 0, replaced: [], failures: [`cannot delete ${binding}: 403 forbidden`, kept] });
    assert.deepEqual([...kube.objects.keys()].sort(), lease.objects.map(refKey).sort());
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
    assert.deepEqual(outcome, { lease, deleted: 2, alreadyGone: 1, replaced: [], failures: [] });
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

  it("connects through each lease's own kubeconfig and context", async () => {
    const { deps, kubeOf, withKubeconfig } = revokeFixture();
    const a1 = leaseRecord({ id: 'reader/aaaaaaaaaaa1', kubeconfig: '/home/me/a.yaml', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'a1', namespace: 'dev' }] });
    const b1 = leaseRecord({ id: 'reader/bbbbbbbbbbb1', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'b1', namespace: 'dev' }] });
    for (const item of [a1, b1]) seed(kubeOf(lease.context), item);
    await revokeLeases(deps, [a1, b1]);
    assert.deepEqual(withKubeconfig, [[lease.context, '/home/me/a.yaml'], [lease.context, undefined]]);
  });

  for (const [what, issuer] of [
    ['another server', { ...ISSUER, server: 'https://elsewhere:6443' }],
    ['the same server with another CA', { ...ISSUER, certificateAuthorityData: Buffer.from('another CA').toString('base64') }],
  ] as const) {
    it(`refuses a lease whose issuer context is on ${what}: nothing deleted, the record kept`, async () => {
      const { deps, kubes, deletedLeases, evicted } = revokeFixture();
      const kube = new FakeKube(issuer);
      kubes.set(lease.context, kube);
      seed(kube, lease);
      const recorded = { ...lease, clusterCaDigest: 'a'.repeat(64) };
      const [outcome] = await revokeLeases(deps, [recorded]);
      assert.equal(outcome!.failures.length, 1);
      assert.match(outcome!.failures[0]!, new RegExp(`^it was issued on cluster ${ISSUER.server}, but context "${ISSUER.context}" points at .*: not revoked, its record is kept`));
      assert.deepEqual(kube.deletedRefs, []);
      assert.deepEqual(deletedLeases, []);
      assert.deepEqual(evicted, [[]]);
    });
  }

  it('a record without a CA digest (older) is checked by server alone', async () => {
    const { deps, kubes } = revokeFixture();
    const kube = new FakeKube({ ...ISSUER, certificateAuthorityData: Buffer.from('CA').toString('base64') });
    kubes.set(lease.context, kube);
    seed(kube, lease);
    const [outcome] = await revokeLeases(deps, [lease]);
    assert.deepEqual(outcome!.failures, []);
    assert.equal(outcome!.deleted, 3);
  });

  it('deletes by uid: a name another object took is left alone and reported, not deleted', async () => {
    const { deps, kubeOf, deletedLeases } = revokeFixture();
    const kube = kubeOf(lease.context);
    seed(kube, lease);
    const binding = lease.objects[2]!;
    kube.objects.set(refKey(binding), { ...binding, uid: 'someone-elses' });
    const [outcome] = await revokeLeases(deps, [lease]);
    assert.deepEqual(outcome, { lease, deleted: 2, alreadyGone: 0, replaced: [refKey(binding)], failures: [] });
    assert.deepEqual([...kube.objects.keys()], [refKey(binding)]);
    assert.deepEqual(deletedLeases, [lease.id]);
  });

  it('every object already gone: not found, nothing deleted, the record removed', async () => {
    const { deps, kubeOf, deletedLeases } = revokeFixture();
    kubeOf(lease.context);
    const [outcome] = await revokeLeases(deps, [lease]);
    assert.equal(notFound(outcome!), true);
    assert.deepEqual(deletedLeases, [lease.id]);
    seed(kubeOf(lease.context), lease);
    assert.equal(notFound((await revokeLeases(deps, [lease]))[0]!), false);
  });

  it('expiredOnly: a lease still live by the API server clock is left alone, whatever the local clock says', async () => {
    const { deps, kubes, deletedLeases } = revokeFixture();
    const kube = new FakeKube(ISSUER, () => secondsAfter(NOW, 1800));
    kubes.set(lease.context, kube);
    const expired = leaseRecord({ id: 'reader/expired00000', expiresAt: secondsAfter(NOW, 600).toISOString(), objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'e', namespace: 'dev' }] });
    for (const item of [lease, expired]) seed(kube, item);
    const outcomes = await revokeLeases({ ...deps, now: () => secondsAfter(NOW, 7200) }, [lease, expired], { expiredOnly: true });
    assert.deepEqual(outcomes.find((outcome) => outcome.lease.id === lease.id), { lease, deleted: 0, alreadyGone: 0, replaced: [], failures: [], live: true });
    assert.deepEqual(deletedLeases, [expired.id]);
    assert.deepEqual(kube.deletedRefs.map((ref) => ref.name), ['e']);
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
    assert.deepEqual(await revokeLeases({ connect, deleteLease: async () => undefined, now: () => NOW }, []), []);
  });
});

describe('revokeLeases: connecting', () => {
  it("a failing connect reports that context's leases as failed, keeps their records, and revokes the others", async () => {
    const kubes = new Map<string, FakeKube>();
    const deletedLeases: string[] = [];
    const evicted: string[][] = [];
    const deps: RevokeDeps = {
      connect: async (context) => {
        if (context === 'gone') throw new Error('context "gone" is not in the kubeconfig');
        if (!kubes.has(context!)) kubes.set(context!, new FakeKube());
        return kubes.get(context!)!;
      },
      deleteLease: async (id) => void deletedLeases.push(id),
      evictTokens: async (leases) => void evicted.push(leases.map((item) => item.id)),
      now: () => NOW,
    };
    const g1 = leaseRecord({ id: 'reader/gggggggggggg', context: 'gone' });
    const g2 = leaseRecord({ id: 'reader/hhhhhhhhhhhh', context: 'gone' });
    const ok = leaseRecord({ id: 'reader/oooooooooooo', context: 'fine', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'ok', namespace: 'dev' }] });
    const outcomes = await revokeLeases(deps, [g1, ok, g2]);
    const failure = ['context "gone" is not in the kubeconfig'];
    assert.deepEqual(
      outcomes.sort((a, b) => a.lease.id.localeCompare(b.lease.id)),
      [
        { lease: g1, deleted: 0, alreadyGone: 0, replaced: [], failures: failure },
        { lease: g2, deleted: 0, alreadyGone: 0, replaced: [], failures: failure },
        { lease: ok, deleted: 0, alreadyGone: 1, replaced: [], failures: [] },
      ],
    );
    assert.deepEqual(deletedLeases, [ok.id]);
    assert.deepEqual(evicted, [[ok.id]]);
  });

  it('runs several leases at once, but a bounded number', async () => {
    let inFlight = 0;
    let most = 0;
    class SlowKube extends FakeKube {
      override async delete(ref: Parameters<FakeKube['delete']>[0]) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return super.delete(ref);
      }
    }
    const { connect } = fakeConnect(() => new SlowKube());
    const leases = Array.from({ length: 50 }, (_, index) =>
      leaseRecord({ id: `reader/${String(index).padStart(12, '0')}`, objects: [{ apiVersion: 'v1', kind: 'Secret', name: `s${index}`, namespace: 'dev' }] }),
    );
    const outcomes = await revokeLeases({ connect, deleteLease: async () => undefined, now: () => NOW }, leases);
    assert.equal(outcomes.length, 50);
    assert.ok(most > 1, 'leases are revoked concurrently');
    assert.ok(most <= 16, `at most 16 leases at once (LEASE_CONCURRENCY), saw ${most}`);
  });
});

/** LeaseSources over local records and one FakeKube (the current context's cluster). */
function sourcesFixture(local: LeaseRecord[], unreadable: string[] = []) {
  const kube = new FakeKube({ ...ISSUER, context: 'current', server: 'https://current:6443' });
  const askedRoles: (string | undefined)[] = [];
  const connected: (string | undefined)[] = [];
  const sources: LeaseSources = {
    connect: async (context) => {
      connected.push(context);
      return kube;
    },
    localLeases: async (roleName) => {
      askedRoles.push(roleName);
      return { leases: local.filter((record) => roleName === undefined || record.role === roleName), unreadable };
    },
  };
  const selectors = () => kube.calls.flatMap((call) => (call.op === 'listManaged' ? [call.selector] : []));
  return { kube, sources, askedRoles, connected, selectors };
}

const MANAGED = 'app.kubernetes.io/managed-by=kubectl-tempcreds';

describe('findLeases: local records and cluster labels, merged', () => {
  const localOnly = leaseRecord({ id: 'reader/aaaaaaaaaaaa' });
  const both = leaseRecord({ id: 'reader/bbbbbbbbbbbb', context: 'recorded-context', objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'recorded', namespace: 'dev', uid: 'r' }] });
  const clusterOnlyObjects = leaseObjects({ suffix: 'cccccccccccc', mode: 'kubernetesRole' });
  const writerObjects = leaseObjects({ role: 'writer', suffix: 'dddddddddddd' });

  function seeded(records = [localOnly, both]) {
    const fixture = sourcesFixture(records, ['leases/broken.json: unreadable']);
    for (const object of [...leaseObjects({ suffix: 'bbbbbbbbbbbb' }), ...clusterOnlyObjects, ...writerObjects]) fixture.kube.put(object);
    return fixture;
  }

  it('every lease: where each was found, sorted by id; the local record wins', async () => {
    const { sources, selectors, askedRoles, connected } = seeded();
    const { found, warnings } = await findLeases(sources, { all: true });
    assert.deepEqual(
      found.map(({ lease, where }) => [lease.id, where]),
      [
        ['reader/aaaaaaaaaaaa', 'local'],
        ['reader/bbbbbbbbbbbb', 'local+cluster'],
        ['reader/cccccccccccc', 'cluster'],
        ['writer/dddddddddddd', 'cluster'],
      ],
    );
    assert.equal(found[0]!.lease, localOnly);
    assert.equal(found[1]!.lease, both, 'the local record, not the one rebuilt from the cluster');
    assert.deepEqual(warnings, ['leases/broken.json: unreadable']);
    assert.deepEqual(selectors(), [MANAGED]);
    assert.deepEqual(askedRoles, [undefined]);
    assert.deepEqual(connected, [undefined], "the current context's cluster");
  });

  it("a cluster-only lease is rebuilt from its labels, for the current context's cluster", async () => {
    const { sources } = seeded();
    const { found } = await findLeases(sources, { all: true });
    const rebuilt = found.find(({ lease }) => lease.id === 'reader/cccccccccccc')!.lease;
    assert.equal(rebuilt.context, 'current');
    assert.equal(rebuilt.cluster, 'https://current:6443');
    assert.equal(rebuilt.serviceAccountName, 'tc-reader-cccccccccccc');
    assert.deepEqual(rebuilt.objects, refsOf(clusterOnlyObjects));
  });

  it('a role: its local records and its labelled leases only', async () => {
    const { sources, selectors, askedRoles } = seeded([localOnly, both, leaseRecord({ id: 'writer/eeeeeeeeeeee', role: 'writer' })]);
    const { found } = await findLeases(sources, { role: 'reader' });
    assert.deepEqual(found.map(({ lease, where }) => [lease.id, where]), [
      ['reader/aaaaaaaaaaaa', 'local'],
      ['reader/bbbbbbbbbbbb', 'local+cluster'],
      ['reader/cccccccccccc', 'cluster'],
    ]);
    assert.deepEqual(selectors(), [`${MANAGED},tempcreds.dev/role=reader`]);
    assert.deepEqual(askedRoles, ['reader']);
  });

  it("an id: that lease only, asking the local store for its role's records", async () => {
    const { sources, selectors, askedRoles } = seeded();
    const { found } = await findLeases(sources, { id: 'reader/bbbbbbbbbbbb' });
    assert.deepEqual(found, [{ lease: both, where: 'local+cluster' }]);
    assert.deepEqual(selectors(), [`${MANAGED},tempcreds.dev/role=reader,tempcreds.dev/lease=bbbbbbbbbbbb`]);
    assert.deepEqual(askedRoles, ['reader']);
  });

  it('an id found only locally, and one found only in the cluster', async () => {
    const { sources } = seeded();
    assert.deepEqual((await findLeases(sources, { id: 'reader/aaaaaaaaaaaa' })).found, [{ lease: localOnly, where: 'local' }]);
    const { found } = await findLeases(sources, { id: 'reader/cccccccccccc' });
    assert.deepEqual(found.map(({ lease, where }) => [lease.id, where]), [['reader/cccccccccccc', 'cluster']]);
  });

  it('an id matches its role too: a lease of another role with the same suffix is not it', async () => {
    const { sources, kube } = seeded();
    for (const object of leaseObjects({ role: 'writer', suffix: 'aaaaaaaaaaaa' })) kube.put(object);
    const { found } = await findLeases(sources, { id: 'reader/aaaaaaaaaaaa' });
    assert.deepEqual(found.map(({ lease, where }) => [lease.id, where]), [['reader/aaaaaaaaaaaa', 'local']]);
  });

  it('sorted by id, wherever each was found', async () => {
    const late = leaseRecord({ id: 'reader/zzzzzzzzzzzz' });
    const { sources } = seeded([late]);
    const { found } = await findLeases(sources, { role: 'reader' });
    assert.deepEqual(found.map(({ lease }) => lease.id), ['reader/bbbbbbbbbbbb', 'reader/cccccccccccc', 'reader/zzzzzzzzzzzz']);
  });

  it('cluster: false reads the local records only, without connecting', async () => {
    const { sources, connected, kube } = seeded();
    const { found } = await findLeases(sources, { all: true }, { cluster: false });
    assert.deepEqual(found.map(({ lease, where }) => [lease.id, where]), [
      ['reader/aaaaaaaaaaaa', 'local'],
      ['reader/bbbbbbbbbbbb', 'local'],
    ]);
    assert.deepEqual(connected, []);
    assert.deepEqual(kube.calls, []);
  });

  it('a malformed id is refused (exit code 2) before reading anything', async () => {
    const { sources, connected, askedRoles } = seeded();
    await assert.rejects(findLeases(sources, { id: 'reader' }), invalid(/^"reader" is not a lease id/));
    assert.deepEqual(connected, []);
    assert.deepEqual(askedRoles, []);
  });
});

describe('findLeases: provenance', () => {
  it('objects no anchor vouches for are left out of the rebuilt record, each with a warning', async () => {
    const { sources, kube } = sourcesFixture([]);
    const objects = leaseObjects({ mode: 'kubernetesRole' });
    for (const object of objects) kube.put(object);
    kube.put({ ...objects[1]!, kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', name: 'bystander', uid: 'bystander', owners: [] });
    const { found, warnings } = await findLeases(sources, { id: `reader/${FIXED_SUFFIX}` });
    assert.deepEqual(found[0]!.lease.objects, refsOf(objects));
    assert.deepEqual(warnings, [`Role dev/bystander claims lease "reader/${FIXED_SUFFIX}" but is not owned by its anchor: not deleted`]);
  });

  it('a cluster-only lease id anchored in two namespaces, both owning objects, is refused (revoke fails), nothing deleted', async () => {
    const { sources, kube } = sourcesFixture([]);
    for (const object of [...leaseObjects(), ...leaseObjects({ namespace: 'evil' }).map((object) => ({ ...object, uid: `evil-${object.uid}`, owners: object.owners && ['evil-' + object.owners[0]] }))]) kube.put(object);
    const { leases, refused } = await leasesToRevoke(sources, { all: true });
    assert.deepEqual(leases, []);
    assert.deepEqual(refused.map(({ failures }) => failures), [[`lease "reader/${FIXED_SUFFIX}" has 2 anchors (Secrets dev/tc-reader-${FIXED_SUFFIX}, evil/tc-reader-${FIXED_SUFFIX}) and 2 own objects: not revoked, nothing deleted — delete the Secrets that are not its own, or revoke it from the machine that issued it`]]);
  });

  it('an anchor copied into another namespace owns nothing: the lease is the owner\'s, the copy left alone with a warning', async () => {
    const { sources, kube } = sourcesFixture([]);
    const objects = leaseObjects();
    for (const object of [...objects, { ...objects[0]!, namespace: 'evil', uid: 'copy-uid' }]) kube.put(object);
    const { leases, refused, warnings } = await leasesToRevoke(sources, { id: `reader/${FIXED_SUFFIX}` });
    assert.deepEqual(refused, []);
    assert.deepEqual(leases.map((lease) => [lease.namespace, lease.objects.length]), [['dev', 4]]);
    assert.deepEqual(warnings, [`Secret evil/tc-reader-${FIXED_SUFFIX} claims lease "reader/${FIXED_SUFFIX}" but owns nothing of it, unlike Secret dev/tc-reader-${FIXED_SUFFIX}: a copy, not deleted`]);
  });

  it("the rebuilt record names the finder's kubeconfig and CA digest, so revoke goes back there", async () => {
    const { sources, kube } = sourcesFixture([]);
    Object.assign(kube.issuer, { kubeconfig: '/home/me/config', certificateAuthorityData: Buffer.from('CA').toString('base64') });
    for (const object of leaseObjects()) kube.put(object);
    const { lease } = (await findLeases(sources, { all: true })).found[0]!;
    assert.equal(lease.kubeconfig, '/home/me/config');
    assert.match(lease.clusterCaDigest!, /^[0-9a-f]{64}$/);
  });
});

describe('leasesToRevoke', () => {
  it('an id found nowhere is invalid input (exit code 2)', async () => {
    const { sources, kube } = sourcesFixture([leaseRecord()]);
    kube.put(leaseObjects({ suffix: 'bbbbbbbbbbbb' })[0]!);
    await assert.rejects(
      leasesToRevoke(sources, { id: 'reader/zzzzzzzzzzzz' }),
      invalid('lease "reader/zzzzzzzzzzzz" is neither recorded here nor found in the cluster (see: kubectl tempcreds lease list)'),
    );
  });

  it("an unknown id stays unknown when another role's lease has the same suffix (that lease is not revoked)", async () => {
    const { sources, kube } = sourcesFixture([]);
    for (const object of leaseObjects({ role: 'writer' })) kube.put(object);
    await assert.rejects(leasesToRevoke(sources, { id: `reader/${FIXED_SUFFIX}` }), invalid(/^lease "reader\/abcdefghijkl" is neither recorded here nor found in the cluster/));
  });

  it('always consults the cluster: an id known only there is revocable from this machine', async () => {
    const { sources, kube } = sourcesFixture([]);
    const objects = leaseObjects({ mode: 'kubernetesRole' });
    for (const object of objects) kube.put(object);
    const { leases, warnings } = await leasesToRevoke(sources, { id: `reader/${FIXED_SUFFIX}` });
    assert.deepEqual(leases.map((item) => [item.id, item.context]), [[`reader/${FIXED_SUFFIX}`, 'current']]);
    assert.deepEqual(warnings, []);

    const deletedLeases: string[] = [];
    const outcomes = await revokeLeases({ connect: sources.connect, deleteLease: async (id) => void deletedLeases.push(id), now: () => NOW }, leases);
    assert.deepEqual(outcomes.map(({ deleted, alreadyGone, replaced, failures }) => ({ deleted, alreadyGone, replaced, failures })), [{ deleted: 3, alreadyGone: 0, replaced: [], failures: [] }]);
    assert.deepEqual(kube.deletedRefs.map(refKey).sort(), objects.map(refKey).sort());
    assert.deepEqual([...kube.objects.keys()], []);
  });

  it('a role or everything with nothing found is no error', async () => {
    const { sources } = sourcesFixture([], ['a warning']);
    assert.deepEqual(await leasesToRevoke(sources, { role: 'reader' }), { leases: [], refused: [], warnings: ['a warning'] });
    assert.deepEqual(await leasesToRevoke(sources, { all: true }), { leases: [], refused: [], warnings: ['a warning'] });
  });

  it('the merged leases, local records first-class', async () => {
    const local = leaseRecord({ id: 'reader/aaaaaaaaaaaa' });
    const { sources, kube } = sourcesFixture([local]);
    for (const object of [...leaseObjects({ suffix: 'aaaaaaaaaaaa' }), ...leaseObjects({ suffix: 'bbbbbbbbbbbb' })]) kube.put(object);
    const { leases } = await leasesToRevoke(sources, { all: true });
    assert.equal(leases.length, 2);
    assert.equal(leases[0], local);
    assert.equal(leases[1]!.id, 'reader/bbbbbbbbbbbb');
  });

  it('an issuer that may not list ClusterRoleBindings refuses a lease that plans one: nothing deleted, and says which issuer can', async () => {
    const { sources, kube } = sourcesFixture([]);
    kube.forbidClusterScoped = true;
    const objects = clusterBoundLeaseObjects();
    for (const object of objects) kube.put(object);
    const { leases, refused } = await leasesToRevoke(sources, { id: `reader/${FIXED_SUFFIX}` });
    assert.deepEqual(leases, []);
    assert.deepEqual(refused.map(({ lease, deleted, failures }) => ({ id: lease.id, deleted, failures })), [
      {
        id: `reader/${FIXED_SUFFIX}`,
        deleted: 0,
        failures: [`lease "reader/${FIXED_SUFFIX}" in namespace dev has a ClusterRoleBinding, which the issuer (context "current") may not list (403): not revoked, its anchor and ServiceAccount are kept (so its token still works) — revoke it through an issuer set up with --cluster-scoped (--context)`],
      },
    ]);
    assert.deepEqual(kube.deletedRefs, []);
  });
});
