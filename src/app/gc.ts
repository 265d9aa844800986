// Garbage collection: the objects of expired leases, orphans whose anchor is gone, and
// issuances a crash left unfinished — found by label in the cluster, so it works from any
// machine and from two at once (a NotFound is success) — plus expired local records.

import type { AuditEvent } from '../core/audit.js';
import { gcReason, groupLeases, objectExpired, recordFromCluster, type ClusterLease, type GcReason } from '../core/cluster-leases.js';
import { MANAGED_SELECTOR, isExpired, type LeaseRecord, type ManagedObject } from '../core/lease.js';
import { forEachLimited } from './concurrency.js';
import { identityOf, type AuditSink, type KubernetesPort } from './ports.js';
import { managedPages, knownNamespaces } from './lease-discovery.js';
import { deleteObjects, revokeEvent, revokeLeases } from './revoke.js';

export interface GcDeps {
  connect(context: string | undefined): Promise<KubernetesPort>;
  audit?: AuditSink;
  localLeases(): Promise<{ leases: LeaseRecord[]; unreadable: string[] }>;
  deleteLease(id: string): Promise<unknown>;
  /** Namespaces to search besides the records' when the issuer (this context) may not list across all: its roles' allowed namespaces, -n. */
  searchNamespaces?(context: string): Promise<string[]>;
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
  /** What was not searched (an issuer that may not list across all namespaces); absent when all was. */
  warnings?: string[];
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
  const identity = identityOf(kube.issuer);
  /** Only a few numbers per lease are kept: memory stays flat however many expired. */
  const collected = new Map<string, { reason: GcReason; objects: number; failed: boolean }>();
  const collect = async (doomed: { lease: ClusterLease; reason: GcReason }[]) => {
    for (const { lease, reason } of doomed) {
      const known = collected.get(lease.id);
      if (known) known.objects += lease.objects.length;
      else collected.set(lease.id, { reason, objects: lease.objects.length, failed: false });
    }
    if (options.dryRun) return;
    const events: AuditEvent[] = [];
    await forEachLimited(doomed, LEASE_CONCURRENCY, async ({ lease }) => {
      const outcome = { lease: recordFromCluster(lease, kube.issuer.context, kube.issuer.server), ...(await deleteObjects(kube, lease.objects)) };
      report.deleted += outcome.deleted;
      report.alreadyGone += outcome.alreadyGone;
      report.failures.push(...outcome.failures);
      if (outcome.failures.length > 0) collected.get(lease.id)!.failed = true;
      events.push(revokeEvent(outcome, identity, now, 'gc'));
    });
    await deps.audit?.(events);
  };

  // Expired objects are deleted (and audited) page by page as they are listed — each carries
  // its lease's expiry — so a lease whose objects span kinds may get an audit event per kind.
  // Only live leases' objects are kept, to find orphans and unfinished issuances at the end.
  const unexpired: ManagedObject[] = [];
  for await (const page of managedPages(kube, MANAGED_SELECTOR, knownNamespaces(kube, records, deps.searchNamespaces), (warning) => (report.warnings = [...(report.warnings ?? []), warning]))) {
    const expired: ManagedObject[] = [];
    for (const object of page) (objectExpired(object, now) ? expired : unexpired).push(object);
    await collect(groupLeases(expired).map((lease) => ({ lease, reason: 'expired' })));
  }
  await collect(
    groupLeases(unexpired).flatMap((lease) => {
      const reason = gcReason(lease, now, options.graceMs);
      return reason ? [{ lease, reason }] : [];
    }),
  );

  report.leases = [...collected].map(([id, { reason, objects }]) => ({ id, reason, objects }));
  // Records of other clusters are left to a gc run against those clusters; a lease gc could
  // not fully delete keeps its record, as revoke does, for the next run.
  const prunable = records.filter((lease) => collected.has(lease.id) || (lease.context === kube.issuer.context && isExpired(lease, now)));
  if (options.dryRun) {
    report.prunedRecords = prunable.length;
    return report;
  }
  for (const lease of prunable.filter((record) => !collected.get(record.id)?.failed)) {
    await deps.deleteLease(lease.id);
    report.prunedRecords++;
  }
  return report;
}
