// Revocation: delete exactly what a lease created (never a pre-existing ServiceAccount
// or Role), with background deletes bound to each object's uid; objects already gone count
// as deleted, so a retry is always safe. A lease is revoked through its own kubeconfig and
// context, and only on the cluster it was issued on: elsewhere a 404 would prove nothing.
// Every failure is reported, and a lease whose objects could not all be deleted keeps its
// record for the next try. Leases are found in the local records and in the cluster (by
// label and provenance), so revocation works from any machine.

import { groupLeases, oneLeasePerId, recordFromCluster, unlistedProblem } from '../core/cluster-leases.js';
import { invalidInput } from '../core/errors.js';
import { MANAGED_SELECTOR, clusterMismatch, deletionRounds, isExpired, issuedOn, leaseSelector, parseLeaseId, roleSelector, describeRef, type LeaseRecord, type ObjectRef } from '../core/lease.js';
import { forEachLimited } from './concurrency.js';
import { findManaged, knownNamespaces } from './lease-discovery.js';
import type { AuditEvent } from '../core/audit.js';
import { identityOf, type AuditSink, type KubernetesPort } from './ports.js';

export interface RevokeOutcome {
  lease: LeaseRecord;
  deleted: number;
  alreadyGone: number;
  /** Objects whose name another object (another uid) now has: that one is left alone. */
  replaced: string[];
  failures: string[];
  /** Not revoked, and not failed: the lease is still live by the API server's clock. */
  live?: true;
}

/** Revoked without deleting anything: every object was already gone (or replaced). */
export function notFound(outcome: RevokeOutcome): boolean {
  return outcome.failures.length === 0 && !outcome.live && outcome.deleted === 0;
}

export interface RevokeDeps {
  /** Connects as the issuer of `context` in `kubeconfig` (the default one when undefined). */
  connect(context: string | undefined, kubeconfig?: string): Promise<KubernetesPort>;
  deleteLease(id: string): Promise<unknown>;
  /** Drops cached tokens of revoked leases, so they are never served again. */
  evictTokens?(leases: LeaseRecord[]): Promise<void>;
  audit?: AuditSink;
  now(): Date;
}

export type LeaseTarget = { id: string } | { role: string } | { all: true };

export interface LeaseSources {
  connect(context: string | undefined): Promise<KubernetesPort>;
  localLeases(role?: string): Promise<{ leases: LeaseRecord[]; unreadable: string[] }>;
  /** Namespaces to search besides the records' when the issuer (this context) may not list across all: its roles' allowed namespaces, -n. */
  searchNamespaces?(context: string): Promise<string[]>;
}

export interface FoundLease {
  lease: LeaseRecord;
  /** Where it was found: this machine's records, the cluster's labels, or both. */
  where: 'local' | 'cluster' | 'local+cluster';
  /** Why this issuer cannot revoke it whole (found in the cluster only): it is left alone. */
  refused?: string;
}

/** Local records and the leases the cluster's labels show, merged by id (the local record wins). */
export async function findLeases(deps: LeaseSources, target: LeaseTarget, options: { cluster: boolean } = { cluster: true }): Promise<{ found: FoundLease[]; warnings: string[] }> {
  const role = 'role' in target ? target.role : 'id' in target ? parseLeaseId(target.id).role : undefined;
  const { leases, unreadable } = await deps.localLeases(role);
  const local = 'id' in target ? leases.filter((lease) => lease.id === target.id) : leases;
  const found = new Map<string, FoundLease>(local.map((lease) => [lease.id, { lease, where: 'local' }]));
  const warnings = [...unreadable];
  if (options.cluster) {
    const kube = await deps.connect(undefined);
    const selector = 'id' in target ? leaseSelector(parseLeaseId(target.id)) : 'role' in target ? roleSelector(target.role) : MANAGED_SELECTOR;
    const listed = await findManaged(kube, selector, knownNamespaces(kube, leases, deps.searchNamespaces));
    warnings.push(...listed.warnings);
    const grouped = groupLeases(listed.objects);
    warnings.push(...grouped.warnings);
    const wanted = grouped.leases.filter((clusterLease) => !('id' in target) || clusterLease.id === target.id);
    const perId = oneLeasePerId(wanted);
    warnings.push(...perId.warnings);
    for (const clusterLease of perId.leases) {
      const known = found.get(clusterLease.id);
      if (known) known.where = known.where === 'local' ? 'local+cluster' : known.where;
      else {
        const refused = clusterLease.refused ?? unlistedProblem(clusterLease.anchor, listed.unlisted, kube.issuer.context);
        found.set(clusterLease.id, { lease: recordFromCluster(clusterLease, issuedOn(kube.issuer)), where: 'cluster', ...(refused ? { refused } : {}) });
      }
    }
  }
  return { found: [...found.values()].sort((a, b) => a.lease.id.localeCompare(b.lease.id)), warnings };
}

const failed = (lease: LeaseRecord, failure: string): RevokeOutcome => ({ lease, deleted: 0, alreadyGone: 0, replaced: [], failures: [failure] });

/** The leases to revoke, and those this issuer cannot revoke whole, as failed outcomes (nothing of them is deleted). */
export async function leasesToRevoke(deps: LeaseSources, target: LeaseTarget): Promise<{ leases: LeaseRecord[]; refused: RevokeOutcome[]; warnings: string[] }> {
  const { found, warnings } = await findLeases(deps, target);
  if ('id' in target && found.length === 0) {
    // The warnings say what could not be searched (unreadable records, namespaces an issuer may not list).
    throw invalidInput([`lease "${target.id}" is neither recorded here nor found in the cluster (see: kubectl tempcreds lease list)`, ...warnings].join('; '));
  }
  return {
    leases: found.flatMap(({ lease, refused }) => (refused ? [] : [lease])),
    refused: found.flatMap(({ lease, refused }) => (refused ? [failed(lease, refused)] : [])),
    warnings,
  };
}

const LEASE_CONCURRENCY = 16;

/**
 * Revokes each lease through its own kubeconfig and context (which the global --kubeconfig and
 * --context may override), and only where that issuer's cluster is the lease's. `expiredOnly`
 * (gc) leaves leases alone that are still live by the API server's clock.
 */
export async function revokeLeases(deps: RevokeDeps, leases: LeaseRecord[], options: { expiredOnly?: boolean } = {}): Promise<RevokeOutcome[]> {
  const outcomes: RevokeOutcome[] = [];
  const byIssuer = new Map<string, LeaseRecord[]>();
  for (const lease of leases) {
    const key = JSON.stringify([lease.kubeconfig ?? '', lease.context]);
    byIssuer.set(key, [...(byIssuer.get(key) ?? []), lease]);
  }
  for (const group of byIssuer.values()) {
    let kube: KubernetesPort;
    let now: Date | undefined;
    try {
      kube = await deps.connect(group[0]!.context, group[0]!.kubeconfig);
      if (options.expiredOnly) now = await kube.serverNow();
    } catch (error) {
      outcomes.push(...group.map((lease) => failed(lease, (error as Error).message)));
      continue;
    }
    const revoked: RevokeOutcome[] = [];
    await forEachLimited(group, LEASE_CONCURRENCY, async (lease) => {
      const mismatch = clusterMismatch(lease, kube.issuer);
      if (mismatch) revoked.push(failed(lease, mismatch));
      else if (now && !isExpired(lease, now)) outcomes.push({ lease, deleted: 0, alreadyGone: 0, replaced: [], failures: [], live: true });
      else revoked.push(await revokeOne(kube, deps, lease));
    });
    outcomes.push(...revoked);
    await deps.audit?.(revoked.map((outcome) => revokeEvent(outcome, identityOf(kube.issuer), deps.now(), 'revoke')));
  }
  await deps.evictTokens?.(outcomes.filter((outcome) => outcome.failures.length === 0 && !outcome.live).map((outcome) => outcome.lease));
  return outcomes;
}

export function revokeEvent({ lease, failures }: RevokeOutcome, identity: string, now: Date, action: 'revoke' | 'gc'): AuditEvent {
  return {
    time: now.toISOString(),
    action,
    identity,
    role: lease.role,
    namespace: lease.namespace,
    leaseId: lease.id,
    objects: lease.objects.map(describeRef),
    outcome: failures.length === 0 ? 'ok' : 'failed',
    ...(failures.length > 0 ? { error: failures.join('; ') } : {}),
  };
}

/**
 * Deletes objects in deletion rounds (bindings, then roles and the ServiceAccount, then the
 * anchor), each round's concurrently, and no round after one that failed; counts what was
 * deleted, already gone, or replaced by another.
 */
export async function deleteObjects(kube: KubernetesPort, objects: ObjectRef[]): Promise<Omit<RevokeOutcome, 'lease'>> {
  const outcome = { deleted: 0, alreadyGone: 0, replaced: [] as string[], failures: [] as string[] };
  const rounds = deletionRounds(objects);
  for (const [index, round] of rounds.entries()) {
    if (outcome.failures.length > 0) {
      const kept = rounds.slice(index).flat().map(describeRef).join(', ');
      outcome.failures.push(`kept ${kept}, the anchor still proving what is left (while it and the ServiceAccount stay, the lease's token works): fix the failure above (cluster-scoped objects need an issuer set up with --cluster-scoped) and run the same command again`);
      break;
    }
    await Promise.all(
      round.map(async (ref) => {
        try {
          const result = await kube.delete(ref);
          if (result === 'deleted') outcome.deleted++;
          else if (result === 'absent') outcome.alreadyGone++;
          else outcome.replaced.push(describeRef(ref));
        } catch (error) {
          outcome.failures.push((error as Error).message);
        }
      }),
    );
  }
  return outcome;
}

async function revokeOne(kube: KubernetesPort, deps: RevokeDeps, lease: LeaseRecord): Promise<RevokeOutcome> {
  const outcome = { lease, ...(await deleteObjects(kube, lease.objects)) };
  if (outcome.failures.length === 0) await deps.deleteLease(lease.id);
  return outcome;
}
