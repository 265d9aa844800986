import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectGarbage, type GcDeps, type GcOptions, type GcReport } from '../../src/app/gc.ts';
import type { KubernetesPort } from '../../src/app/ports.ts';
import type { AuditEvent } from '../../src/core/audit.ts';
import type { LeaseRecord, ManagedObject } from '../../src/core/lease.ts';
import type { ObjectRef } from '../../src/core/object-ref.ts';
import { FakeKube, ISSUER, NOW, clusterBoundLeaseObjects, leaseObjects, leaseRecord, refKey, refsOf, secondsAfter, type LeaseObjectsOptions } from './fakes.ts';

const MINUTE = 60_000;
const GRACE = 10 * MINUTE;
const MANAGED = 'app.kubernetes.io/managed-by=kubectl-tempcreds';

function at(minutes: number): string {
  return secondsAfter(NOW, minutes * 60).toISOString();
}

/**
 * collectGarbage's dependencies: the current context (ISSUER.context) and undefined reach
 * the same FakeKube; any other context gets its own. The API servers' clock is `clock`, and
 * so is the local one unless `localNow` sets it apart.
 */
function gcFixture(options: { records?: LeaseRecord[]; unreadable?: string[]; now?: Date; localNow?: Date; kube?: FakeKube } = {}) {
  const clock = { now: options.now ?? new Date(at(30)) };
  const kube = options.kube ?? new FakeKube(ISSUER, () => clock.now);
  const kubes = new Map<string, FakeKube>([[ISSUER.context, kube]]);
  const connected: (string | undefined)[] = [];
  const prunedIds: string[] = [];
  const audited: AuditEvent[] = [];
  const kubeOf = (context: string) => {
    if (!kubes.has(context)) kubes.set(context, new FakeKube({ ...ISSUER, context }, () => clock.now));
    return kubes.get(context)!;
  };
  const deps: GcDeps = {
    connect: async (context): Promise<KubernetesPort> => {
      connected.push(context);
      return kubeOf(context ?? ISSUER.context);
    },
    localLeases: async () => ({ leases: options.records ?? [], unreadable: options.unreadable ?? [] }),
    deleteLease: async (id) => void prunedIds.push(id),
    audit: async (events) => void audited.push(...events),
    now: () => options.localNow ?? clock.now,
  };
  const run = (gcOptions: Partial<GcOptions> = {}) => collectGarbage(deps, { dryRun: false, graceMs: GRACE, localOnly: false, ...gcOptions });
  return { deps, kube, kubeOf, connected, prunedIds, audited, clock, run };
}

function seed(kube: FakeKube, ...groups: ManagedObject[][]): void {
  for (const object of groups.flat()) kube.put(object);
}

function sortedLeases(report: GcReport) {
  return [...report.leases].sort((a, b) => a.id.localeCompare(b.id));
}

function listSelectors(kube: FakeKube): string[] {
  return [...new Set(kube.calls.flatMap((call) => (call.op === 'listPage' ? [call.selector] : [])))];
}

// The cluster at NOW + 30 minutes, grace 10 minutes.
const scene: Record<string, LeaseObjectsOptions> = {
  live: { suffix: 'live00000000', expiresAt: at(60) },
  expired: { suffix: 'expired00000', expiresAt: at(20) },
  orphan: { suffix: 'orphan000000', without: ['Secret'] },
  crashed: { suffix: 'crashed00000', tokenRequested: false },
  halfway: { suffix: 'halfway00000', mode: 'kubernetesRole', without: ['RoleBinding'] },
  young: { suffix: 'young0000000', tokenRequested: false, created: at(25) },
  youngOrphan: { suffix: 'youngorphan0', without: ['Secret'], created: at(21) },
  liveServiceAccount: { suffix: 'liveexisting', mode: 'serviceAccount' },
};
const objectsOf = (name: keyof typeof scene) => leaseObjects(scene[name]);

function seededScene() {
  const fixture = gcFixture();
  for (const name of Object.keys(scene)) seed(fixture.kube, objectsOf(name));
  return fixture;
}

const expectedLeases = [
  { id: 'reader/crashed00000', reason: 'incomplete', objects: 4 },
  { id: 'reader/expired00000', reason: 'expired', objects: 4 },
  { id: 'reader/halfway00000', reason: 'incomplete', objects: 2 },
];
// Orphans (their anchor gone) have nothing left to prove whose they are: they stay, with a warning.
const survivors = ['live', 'young', 'orphan', 'youngOrphan', 'liveServiceAccount'].flatMap((name) => objectsOf(name).map(refKey)).sort();

describe('collectGarbage: the cluster', () => {
  it('deletes expired and incomplete leases; leaves live, young and orphaned ones alone', async () => {
    const { run, kube, connected } = seededScene();
    const report = await run();
    assert.deepEqual(sortedLeases(report), expectedLeases);
    assert.equal(report.deleted, 10);
    assert.equal(report.alreadyGone, 0);
    assert.deepEqual(report.failures, []);
    assert.equal(report.warnings.length, 6, report.warnings.join('\n'));
    assert.ok(report.warnings.every((warning) => / claims lease "reader\/(young)?orphan0+" but the lease has no anchor in namespace dev: not deleted$/.test(warning)));
    assert.deepEqual([...kube.objects.keys()].sort(), survivors);
    const doomed = ['crashed', 'expired', 'halfway'].flatMap((name) => objectsOf(name).map(refKey)).sort();
    assert.deepEqual(kube.deletedRefs.map(refKey).sort(), doomed, 'each doomed object deleted once, nothing else');
    assert.deepEqual(listSelectors(kube), [MANAGED]);
    assert.deepEqual(connected, [undefined]);
  });

  it('deletes exactly the listed refs (uids included)', async () => {
    const { run, kube } = gcFixture();
    seed(kube, objectsOf('expired'));
    await run();
    const byKey = (a: ObjectRef, b: ObjectRef) => refKey(a).localeCompare(refKey(b));
    const asRefs = kube.deletedRefs.map(({ apiVersion, kind, name, namespace, uid }) => ({ apiVersion, kind, name, ...(namespace ? { namespace } : {}), ...(uid ? { uid } : {}) }));
    assert.deepEqual(asRefs.sort(byKey), refsOf(objectsOf('expired')).sort(byKey));
  });

  it('dry run: reports the same leases, deletes nothing', async () => {
    const { run, kube, prunedIds } = seededScene();
    const before = [...kube.objects.keys()].sort();
    const report = await run({ dryRun: true });
    assert.deepEqual(sortedLeases(report), expectedLeases);
    assert.equal(report.deleted, 0);
    assert.equal(report.alreadyGone, 0);
    assert.deepEqual(report.failures, []);
    assert.deepEqual(kube.deletedRefs, []);
    assert.deepEqual([...new Set(kube.calls.map((call) => call.op))], ['listPage']);
    assert.deepEqual([...kube.objects.keys()].sort(), before);
    assert.deepEqual(prunedIds, []);
  });

  it('complete live leases are never touched', async () => {
    const { run, kube } = gcFixture({ now: new Date(at(59)) });
    seed(kube, objectsOf('live'), objectsOf('liveServiceAccount'));
    const report = await run({ graceMs: 0 });
    assert.deepEqual(report, { leases: [], deleted: 0, alreadyGone: 0, prunedRecords: 0, failures: [], warnings: [] });
    assert.deepEqual(kube.deletedRefs, []);
  });

  it('an unfinished issuance is left alone for the grace period after its newest object', async () => {
    for (const [minutes, graceMs, collected] of [
      [9, GRACE, false],
      [10, GRACE, true],
      [9, 9 * MINUTE, true],
      [30, 31 * MINUTE, false],
    ] as const) {
      const { run, kube } = gcFixture({ now: new Date(at(minutes)) });
      seed(kube, objectsOf('crashed'));
      const report = await run({ graceMs });
      assert.deepEqual(report.leases.map((lease) => lease.reason), collected ? ['incomplete'] : [], `${minutes}m, grace ${graceMs / MINUTE}m`);
      assert.equal(kube.objects.size, collected ? 0 : 4);
    }
  });

  it('an object already gone (another gc, a revoke) counts as already gone, not as a failure', async () => {
    const kube = new (class extends FakeKube {
      override async *listManagedPages(selector: string) {
        for await (const page of super.listManagedPages(selector)) {
          // Another machine deletes two of them between the listing and the deletes.
          for (const object of page.objects.filter((item) => item.kind === 'Role' || item.kind === 'RoleBinding')) this.objects.delete(refKey(object));
          yield page;
        }
      }
    })(ISSUER, () => new Date(at(30)));
    const { run } = gcFixture({ kube });
    seed(kube, objectsOf('expired'));
    const report = await run();
    assert.deepEqual(report, { leases: [{ id: 'reader/expired00000', reason: 'expired', objects: 4 }], deleted: 2, alreadyGone: 2, prunedRecords: 0, failures: [], warnings: [] });
    assert.equal(kube.objects.size, 0);
  });

  it('two gc runs at once: every object deleted once, the rest already gone, no failure', async () => {
    const { run, kube } = seededScene();
    const reports = await Promise.all([run(), run()]);
    assert.equal(reports[0]!.deleted + reports[1]!.deleted, 10);
    assert.deepEqual(reports.flatMap((report) => report.failures), []);
    assert.deepEqual([...kube.objects.keys()].sort(), survivors);
  });

  it('a failing delete is reported and does not stop the others; the anchor stays to vouch for what is left', async () => {
    const { run, kube } = gcFixture();
    seed(kube, objectsOf('expired'));
    const [anchor, , role] = objectsOf('expired').map(refKey);
    kube.failDeletes.add(role!);
    const report = await run();
    assert.deepEqual(report.failures, [`cannot delete ${role}: 403 forbidden`]);
    assert.equal(report.deleted, 2);
    assert.deepEqual([...kube.objects.keys()], [anchor, role]);
    kube.failDeletes.clear();
    assert.equal((await run()).deleted, 2, 'the next run deletes the rest');
    assert.equal(kube.objects.size, 0);
  });

  it('a failing listing fails the run before deleting or pruning anything', async () => {
    const expired = leaseRecord({ id: 'reader/oldrecord000', expiresAt: at(-1) });
    const { run, kube, prunedIds } = gcFixture({ records: [expired] });
    kube.failList = true;
    await assert.rejects(run(), { status: 403 });
    assert.deepEqual(prunedIds, []);
  });

  it('expired objects are deleted page by page, before the next page is listed; bindings first, anchors last', async () => {
    const { run, kube } = gcFixture();
    const expired = ['expired00001', 'expired00002', 'expired00003'].map((suffix) => leaseObjects({ suffix, expiresAt: at(20), mode: 'kubernetesRole' }));
    seed(kube, ...expired);
    await run();
    const trace = kube.calls.map((call) => (call.op === 'listPage' ? `list ${call.kind}` : call.op === 'delete' ? `delete ${call.ref.kind} ${call.ref.name}` : call.op));
    const [first, second, third] = expired.map((objects) => objects[0]!.name);
    assert.deepEqual(trace.slice(0, 9), [
      'list Secret', 'list Secret', 'list ClusterRoleBinding', 'list RoleBinding', `delete RoleBinding ${first}`, `delete RoleBinding ${second}`,
      'list RoleBinding', `delete RoleBinding ${third}`, 'list ClusterRole',
    ]);
    assert.deepEqual(trace.slice(-3).sort(), [first, second, third].map((name) => `delete Secret ${name}`));
  });

  it('every deletion is audited as gc, page by page: the events of a lease name each of its objects once', async () => {
    const { run, kube, audited } = gcFixture();
    seed(kube, objectsOf('expired'), objectsOf('crashed'));
    await run();
    assert.ok(audited.every((event) => event.action === 'gc' && event.outcome === 'ok'));
    for (const name of ['expired', 'crashed']) {
      const objects = audited.filter((event) => event.leaseId === `reader/${scene[name]!.suffix}`).flatMap((event) => event.objects);
      assert.deepEqual(objects.sort(), objectsOf(name).map(refKey).sort(), name);
    }
  });

  it('after the last page, anchors are collected and audited batch by batch, each lease once', async () => {
    const { run, kube, deps } = gcFixture();
    kube.pageSize = 200;
    const leases = Array.from({ length: 1200 }, (_, index) => leaseObjects({ suffix: `expired${String(index).padStart(5, '0')}`, expiresAt: at(20), mode: 'serviceAccount' }));
    seed(kube, ...leases);
    // When each audit call came, counted in deletions: what gc holds until it writes.
    const calls: { events: number; afterDeletes: number }[] = [];
    const audited: string[] = [];
    deps.audit = async (events) => {
      calls.push({ events: events.length, afterDeletes: kube.calls.filter((call) => call.op === 'delete').length });
      audited.push(...events.map((event) => event.leaseId));
    };
    const report = await run();
    assert.equal(report.leases.length, 1200);
    assert.equal(report.deleted, 1200);
    assert.deepEqual(audited.sort(), leases.map((objects) => objects[0]!.labels['tempcreds.dev/lease']!).map((suffix) => `reader/${suffix}`).sort());
    assert.ok(calls.every(({ events }) => events <= 256), JSON.stringify(calls));
    assert.ok(calls[0]!.afterDeletes < 500, JSON.stringify(calls));
  });

  it('anchors alone in their lease are not held to the end: the Secrets are listed again, and each page of them collected', async () => {
    const { run, kube } = gcFixture();
    kube.pageSize = 1;
    const lone = ['alone0000001', 'alone0000002'].map((suffix) => leaseObjects({ suffix, expiresAt: at(20), mode: 'serviceAccount' }));
    const withMembers = leaseObjects({ suffix: 'members00001', expiresAt: at(20), mode: 'kubernetesRole' });
    seed(kube, ...lone, withMembers, objectsOf('liveServiceAccount'));
    const report = await run();
    assert.deepEqual(report.failures, []);
    assert.equal(report.deleted, 2 + 3);
    assert.deepEqual([...kube.objects.keys()], objectsOf('liveServiceAccount').map(refKey));
    const trace = kube.calls.map((call) => (call.op === 'listPage' ? `list ${call.kind}` : call.op === 'delete' ? `delete ${call.ref.kind} ${call.ref.name}` : call.op));
    // The second listing of Secrets: after the other kinds', and after the anchor that had members.
    const again = trace.findIndex((entry, index) => entry === 'list Secret' && trace.slice(0, index).some((earlier) => earlier.startsWith('list ') && earlier !== 'list Secret'));
    assert.equal(trace[again - 1], `delete Secret ${withMembers[0]!.name}`);
    // Pages of one: each lone anchor's, the next page asked for before its deletes, then the live one's.
    assert.deepEqual(trace.slice(again), ['list Secret', 'list Secret', `delete Secret ${lone[0]![0]!.name}`, 'list Secret', `delete Secret ${lone[1]![0]!.name}`]);
  });

  it('a lone anchor gone by the second listing is not counted; a Secret that claims its lease since is not touched', async () => {
    const [gone, kept] = ['alone0000001', 'alone0000002'].map((suffix) => leaseObjects({ suffix, expiresAt: at(20), mode: 'serviceAccount' })[0]!);
    const copy: ManagedObject = { ...kept!, name: 'copied', uid: 'copied-uid' };
    const kube = new (class extends FakeKube {
      override async *listManagedPages(selector: string, namespaces?: string[], kinds?: readonly string[]) {
        if (kinds) {
          // Between the listings, another gc deletes one, and someone copies the other.
          this.objects.delete(refKey(gone!));
          this.put(copy);
        }
        yield* super.listManagedPages(selector, namespaces, kinds);
      }
    })(ISSUER, () => new Date(at(30)));
    const { run } = gcFixture({ kube });
    seed(kube, [gone!, kept!]);
    const report = await run();
    assert.deepEqual(report.leases, [{ id: 'reader/alone0000002', reason: 'expired', objects: 1 }]);
    assert.equal(report.deleted, 1);
    assert.deepEqual(report.failures, []);
    assert.deepEqual([...kube.objects.keys()], ['Secret dev/copied']);
  });

  it('a listing failing halfway: what was deleted is audited, the run fails, no record is pruned', async () => {
    const record = leaseRecord({ id: 'reader/expired00000', expiresAt: at(20) });
    const { run, kube, prunedIds, audited } = gcFixture({ records: [record] });
    seed(kube, objectsOf('expired'));
    kube.failPageAt = 4; // Secrets, ClusterRoleBindings, RoleBindings, then the ClusterRoles fail
    await assert.rejects(run(), { status: 403 });
    assert.deepEqual(prunedIds, []);
    assert.deepEqual(audited.map(({ leaseId, objects }) => ({ leaseId, objects })), [{ leaseId: 'reader/expired00000', objects: [refKey(objectsOf('expired')[3]!)] }]);
  });

  it("unreadable local records are reported, and gc goes on", async () => {
    const { run, kube } = gcFixture({ unreadable: ['leases/x.json: not JSON'] });
    seed(kube, objectsOf('expired'));
    const report = await run();
    assert.deepEqual(report.failures, ['leases/x.json: not JSON']);
    assert.equal(report.deleted, 4);
  });
});

describe('collectGarbage: local records', () => {
  const expiredHere = leaseRecord({ id: 'reader/expiredhere0', expiresAt: at(-1) });
  const expiredElsewhere = leaseRecord({ id: 'reader/expiredthere', expiresAt: at(-1), context: ISSUER.context, cluster: 'https://other:6443' });
  const liveButDoomed = leaseRecord({ id: 'reader/crashed00000', expiresAt: at(60) });
  const liveHere = leaseRecord({ id: 'reader/live00000000', expiresAt: at(60) });
  const liveElsewhere = leaseRecord({ id: 'reader/liveelsewhere', expiresAt: at(60), context: 'other-cluster', cluster: 'https://other:6443' });
  const records = [expiredHere, expiredElsewhere, liveButDoomed, liveHere, liveElsewhere];

  it("prunes expired records of the current cluster and records of collected leases; keeps the rest (another cluster's, whatever its context is called)", async () => {
    const { run, kube, prunedIds, kubeOf } = gcFixture({ records });
    seed(kube, objectsOf('crashed'), objectsOf('live'));
    const report = await run();
    assert.deepEqual(prunedIds.sort(), [liveButDoomed.id, expiredHere.id].sort());
    assert.equal(report.prunedRecords, 2);
    assert.deepEqual(report.leases.map((lease) => lease.id), [liveButDoomed.id]);
    assert.deepEqual(kubeOf('other-cluster').calls, [], 'other clusters are left to a gc run against them');
  });

  it('dry run: counts the records it would prune, prunes none', async () => {
    const { run, kube, prunedIds } = gcFixture({ records });
    seed(kube, objectsOf('crashed'), objectsOf('live'));
    const report = await run({ dryRun: true });
    assert.equal(report.prunedRecords, 2);
    assert.deepEqual(prunedIds, []);
  });

  it(
    "keeps the record of a collected lease whose objects could not all be deleted (as revoke does)",
    async () => {
      const { run, kube, prunedIds } = gcFixture({ records: [liveButDoomed] });
      seed(kube, objectsOf('crashed'));
      kube.failDeletes.add(refKey(objectsOf('crashed')[1]!));
      const report = await run();
      assert.equal(report.failures.length, 2, 'the failure, and what is kept because of it');
      assert.deepEqual(prunedIds, []);
      assert.equal(report.prunedRecords, 0);
    },
  );
});

describe('collectGarbage: localOnly', () => {
  const here = leaseRecord({ id: 'reader/expiredhere0', expiresAt: at(-1) });
  const there = leaseRecord({
    id: 'reader/expiredthere',
    expiresAt: at(-5),
    context: 'other-cluster',
    objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'tc-reader-expiredthere', namespace: 'dev', uid: 'u' }],
  });
  const live = leaseRecord({ id: 'reader/live00000000', expiresAt: at(60) });

  function localFixture(options: { dryRun?: boolean } = {}) {
    const fixture = gcFixture({ records: [here, there, live] });
    for (const record of [here, live]) for (const ref of record.objects) fixture.kube.objects.set(refKey(ref), { ...ref, uid: ref.uid ?? 'u' });
    for (const ref of there.objects) fixture.kubeOf('other-cluster').objects.set(refKey(ref), { ...ref, uid: 'u' });
    // An expired labelled lease without a record here: only a cluster-wide gc sees it.
    seed(fixture.kube, objectsOf('expired'));
    return { ...fixture, report: fixture.run({ localOnly: true, ...options }) };
  }

  it('revokes the expired local records through their own contexts and objects, nothing else', async () => {
    const { report, kube, kubeOf, connected, prunedIds } = localFixture();
    assert.deepEqual(await report, {
      leases: [
        { id: here.id, reason: 'expired', objects: 3 },
        { id: there.id, reason: 'expired', objects: 1 },
      ],
      deleted: 4,
      alreadyGone: 0,
      prunedRecords: 2,
      failures: [],
      warnings: [],
    });
    assert.deepEqual(kube.deletedRefs.map(refKey).sort(), here.objects.map(refKey).sort());
    assert.deepEqual(kubeOf('other-cluster').deletedRefs.map(refKey), there.objects.map(refKey));
    assert.deepEqual(prunedIds.sort(), [here.id, there.id].sort());
    assert.deepEqual(connected.sort(), [ISSUER.context, 'other-cluster'], 'never the current context for a listing');
    assert.deepEqual(listSelectors(kube), [], 'no cluster-wide listing');
    assert.deepEqual([...kube.objects.keys()].sort(), [...live.objects.map(refKey), ...objectsOf('expired').map(refKey)].sort());
  });

  it('a record whose deletion fails is kept and reported', async () => {
    const fixture = gcFixture({ records: [here] });
    for (const ref of here.objects) fixture.kube.objects.set(refKey(ref), { ...ref, uid: ref.uid ?? 'u' });
    fixture.kube.failDeletes.add(refKey(here.objects[1]!));
    const report = await fixture.run({ localOnly: true });
    assert.equal(report.deleted, 1, 'the binding; the anchor is kept');
    assert.equal(report.failures[0], `cannot delete ${refKey(here.objects[1]!)}: 403 forbidden`);
    assert.match(report.failures[1]!, /^kept Secret dev\/tc-reader-expiredhere0, the anchor still proving what is left \(while it and the ServiceAccount stay, the lease's token works\)/);
    assert.equal(report.prunedRecords, 0);
    assert.deepEqual(fixture.prunedIds, []);
  });

  it('objects already gone count as such', async () => {
    const fixture = gcFixture({ records: [here] });
    const report = await fixture.run({ localOnly: true });
    assert.equal(report.deleted, 0);
    assert.equal(report.alreadyGone, 3);
    assert.equal(report.prunedRecords, 1);
  });

  it('dry run: reports, connects nowhere, deletes nothing', async () => {
    const { report, connected, kube, prunedIds } = localFixture({ dryRun: true });
    assert.deepEqual((await report).leases.map((lease) => lease.id), [here.id, there.id]);
    assert.equal((await report).deleted, 0);
    assert.deepEqual(connected, []);
    assert.deepEqual(kube.calls, []);
    assert.deepEqual(prunedIds, []);
  });
});

describe('collectGarbage: provenance', () => {
  it('forged anchors in the lease namespace (one expired, one unfinished) own nothing: gc deletes nothing of the lease, nor them', async () => {
    const { run, kube } = gcFixture();
    const victim = objectsOf('live');
    const forged = (name: string, annotations: Record<string, string>): ManagedObject => ({ ...victim[0]!, name, uid: `${name}-uid`, annotations: { ...victim[0]!.annotations, ...annotations } });
    const { ['tempcreds.dev/token-requested']: _marked, ...unmarked } = victim[0]!.annotations;
    seed(kube, [forged('a-expired', { 'tempcreds.dev/expires-at': at(-60) }), { ...forged('a-unfinished', {}), annotations: unmarked }], victim);
    const report = await run({ graceMs: 0 });
    assert.deepEqual(report.leases, []);
    assert.deepEqual(kube.deletedRefs, []);
    assert.deepEqual(report.warnings, ['a-expired', 'a-unfinished'].map((name) => `Secret dev/${name} claims lease "reader/live00000000" but owns nothing of it, unlike Secret dev/${victim[0]!.name}: a copy, not deleted`));
  });

  it('an expired lease with a copied anchor is collected whole; the copy, owning nothing, stays', async () => {
    const { run, kube } = gcFixture();
    const lease = objectsOf('expired');
    const copy: ManagedObject = { ...lease[0]!, name: 'copied', uid: 'copied-uid' };
    seed(kube, [copy], lease);
    kube.pageSize = 1;
    const report = await run();
    assert.deepEqual(report.failures, []);
    assert.deepEqual([...kube.objects.keys()], ['Secret dev/copied']);
  });

  it('an unrelated object carrying a lease labels and an expired expires-at is not deleted', async () => {
    const { run, kube } = gcFixture();
    const lease = objectsOf('live');
    const bystander: ManagedObject = { ...lease[2]!, name: 'bystander', uid: 'bystander', owners: [], annotations: { ...lease[2]!.annotations, 'tempcreds.dev/expires-at': at(-60) } };
    const clusterBystander: ManagedObject = { ...bystander, kind: 'ClusterRole', namespace: undefined, name: 'cluster-bystander' };
    seed(kube, lease, [bystander, clusterBystander]);
    const report = await run({ graceMs: 0 });
    assert.deepEqual(kube.deletedRefs, []);
    assert.equal(report.warnings.length, 2);
  });
});

describe('collectGarbage: the API server clock decides expiry', () => {
  it('a local clock far ahead collects no live lease, in the cluster or through local records', async () => {
    const record = leaseRecord({ id: 'reader/live00000000', expiresAt: at(60) });
    for (const localOnly of [false, true]) {
      const { run, kube, prunedIds } = gcFixture({ records: [record], localNow: new Date(at(24 * 60)) });
      seed(kube, objectsOf('live'));
      const report = await run({ localOnly });
      assert.deepEqual(report.leases, [], `localOnly: ${localOnly}`);
      assert.deepEqual(kube.deletedRefs, []);
      assert.deepEqual(prunedIds, []);
    }
  });

  it('the server clock past expiry collects, even when the local clock lags behind', async () => {
    const record = leaseRecord({ id: 'reader/expired00000', expiresAt: at(20) });
    const { run, kube, prunedIds } = gcFixture({ records: [record], localNow: new Date(at(0)) });
    seed(kube, objectsOf('expired'));
    assert.deepEqual((await run()).leases.map((lease) => lease.id), [record.id]);
    assert.deepEqual(prunedIds, [record.id]);
  });
});

describe('collectGarbage: an issuer that may not list ClusterRoles and ClusterRoleBindings', () => {
  it('keeps the anchor and ServiceAccount of an expired lease that plans one, and fails saying which issuer can', async () => {
    const { run, kube, prunedIds } = gcFixture({ records: [leaseRecord({ id: 'reader/clusterbound', expiresAt: at(20) })] });
    kube.forbidClusterScoped = true;
    const objects = clusterBoundLeaseObjects({ suffix: 'clusterbound', expiresAt: at(20) });
    seed(kube, objects, objectsOf('expired'));
    const report = await run();
    assert.equal(report.failures.length, 1);
    assert.match(report.failures[0]!, /^lease "reader\/clusterbound" in namespace dev has a ClusterRoleBinding, which the issuer \(context "ci-admin"\) may not list \(403\): not revoked/);
    assert.deepEqual([...kube.objects.keys()].sort(), objects.map(refKey).sort(), 'the expired lease without cluster-scoped objects is collected, the other kept whole');
    assert.deepEqual(prunedIds, []);
  });
});
