import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueLease } from '../../src/app/issue.ts';
import { revokeLeases } from '../../src/app/revoke.ts';
import { gcReason, groupLeases, indexAnchors, recordFromCluster, type ClusterLease } from '../../src/core/cluster-leases.ts';
import { MANAGED_SELECTOR, issuedOn, type ManagedObject } from '../../src/core/lease.ts';
import { FIXED_SUFFIX, ISSUER, NOW, RULES, fakeConnect, issueFixture, leaseObjects, refKey, refsOf, role, secondsAfter } from './fakes.ts';

const NAME = `tc-reader-${FIXED_SUFFIX}`;
const ID = `reader/${FIXED_SUFFIX}`;
const MINUTE = 60_000;

function only(leases: ClusterLease[]): ClusterLease {
  assert.equal(leases.length, 1, `expected one lease, got ${leases.map((lease) => lease.id).join(', ')}`);
  return leases[0]!;
}

const leasesOf = (objects: ManagedObject[]) => groupLeases(objects).leases;

function at(minutes: number): string {
  return secondsAfter(NOW, minutes * 60).toISOString();
}

describe('groupLeases: grouping', () => {
  it('nothing listed, no leases', () => assert.deepEqual(groupLeases([]), { leases: [], warnings: [] }));

  it('groups objects by role and lease label, keeping every object (the anchor included)', () => {
    const a = leaseObjects({ suffix: 'aaaaaaaaaaaa' });
    const b = leaseObjects({ suffix: 'bbbbbbbbbbbb', mode: 'kubernetesRole' });
    // Interleaved, as per-kind listing returns them.
    const listed = [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!, a[3]!];
    const leases = leasesOf(listed);
    assert.deepEqual(
      leases.map((lease) => [lease.id, lease.role, lease.objects.map((object) => object.kind)]),
      [
        ['reader/aaaaaaaaaaaa', 'reader', ['Secret', 'ServiceAccount', 'Role', 'RoleBinding']],
        ['reader/bbbbbbbbbbbb', 'reader', ['Secret', 'ServiceAccount', 'RoleBinding']],
      ],
    );
    assert.deepEqual(leases[0]!.objects, a);
  });

  it('the same lease suffix under two roles makes two leases', () => {
    const leases = leasesOf([...leaseObjects({ role: 'reader' }), ...leaseObjects({ role: 'writer' })]);
    assert.deepEqual(leases.map((lease) => [lease.id, lease.role, lease.objects.length]), [
      [ID, 'reader', 4],
      [`writer/${FIXED_SUFFIX}`, 'writer', 4],
    ]);
  });

  it('skips objects without a role or a lease label', () => {
    const [anchor, serviceAccount] = leaseObjects({ mode: 'kubernetesRole' });
    const noLease = { ...serviceAccount!, name: 'no-lease', labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': 'reader' } };
    const noRole = { ...serviceAccount!, name: 'no-role', labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/lease': FIXED_SUFFIX } };
    const lease = only(leasesOf([anchor!, noLease, noRole]));
    assert.deepEqual(lease.objects.map((object) => object.name), [NAME]);
  });
});

describe('groupLeases: the anchor', () => {
  it('is the Secret with the service-account annotation, wherever it is listed', () => {
    const objects = leaseObjects();
    const lease = only(leasesOf([...objects.slice(1), objects[0]!]));
    assert.equal(lease.anchor, objects[0]);
  });

  it('a labelled Secret without the service-account annotation is not the anchor: without one, no lease', () => {
    const [anchor, ...rest] = leaseObjects();
    const { ['tempcreds.dev/service-account']: _dropped, ...annotations } = anchor!.annotations;
    const { leases, warnings } = groupLeases([{ ...anchor!, annotations }, ...rest]);
    assert.deepEqual(leases, []);
    assert.equal(warnings.length, 4);
    assert.match(warnings[0]!, new RegExp(`^Secret dev/${NAME} claims lease "${ID}" but the lease has no anchor in namespace dev: not deleted$`));
  });

  it('another kind carrying the service-account annotation is not the anchor', () => {
    const [anchor, serviceAccount] = leaseObjects({ mode: 'kubernetesRole', without: ['RoleBinding'] });
    const impostor = { ...serviceAccount!, annotations: { ...serviceAccount!.annotations, 'tempcreds.dev/service-account': NAME } };
    assert.deepEqual(leasesOf([impostor]), []);
    assert.equal(only(leasesOf([impostor, anchor!])).anchor, anchor);
  });

  it("a Secret whose lease-id annotation names another lease is no anchor of its labels' lease", () => {
    const [anchor, ...rest] = leaseObjects();
    const { leases } = groupLeases([{ ...anchor!, annotations: { ...anchor!.annotations, 'tempcreds.dev/lease-id': 'reader/zzzzzzzzzzzz' } }, ...rest]);
    assert.deepEqual(leases, []);
  });
});

describe('groupLeases: complete or not', () => {
  for (const mode of ['serviceAccount', 'kubernetesRole', 'rules'] as const) {
    it(`complete: marked anchor and every planned kind present (${mode} mode)`, () => {
      assert.equal(only(leasesOf(leaseObjects({ mode }))).complete, true);
    });
    it(`incomplete without the token-requested mark, every object present (${mode} mode)`, () => {
      assert.equal(only(leasesOf(leaseObjects({ mode, tokenRequested: false }))).complete, false);
    });
  }

  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) {
    it(`incomplete when the planned ${kind} is missing, even though the anchor is marked`, () => {
      assert.equal(only(leasesOf(leaseObjects({ without: [kind] }))).complete, false);
    });
  }

  it('an object of an unplanned kind does not make a lease complete or incomplete', () => {
    const objects = leaseObjects({ mode: 'kubernetesRole' });
    const { namespace: _namespace, owners: _owners, ...serviceAccount } = objects[1]!;
    const extra: ManagedObject = { ...serviceAccount, apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', annotations: { ...serviceAccount.annotations, 'tempcreds.dev/anchor-uid': objects[0]!.uid! } };
    assert.equal(only(leasesOf([...objects, extra])).complete, true);
    assert.equal(only(leasesOf([...leaseObjects({ mode: 'kubernetesRole', without: ['RoleBinding'] }), extra])).complete, false);
  });
});

describe('groupLeases: expiry and last creation', () => {
  it("expiresAt is the anchor's expires-at annotation", () => {
    assert.equal(only(leasesOf(leaseObjects({ expiresAt: at(30) }))).expiresAt, at(30));
  });

  it('no expires-at annotation anywhere: no expiresAt', () => {
    const objects = leaseObjects().map((object) => {
      const { ['tempcreds.dev/expires-at']: _dropped, ...annotations } = object.annotations;
      return { ...object, annotations };
    });
    const lease = only(leasesOf(objects));
    assert.equal('expiresAt' in lease, false);
  });

  it('lastCreated is the newest creationTimestamp, whatever the listing order', () => {
    const [anchor, serviceAccount, generated, binding] = leaseObjects();
    const lease = only(
      leasesOf([
        { ...binding!, creationTimestamp: at(2) },
        { ...anchor!, creationTimestamp: at(0) },
        { ...serviceAccount!, creationTimestamp: at(5) },
        { ...generated!, creationTimestamp: at(1) },
      ]),
    );
    assert.equal(lease.lastCreated, at(5));
  });

  it('no creationTimestamp anywhere: no lastCreated', () => {
    const lease = only(leasesOf(leaseObjects().map(({ creationTimestamp: _dropped, ...object }) => object)));
    assert.equal('lastCreated' in lease, false);
  });
});

describe('gcReason', () => {
  const GRACE = 10 * MINUTE;
  const lease = (options: Parameters<typeof leaseObjects>[0]) => only(leasesOf(leaseObjects(options)));
  // [what, lease, now (minutes after NOW), expected]
  const cases: [string, ClusterLease, number, ReturnType<typeof gcReason>][] = [
    ['complete and live', lease({}), 59, undefined],
    ['complete, long after creation, still live', lease({ expiresAt: at(600) }), 500, undefined],
    ['expired exactly now', lease({ expiresAt: at(60) }), 60, 'expired'],
    ['expired', lease({ expiresAt: at(60) }), 61, 'expired'],
    ['expired within the grace period (expiry is never graced)', lease({ expiresAt: at(0) }), 1, 'expired'],
    ['expired and incomplete: expired', lease({ expiresAt: at(60), tokenRequested: false }), 61, 'expired'],
    ['unmarked within the grace period (may be in flight)', lease({ tokenRequested: false }), 9, undefined],
    ['unmarked after the grace period', lease({ tokenRequested: false }), 10, 'incomplete'],
    ['missing a planned object after the grace period', lease({ without: ['RoleBinding'] }), 11, 'incomplete'],
    ['missing a planned object within the grace period', lease({ without: ['RoleBinding'] }), 0, undefined],
    ['grace counts from the newest object', lease({ tokenRequested: false, created: at(5) }), 14, undefined],
    ['grace counts from the newest object, then ends', lease({ tokenRequested: false, created: at(5) }), 15, 'incomplete'],
  ];
  for (const [what, subject, minutes, expected] of cases) {
    it(`${what}: ${expected ?? 'kept'}`, () => assert.equal(gcReason(subject, new Date(at(minutes)), GRACE), expected));
  }

  it('grace 0: an unfinished lease goes at once', () => {
    assert.equal(gcReason(lease({ tokenRequested: false }), NOW, 0), 'incomplete');
  });

  it('without any creation time an unfinished lease counts as settled', () => {
    const unfinished = only(leasesOf(leaseObjects({ tokenRequested: false }).map(({ creationTimestamp: _dropped, ...object }) => object)));
    assert.equal(gcReason(unfinished, NOW, GRACE), 'incomplete');
  });

  it('without an expiry a complete lease is never collected', () => {
    const objects = leaseObjects().map((object) => {
      const { ['tempcreds.dev/expires-at']: _dropped, ...annotations } = object.annotations;
      return { ...object, annotations };
    });
    assert.equal(gcReason(only(leasesOf(objects)), new Date(at(100_000)), GRACE), undefined);
  });
});

describe('recordFromCluster', () => {
  it('rebuilds a complete lease: exactly its labelled objects, in listing order', () => {
    const objects = leaseObjects({ expiresAt: at(30) });
    const record = recordFromCluster(only(leasesOf(objects)), { context: 'other-context', cluster: 'https://other:6443' });
    assert.deepEqual(record, {
      id: ID,
      role: 'reader',
      roleDigest: '',
      namespace: 'dev',
      serviceAccountName: NAME,
      serviceAccountCreated: true,
      issuedAt: NOW.toISOString(),
      expiresAt: at(30),
      ttlSeconds: 0,
      context: 'other-context',
      cluster: 'https://other:6443',
      issuedBy: ISSUER.user,
      objects: [
        { apiVersion: 'v1', kind: 'Secret', name: NAME, namespace: 'dev', uid: `${FIXED_SUFFIX}-Secret` },
        { apiVersion: 'v1', kind: 'ServiceAccount', name: NAME, namespace: 'dev', uid: `${FIXED_SUFFIX}-ServiceAccount` },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: NAME, namespace: 'dev', uid: `${FIXED_SUFFIX}-Role` },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: NAME, namespace: 'dev', uid: `${FIXED_SUFFIX}-RoleBinding` },
      ],
    });
  });

  it('serviceAccount mode: names the existing ServiceAccount but did not create it', () => {
    const record = recordFromCluster(only(leasesOf(leaseObjects({ mode: 'serviceAccount' }))), issuedOn(ISSUER));
    assert.equal(record.serviceAccountName, 'deployer');
    assert.equal(record.serviceAccountCreated, false);
    assert.deepEqual(record.objects.map(refKey), [`Secret dev/${NAME}`]);
  });

  it('cluster-scoped objects have no namespace key; a missing uid is left out', () => {
    const [anchor, serviceAccount, , binding] = leaseObjects();
    const clusterRole: ManagedObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: NAME, labels: anchor!.labels, annotations: { 'tempcreds.dev/anchor-uid': anchor!.uid! } };
    const record = recordFromCluster(only(leasesOf([anchor!, serviceAccount!, clusterRole, binding!])), { context: 'c', cluster: 's' });
    assert.deepEqual(record.objects[2], { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: NAME });
  });

  for (const [mode, definition] of [
    ['serviceAccount', role('reader', { serviceAccount: 'deployer' })],
    ['kubernetesRole', role('reader', { kubernetesRole: 'view' })],
    ['rules', role('reader', { rules: RULES })],
    ['rules + ClusterRoleBinding', role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true })],
  ] as const) {
    it(`an issued lease, listed back from the cluster, is complete and rebuilds its record (${mode})`, async () => {
      const { deps, kube } = issueFixture([definition]);
      const { lease } = await issueLease(deps, { role: 'reader', clusterRoleBinding: mode.includes('ClusterRoleBinding') });
      const clusterLease = only(leasesOf((await kube.listManaged(MANAGED_SELECTOR)).objects));
      assert.equal(clusterLease.complete, true);
      assert.equal(clusterLease.expiresAt, lease.expiresAt);
      assert.equal(gcReason(clusterLease, new Date(at(59)), 0), undefined);
      const record = recordFromCluster(clusterLease, issuedOn(ISSUER));
      const fields = ['id', 'role', 'namespace', 'serviceAccountName', 'serviceAccountCreated', 'issuedAt', 'expiresAt', 'context', 'cluster', 'issuedBy'] as const;
      for (const field of fields) assert.equal(record[field], lease[field], field);
      const byKey = (refs: typeof lease.objects) => [...refs].sort((a, b) => refKey(a).localeCompare(refKey(b)));
      assert.deepEqual(byKey(record.objects), byKey(lease.objects));
    });
  }

  it('never includes an unlabelled pre-existing ServiceAccount: revoking the rebuilt record leaves it alone', async () => {
    const { deps, kube } = issueFixture([role('reader', { serviceAccount: 'deployer' })]);
    kube.objects.set('ServiceAccount dev/deployer', { apiVersion: 'v1', kind: 'ServiceAccount', name: 'deployer', namespace: 'dev', uid: 'pre-existing' });
    await issueLease(deps, { role: 'reader' });
    const record = recordFromCluster(only(leasesOf((await kube.listManaged(MANAGED_SELECTOR)).objects)), issuedOn(ISSUER));
    assert.equal(record.serviceAccountCreated, false);
    assert.deepEqual(record.objects.map(refKey), [`Secret dev/${NAME}`]);

    const { connect, kubes } = fakeConnect(() => kube);
    await revokeLeases({ connect, deleteLease: async () => undefined, now: () => NOW }, [record]);
    assert.equal(kubes.get(ISSUER.context), kube);
    assert.deepEqual(kube.deletedRefs.map(refKey), [`Secret dev/${NAME}`]);
    assert.deepEqual([...kube.objects.keys()], ['ServiceAccount dev/deployer']);
  });

  it('the refs equal the listed objects stripped of labels and annotations', () => {
    const objects = leaseObjects({ mode: 'kubernetesRole' });
    assert.deepEqual(recordFromCluster(only(leasesOf(objects)), { context: 'c', cluster: 's' }).objects, refsOf(objects));
  });
});

describe('groupLeases: provenance (labels can be copied; the anchor vouches)', () => {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const forged = (objects: ManagedObject[], overrides: Partial<ManagedObject>): ManagedObject => ({ ...objects[0]!, name: 'forged', uid: 'forged-uid', ...overrides });

  it('a second anchor in the lease namespace that owns nothing is a copy: left alone, with a warning; the lease is the owner\'s', () => {
    const objects = leaseObjects();
    const { leases, warnings } = groupLeases([forged(objects, {}), ...objects]);
    assert.deepEqual(leases.map((lease) => [lease.anchor.name, lease.objects.length, lease.refused]), [[NAME, 4, undefined]]);
    assert.deepEqual(warnings, [`Secret dev/forged claims lease "${ID}" but owns nothing of it, unlike Secret dev/${NAME}: a copy, not deleted`]);
  });

  it('two anchors that both own objects, or neither (a lease of an existing ServiceAccount): refused, nothing to delete', () => {
    const objects = leaseObjects();
    const copy = forged(objects, {});
    const ownedByCopy: ManagedObject = { ...objects[2]!, name: 'planted', uid: 'planted-uid', owners: [copy.uid!] };
    const both = groupLeases([copy, ...objects, ownedByCopy]).leases;
    assert.equal(both.length, 2);
    assert.ok(both.every((lease) => lease.refused === `lease "${ID}" has 2 anchors (Secrets dev/forged, dev/${NAME}) and 2 own objects: not revoked, nothing deleted — delete the Secrets that are not its own, or revoke it from the machine that issued it`));
    const alone = leaseObjects({ mode: 'serviceAccount' });
    const neither = groupLeases([forged(alone, {}), ...alone]).leases;
    assert.deepEqual(neither.map((lease) => lease.refused?.replace(/\(.*\)/, '(…)')), Array(2).fill(`lease "${ID}" has 2 anchors (…) and none owns anything to tell its own: not revoked, nothing deleted — delete the Secrets that are not its own, or revoke it from the machine that issued it`));
  });

  it('an anchor known to have owned objects (gc: on an earlier page) is the lease\'s, even with its members gone', () => {
    const [anchor] = leaseObjects();
    const copy = forged([anchor!], {});
    const { leases, warnings } = groupLeases([copy, anchor!], undefined, new Set([anchor!]));
    assert.deepEqual(leases.map((lease) => lease.anchor.name), [NAME]);
    assert.equal(warnings.length, 1);
  });

  it('an anchor copied into another namespace anchors only what it owns there', () => {
    const objects = leaseObjects();
    const copy = forged(objects, { namespace: 'evil' });
    const leases = leasesOf([copy, ...objects]);
    assert.deepEqual(leases.map((lease) => [lease.anchor.namespace, lease.objects.length]), [['evil', 1], ['dev', 4]]);
  });

  it('a namespaced object with the labels but not owned by the anchor is left out, with a warning', () => {
    const objects = leaseObjects();
    const bystander: ManagedObject = { ...objects[2]!, name: 'bystander', uid: 'bystander-uid', owners: [] };
    const { leases, warnings } = groupLeases([...objects, bystander]);
    assert.deepEqual(only(leases).objects, objects);
    assert.deepEqual(warnings, [`Role dev/bystander claims lease "${ID}" but is not owned by its anchor: not deleted`]);
  });

  it('owned by an anchor of another namespace is not owned by this one', () => {
    const objects = leaseObjects();
    const elsewhere: ManagedObject = { ...objects[2]!, namespace: 'other', name: 'elsewhere' };
    assert.match(groupLeases([...objects, elsewhere]).warnings[0]!, /Role other\/elsewhere .* has no anchor in namespace other/);
  });

  it("a cluster-scoped object counts only with its lease anchor's uid", () => {
    const objects = leaseObjects();
    const other = leaseObjects({ suffix: 'otherotherot' });
    const clusterRole = (anchorUid?: string): ManagedObject => ({
      apiVersion: rbac,
      kind: 'ClusterRole',
      name: `cr-${anchorUid}`,
      labels: objects[0]!.labels,
      annotations: anchorUid ? { 'tempcreds.dev/anchor-uid': anchorUid } : {},
    });
    const { leases, warnings } = groupLeases([...objects, ...other, clusterRole(objects[0]!.uid), clusterRole(other[0]!.uid), clusterRole('nobody'), clusterRole()]);
    assert.deepEqual(leases.find((lease) => lease.id === ID)!.objects.map((object) => object.name).at(-1), `cr-${objects[0]!.uid}`);
    assert.equal(warnings.length, 3);
    assert.ok(warnings.every((warning) => /^ClusterRole cr-\S+ claims lease ".*" but names none of its anchors \(tempcreds.dev\/anchor-uid\): not deleted$/.test(warning)), warnings.join('\n'));
  });

  it('with an index of anchors listed before, members are grouped under them without the anchor itself', () => {
    const [anchor, ...members] = leaseObjects();
    const lease = only(groupLeases(members, indexAnchors([anchor!])).leases);
    assert.equal(lease.anchor, anchor);
    assert.deepEqual(lease.objects, members);
  });
});

describe('groupLeases: the anchor\'s annotations', () => {
  const withAnnotations = (annotations: Record<string, string>) => {
    const [anchor, ...members] = leaseObjects();
    return [{ ...anchor!, annotations: { ...anchor!.annotations, ...annotations } }, ...members];
  };

  it('keeps an anchor whose annotations issuance could have written (RFC 3339 with or without fraction, any offset)', () => {
    for (const expiresAt of ['2099-01-01T00:00:00Z', '2099-01-01T00:00:00.123456789Z', '2099-01-01T02:00:00+02:00']) {
      const { leases, warnings } = groupLeases(withAnnotations({ 'tempcreds.dev/expires-at': expiresAt, 'tempcreds.dev/issued-by': 'arn:aws:eks:eu-west-1:123456789012:cluster/prod' }));
      assert.deepEqual(warnings, [], expiresAt);
      assert.equal(only(leases).expiresAt, expiresAt);
    }
  });

  const cases: [string, Record<string, string>, string][] = [
    ['a service account that is no DNS name', { 'tempcreds.dev/service-account': 'app\u001b]0;owned\u0007' }, 'tempcreds.dev/service-account annotation "app\\u001b]0;owned\\u0007" is not a ServiceAccount name'],
    ['an empty service account', { 'tempcreds.dev/service-account': '' }, 'tempcreds.dev/service-account annotation "" is not a ServiceAccount name'],
    ['an expiry that is no RFC 3339 time', { 'tempcreds.dev/expires-at': '\u001b[31m2099-01-01T00:00:00Z' }, 'tempcreds.dev/expires-at annotation "\\u001b[31m2099-01-01T00:00:00Z" is not an RFC 3339 time'],
    ['an expiry Date.parse reads but RFC 3339 does not allow', { 'tempcreds.dev/expires-at': 'Jan 1 2099' }, 'tempcreds.dev/expires-at annotation "Jan 1 2099" is not an RFC 3339 time'],
    ['an issuer with a control character', { 'tempcreds.dev/issued-by': 'me\u009b31m' }, 'tempcreds.dev/issued-by annotation "me\u009b31m" is not printable text of at most 256 characters'],
    ['an issuer with a bidirectional override', { 'tempcreds.dev/issued-by': 'me\u202eevil' }, 'tempcreds.dev/issued-by annotation "me\u202eevil" is not printable text of at most 256 characters'],
    ['an overlong issuer, shown shortened', { 'tempcreds.dev/issued-by': 'x'.repeat(257) }, `tempcreds.dev/issued-by annotation "${'x'.repeat(64)}…" is not printable text of at most 256 characters`],
  ];
  for (const [name, annotations, problem] of cases) {
    it(`skips a lease whose anchor has ${name}, with a warning that quotes it escaped`, () => {
      const { leases, warnings } = groupLeases(withAnnotations(annotations));
      assert.deepEqual(leases, []);
      assert.deepEqual(warnings, [`Secret dev/${NAME} claims to anchor lease "${ID}" but its ${problem}: skipped`]);
      assert.doesNotMatch(warnings[0]!, /\u001b|\u0007/);
    });
  }
});
