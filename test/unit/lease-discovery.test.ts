// An issuer set up with --namespaces gets 403 when listing across all namespaces: lease list,
// revoke and gc then search the namespaces this machine knows, and say so once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectGarbage } from '../../src/app/gc.ts';
import { findLeases } from '../../src/app/leases.ts';
import { leasesToRevoke } from '../../src/app/revoke.ts';
import type { ManagedObject } from '../../src/core/lease.ts';
import { FakeKube, ISSUER, NOW, leaseObjects, leaseRecord, refKey, secondsAfter } from './fakes.ts';

const WARNING = `the issuer (context "${ISSUER.context}") may not list across all namespaces (403); searched only namespaces dev, team-b (from this machine's leases and roles, and -n): name another with -n NAMESPACE`;

/** A generated ClusterRole of the lease `suffix` (cluster-scoped: found wherever its anchor is). */
function clusterRoleOf(suffix: string, expiresAt = secondsAfter(NOW, 3600).toISOString()): ManagedObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    name: `tc-reader-${suffix}`,
    uid: `${suffix}-ClusterRole`,
    labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': 'reader', 'tempcreds.dev/lease': suffix },
    annotations: { 'tempcreds.dev/lease-id': `reader/${suffix}`, 'tempcreds.dev/expires-at': expiresAt, 'tempcreds.dev/anchor-uid': `${suffix}-Secret` },
    creationTimestamp: NOW.toISOString(),
  };
}

function namespacedIssuer(expiresAt?: string) {
  const kube = new FakeKube();
  kube.forbidClusterWide = true;
  for (const [suffix, namespace] of [['indev0000000', 'dev'], ['inteamb00000', 'team-b'], ['elsewhere000', 'elsewhere']] as const) {
    for (const object of [...leaseObjects({ suffix, namespace, ...(expiresAt ? { expiresAt } : {}) }), clusterRoleOf(suffix, expiresAt)]) kube.put(object);
  }
  return kube;
}

const record = leaseRecord({ id: 'reader/indev0000000', context: ISSUER.context, namespace: 'dev' });
// A record of another issuer context: its namespace is not this issuer's to search.
const otherContext = leaseRecord({ id: 'reader/otherctx0000', context: 'other', namespace: 'other-ns' });

describe('lease discovery with a namespaced issuer', () => {
  it('lease list and revoke: the 403 falls back to the namespaces of the records and roles, with one warning', async () => {
    const kube = namespacedIssuer();
    const { found, warnings } = await findLeases(
      { connect: async () => kube, localLeases: async () => ({ leases: [record, otherContext], unreadable: [] }), searchNamespaces: async (context) => (context === ISSUER.context ? ['team-b', 'dev'] : []) },
      { all: true },
    );
    assert.deepEqual(found.map(({ lease, where }) => `${lease.id} ${where}`), ['reader/indev0000000 local+cluster', 'reader/inteamb00000 cluster', 'reader/otherctx0000 local']);
    assert.deepEqual(warnings, [WARNING]);
    const lists = kube.calls.flatMap((call) => (call.op === 'listManaged' ? [call.namespaces ?? 'all'] : []));
    assert.deepEqual(lists, ['all', ['dev', 'team-b']]);
    const teamB = found.find(({ lease }) => lease.id === 'reader/inteamb00000')!.lease;
    assert.ok(teamB.objects.some((object) => object.kind === 'ClusterRole'), "a searched lease's ClusterRole is found with it");
  });

  it('gc: collects in the searched namespaces only; the ClusterRole of a lease elsewhere is never taken for an orphan', async () => {
    const kube = namespacedIssuer(secondsAfter(NOW, -60).toISOString());
    const report = await collectGarbage(
      { connect: async () => kube, localLeases: async () => ({ leases: [record], unreadable: [] }), deleteLease: async () => undefined, searchNamespaces: async () => ['team-b'], now: () => NOW },
      { dryRun: false, graceMs: 0, localOnly: false },
    );
    assert.deepEqual(report.warnings, [WARNING]);
    assert.deepEqual(report.leases.map(({ id }) => id).sort(), ['reader/indev0000000', 'reader/inteamb00000']);
    assert.deepEqual([...kube.objects.keys()].sort(), [...leaseObjects({ suffix: 'elsewhere000', namespace: 'elsewhere' }), clusterRoleOf('elsewhere000')].map(refKey).sort());
  });

  it('revoke ID: a lease not found says where it was searched and how to search more', async () => {
    const kube = namespacedIssuer();
    const sources = { connect: async () => kube, localLeases: async () => ({ leases: [record], unreadable: [] }), searchNamespaces: async () => ['team-b'] };
    await assert.rejects(leasesToRevoke(sources, { id: 'reader/elsewhere000' }), (error: Error) => error.message === `lease "reader/elsewhere000" is neither recorded here nor found in the cluster (see: kubectl tempcreds lease list); ${WARNING}`);
  });

  it('an issuer that may list everywhere is listed once, with no warning', async () => {
    const kube = namespacedIssuer();
    kube.forbidClusterWide = false;
    const { found, warnings } = await findLeases({ connect: async () => kube, localLeases: async () => ({ leases: [], unreadable: [] }), searchNamespaces: async () => ['dev'] }, { all: true });
    assert.equal(found.length, 3);
    assert.deepEqual(warnings, []);
    assert.equal(kube.calls.filter((call) => call.op === 'listManaged').length, 1);
  });
});
