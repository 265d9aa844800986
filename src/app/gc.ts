// Garbage collection: the objects of expired leases, orphans whose anchor is gone, and
// issuances a crash left unfinished — found by label in the cluster, so it works from any
// machine and from two at once (a NotFound is success) — plus expired local records.

import type { AuditEvent } from '../core/audit.js';
import { gcReason, groupLeases, recordFromCluster, type GcReason } from '../core/cluster-leases.js';
import { MANAGED_SELECTOR, isExpired, type LeaseRecord } from '../core/lease.js';
import { forEachLimited } from './concurrency.js';
import { identityOf, type AuditSink, type KubernetesPort } from './ports.js';
import { deleteObjects, revokeEvent, revokeLeases } from './revoke.js';

export interface GcDeps {
  connect(context: string | undefined): Promise<KubernetesPort>;
  audit?: AuditSink;
  localLeases(): Promise<{ leases: LeaseRecord[]; unreadable: string[] }>;
  deleteLease(id: string): Promise<unknown>;
  now(): Date;
}

export interface GcOptions {
  dryRun: boolean;
  /** Orphans and unfinished issuances younger than this are left alone (they may be in flight). */
  graceMs: number;
  /** Only this machine's expired records (revoked through them); no cluster-wide listing. */
  localOnly: boolean;
}

export interface GcReport {
  leases: { id: string; reason: GcReason; objects: number }[];
  deleted: number;
  alreadyGone: number;
  prunedRecords: number;
  failures: string[];
}

/** Leases deleted at once; each deletes its few objects concurrently. */
const LEASE_CONCURRENCY = 16;

export async function collectGarbage(deps: GcDeps, options: GcOptions): Promise<GcReport> {
  const now = deps.now();
  const report: GcReport = { leases: [], deleted: 0, alreadyGone: 0, prunedRecords: 0, failures: [] };
  const { leases: records, unreadable } = await deps.localLeases();
  report.failures.push(...unreadable);
  const expiredRecords = records.filter((lease) => isExpired(lease, now));

  if (options.localOnly) {
    report.leases = expiredRecords.map((lease) => ({ id: lease.id, reason: 'expired', objects: lease.objects.length }));
    if (options.dryRun) return report;
    for (const outcome of await revokeLeases(deps, expiredRecords)) {
      report.deleted += outcome.deleted;
      report.alreadyGone += outcome.alreadyGone;
      report.failures.push(...outcome.failures);
      if (outcome.failures.length === 0) report.prunedRecords++;
    }
    return report;
  }

  const kube = await deps.connect(undefined);
  const doomed = groupLeases(await kube.listManaged(MANAGED_SELECTOR)).flatMap((lease) => {
    const reason = gcReason(lease, now, options.graceMs);
    return reason ? [{ lease, reason }] : [];
  });
  report.leases = doomed.map(({ lease, reason }) => ({ id: lease.id, reason, objects: lease.objects.length }));
  const doomedIds = new Set(report.leases.map((lease) => lease.id));
  // Records of other clusters are left to a gc run against those clusters.
  const prunable = records.filter((lease) => doomedIds.has(lease.id) || (lease.context === kube.issuer.context && isExpired(lease, now)));
  if (options.dryRun) {
    report.prunedRecords = prunable.length;
    return report;
  }
  const identity = identityOf(kube.issuer);
  const events: AuditEvent[] = [];
  const unfinished = new Set<string>();
  await forEachLimited(doomed, LEASE_CONCURRENCY, async ({ lease }) => {
    const outcome = { lease: recordFromCluster(lease, kube.issuer.context, kube.issuer.server), ...(await deleteObjects(kube, lease.objects)) };
    report.deleted += outcome.deleted;
    report.alreadyGone += outcome.alreadyGone;
    report.failures.push(...outcome.failures);
    // A lease gc could not fully delete keeps its record, as revoke does, for the next run.
    if (outcome.failures.length > 0) unfinished.add(lease.id);
    events.push(revokeEvent(outcome, identity, now, 'gc'));
  });
  await deps.audit?.(events);
  for (const lease of prunable.filter((record) => !unfinished.has(record.id))) {
    await deps.deleteLease(lease.id);
    report.prunedRecords++;
  }
  return report;
}
