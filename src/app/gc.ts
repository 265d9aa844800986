// Garbage collection: the objects of expired leases and of issuances a crash left unfinished
// — found by label and proven by their anchor in the cluster, so it works from any machine and
// from two at once (a NotFound is success) — plus expired local records. Expiry is decided by
// the API server's clock: a machine whose clock runs fast collects nothing live.

import type { AuditEvent } from '../core/audit.js';
import { gcReason, groupLeases, indexAnchors, isAnchorCandidate, provenance, recordFromCluster, unlistedProblem, type AnchorIndex, type ClusterLease, type GcReason } from '../core/cluster-leases.js';
import { anchorCompactor } from '../core/compact-anchor.js';
import { EXPIRES_AT_ANNOTATION, MANAGED_SELECTOR, clusterMismatch, isExpired, issuedOn, type LeaseRecord, type ManagedObject } from '../core/lease.js';
import { forEachLimited } from './concurrency.js';
import { identityOf, type AuditSink, type KubernetesPort } from './ports.js';
import { managedPages, knownNamespaces, type KnownNamespaces } from './lease-discovery.js';
import { deleteLeaseObjects } from './delete-objects.js';
import { revokeEvent, revokeLeases } from './revoke.js';

export interface GcDeps {
  connect(context: string | undefined, kubeconfig?: string): Promise<KubernetesPort>;
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
  /** Objects labelled as leases that no anchor vouches for, and what was not searched (an issuer that may not list across all namespaces): left alone. */
  warnings: string[];
}

/** Leases deleted at once; each deletes its few objects concurrently. */
const LEASE_CONCURRENCY = 16;
/** Lease keys grouped and collected at a time after the last page. */
const COLLECT_BATCH = 500;
/** Audit events are appended as they accumulate: held to the end, 10 000 leases' events and their one text cost ~10 MB. */
const AUDIT_BATCH = 256;

export async function collectGarbage(deps: GcDeps, options: GcOptions): Promise<GcReport> {
  const report: GcReport = { leases: [], deleted: 0, alreadyGone: 0, prunedRecords: 0, failures: [], warnings: [] };
  const { leases: records, unreadable } = await deps.localLeases();
  report.failures.push(...unreadable);
  if (options.localOnly) return collectLocal(deps, records, options, report);

  const kube = await deps.connect(undefined);
  const now = await kube.serverNow();
  const collector = collectorFor(kube, now, options, report, deps.audit);
  report.warnings = await sweep(kube, now, knownNamespaces(kube, records, deps.searchNamespaces), collector, options.graceMs);
  report.leases = [...collector.collected.values()].map(({ id, reason, objects }) => ({ id, reason, objects }));
  // Records of other clusters (whatever their context is called) are left to a gc run against
  // those clusters; a lease gc could not fully delete keeps its record, as revoke does, for the next run.
  const prunable = records.filter((lease) => !clusterMismatch(lease, kube.issuer) && (collector.collected.has(keyOf(lease)) || isExpired(lease, now)));
  if (options.dryRun) {
    report.prunedRecords = prunable.length;
    return report;
  }
  for (const lease of prunable.filter((record) => !collector.collected.get(keyOf(record))?.failed)) {
    await deps.deleteLease(lease.id);
    report.prunedRecords++;
  }
  return report;
}

/**
 * --local: the local clock only preselects (no API call when nothing looks expired); each
 * lease's API server confirms before anything is revoked.
 */
async function collectLocal(deps: GcDeps, records: LeaseRecord[], options: GcOptions, report: GcReport): Promise<GcReport> {
  const candidates = records.filter((lease) => isExpired(lease, deps.now()));
  report.leases = candidates.map((lease) => ({ id: lease.id, reason: 'expired', objects: lease.objects.length }));
  if (options.dryRun) return report;
  const outcomes = await revokeLeases(deps, candidates, { expiredOnly: true });
  const live = new Set(outcomes.filter((outcome) => outcome.live).map((outcome) => outcome.lease.id));
  report.leases = report.leases.filter((lease) => !live.has(lease.id));
  for (const outcome of outcomes.filter((outcome) => !outcome.live)) {
    report.deleted += outcome.deleted;
    report.alreadyGone += outcome.alreadyGone + outcome.replaced.length;
    report.failures.push(...outcome.failures);
    if (outcome.failures.length === 0) report.prunedRecords++;
  }
  return report;
}

/** A lease by namespace and id (a copied id in another namespace is another lease); one flat string, as formatLeaseId's. */
const keyOf = ({ namespace, id }: { namespace?: string; id: string }) => [namespace, id].join(' ');
const leaseKey = (lease: ClusterLease) => keyOf({ namespace: lease.anchor.namespace, id: lease.id });

interface Collector {
  /** A few numbers per collected lease; with the anchors' metadata, all gc keeps however many objects expired. */
  collected: Map<string, { id: string; reason: GcReason; objects: number; failed: boolean }>;
  /** The cluster-scoped kinds this issuer may not list, learnt page by page (before the ServiceAccounts: LISTING_ORDER). */
  unlisted: string[];
  collect(doomed: { lease: ClusterLease; reason: GcReason }[]): Promise<void>;
}

function collectorFor(kube: KubernetesPort, now: Date, options: GcOptions, report: GcReport, audit: AuditSink | undefined): Collector {
  const collected: Collector['collected'] = new Map();
  const unlisted: string[] = [];
  const identity = identityOf(kube.issuer);
  // A lease that failed (or that plans a kind the issuer may not list) keeps what is left of it,
  // anchor included, whichever page it shows up on next.
  const collect = async (doomed: { lease: ClusterLease; reason: GcReason }[]) => {
    const acting: ClusterLease[] = [];
    for (const { lease, reason } of doomed) {
      const known = collected.get(leaseKey(lease)) ?? { id: lease.id, reason, objects: 0, failed: false };
      collected.set(leaseKey(lease), known);
      known.objects += lease.objects.length;
      const refused = known.failed ? undefined : (lease.refused ?? unlistedProblem(lease.anchor, unlisted, kube.issuer.context));
      if (refused) report.failures.push(refused);
      known.failed ||= refused !== undefined;
      if (!known.failed) acting.push(lease);
    }
    if (options.dryRun) return;
    const events: AuditEvent[] = [];
    await forEachLimited(acting, LEASE_CONCURRENCY, async (lease) => {
      const outcome = { lease: recordFromCluster(lease, issuedOn(kube.issuer)), ...(await deleteLeaseObjects(kube, lease.objects)) };
      report.deleted += outcome.deleted;
      report.alreadyGone += outcome.alreadyGone + outcome.replaced.length;
      report.failures.push(...outcome.failures);
      if (outcome.failures.length > 0) collected.get(keyOf(outcome.lease))!.failed = true;
      events.push(revokeEvent(outcome, identity, now, 'gc'));
      if (events.length >= AUDIT_BATCH) await audit?.(events.splice(0));
    });
    await audit?.(events);
  };
  return { collected, unlisted, collect };
}

/**
 * Takes out of the index the anchors that are their lease key's only claimant and vouched for
 * nothing listed (a lease of an existing ServiceAccount has no other object): their uids.
 * Held from their page to the end, they were most of a large run's memory (10 000: ~6 MB).
 */
function takeLoneAnchors(anchors: AnchorIndex, owning: ReadonlySet<ManagedObject>): Set<string> {
  const lone = new Set<string>();
  for (const [key, [anchor, ...copies]] of anchors.byLease) {
    if (!anchor?.uid || copies.length > 0 || owning.has(anchor)) continue;
    lone.add(anchor.uid);
    anchors.byLease.delete(key);
    anchors.byUid.delete(anchor.uid);
  }
  return lone;
}

/**
 * Anchors are listed first (Secrets), so each member's anchor is known when the member is
 * listed: a member of an expired lease is deleted (and audited) on its page, so a lease whose
 * objects span kinds may get an audit event per kind. Anchors go last, once their members
 * are gone, so a lease gc could not fully delete keeps the anchor that proves its objects.
 * Anchors alone in their lease (takeLoneAnchors) are not held for that: the Secrets are listed
 * again at the end. Returns the warnings: objects no anchor vouches for, namespaces not searched.
 */
async function sweep(kube: KubernetesPort, now: Date, known: KnownNamespaces, collector: Collector, graceMs: number): Promise<string[]> {
  const anchors: AnchorIndex = indexAnchors([]);
  const compact = anchorCompactor();
  const warnings = new Set<string>();
  /** Members of unexpired leases, by the anchor that vouched for them: grouped with it after the last page. */
  const unexpired = new Map<ManagedObject, ManagedObject[]>();
  /** Anchors that vouched for a member on some page: a copy of one owns nothing (see groupLeases). */
  const owning = new Set<ManagedObject>();
  for await (const { objects: page, unlisted: forbidden } of managedPages(kube, MANAGED_SELECTOR, known, (warning) => warnings.add(warning))) {
    collector.unlisted.push(...forbidden);
    // Anchors are held until after the last page, and compactly: their page's objects go with it.
    indexAnchors(page.filter(isAnchorCandidate).map(compact), anchors);
    const expired: ManagedObject[] = [];
    for (const object of page.filter((object) => !isAnchorCandidate(object))) {
      const found = provenance(object, anchors);
      if ('problem' in found) warnings.add(found.problem);
      else {
        owning.add(found.anchor);
        if (isExpired({ expiresAt: found.anchor.annotations[EXPIRES_AT_ANNOTATION] ?? '' }, now)) expired.push(object);
        else unexpired.set(found.anchor, [...(unexpired.get(found.anchor) ?? []), object]);
      }
    }
    const grouped = groupLeases(expired, anchors, owning);
    grouped.warnings.forEach((warning) => warnings.add(warning));
    await collector.collect(grouped.leases.map((lease) => ({ lease, reason: 'expired' })));
  }
  const collectAfterPages = async (objects: ManagedObject[], index: AnchorIndex) => {
    const last = groupLeases(objects, index, owning);
    last.warnings.forEach((warning) => warnings.add(warning));
    await collector.collect(
      last.leases.flatMap((lease) => {
        const reason = gcReason(lease, now, graceMs);
        return reason ? [{ lease, reason }] : [];
      }),
    );
  };
  const lone = takeLoneAnchors(anchors, owning);
  // Then the other anchors, COLLECT_BATCH lease keys at a time: every anchor of a key (copies too) with its
  // members, so each batch groups as one call over all would; a batch's part of the index goes
  // once it is collected.
  const keys = [...anchors.byLease.keys()];
  for (let start = 0; start < keys.length; start += COLLECT_BATCH) {
    const batchKeys = keys.slice(start, start + COLLECT_BATCH);
    const batch = batchKeys.flatMap((key) => anchors.byLease.get(key) ?? []);
    await collectAfterPages([...batch, ...batch.flatMap((anchor) => unexpired.get(anchor) ?? [])], anchors);
    batchKeys.forEach((key) => anchors.byLease.delete(key));
    for (const anchor of batch) {
      if (anchor.uid) anchors.byUid.delete(anchor.uid);
      unexpired.delete(anchor);
      owning.delete(anchor);
    }
  }
  // The lone anchors by their uids, from the Secrets listed again, each page's alone: all their
  // lease showed was them, so each groups alone as it would with the rest (one changed since, or
  // claiming a key with another now, is judged as it is now; one gone or new is not touched).
  if (lone.size === 0) return [...warnings];
  const pages = managedPages(kube, MANAGED_SELECTOR, known, (warning) => warnings.add(warning), ['Secret'])[Symbol.asyncIterator]();
  // The next page is asked for before this one's deletes, so listing again costs little time; its
  // failure is handled where it is awaited (the catch only keeps it from counting as unhandled).
  let next = pages.next();
  for (let page = await next; !page.done; page = await next) {
    next = pages.next();
    next.catch(() => undefined);
    const again = page.value.objects.filter((object) => object.uid !== undefined && lone.delete(object.uid) && isAnchorCandidate(object));
    await collectAfterPages(again, indexAnchors(again));
  }
  return [...warnings];
}
