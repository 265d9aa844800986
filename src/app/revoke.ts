// Revocation: delete exactly what a lease created (never a pre-existing ServiceAccount
// or Role), with plain background deletes; objects already gone count as deleted, so a
// retry is always safe. Every failure is reported, and a lease whose objects could not
// all be deleted keeps its record for the next try. Leases are found in the local
// records and in the cluster (by label), so revocation works from any machine.

import { groupLeases, recordFromCluster } from '../core/cluster-leases.js';
import { invalidInput } from '../core/errors.js';
import { MANAGED_SELECTOR, leaseSelector, parseLeaseId, roleSelector, describeRef, type LeaseRecord, type ObjectRef } from '../core/lease.js';
import { forEachLimited } from './concurrency.js';
import { findManaged, knownNamespaces } from './lease-discovery.js';
import type { AuditEvent } from '../core/audit.js';
import { identityOf, type AuditSink, type KubernetesPort } from './ports.js';

export interface RevokeOutcome {
  lease: LeaseRecord;
  deleted: number;
  alreadyGone: number;
  failures: string[];
}

export interface RevokeDeps {
  connect(context: string | undefined): Promise<KubernetesPort>;
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
    const wanted = groupLeases(listed.objects).filter((clusterLease) => !('id' in target) || clusterLease.id === target.id);
    for (const clusterLease of wanted) {
      const known = found.get(clusterLease.id);
      if (known) known.where = 'local+cluster';
      else found.set(clusterLease.id, { lease: recordFromCluster(clusterLease, kube.issuer.context, kube.issuer.server), where: 'cluster' });
    }
  }
  return { found: [...found.values()].sort((a, b) => a.lease.id.localeCompare(b.lease.id)), warnings };
}

export async function leasesToRevoke(deps: LeaseSources, target: LeaseTarget): Promise<{ leases: LeaseRecord[]; warnings: string[] }> {
  const { found, warnings } = await findLeases(deps, target);
  if ('id' in target && found.length === 0) {
    // The warnings say what could not be searched (unreadable records, namespaces an issuer may not list).
    throw invalidInput([`lease "${target.id}" is neither recorded here nor found in the cluster (see: kubectl tempcreds lease list)`, ...warnings].join('; '));
  }
  return { leases: found.map(({ lease }) => lease), warnings };
}

const LEASE_CONCURRENCY = 16;

/** Revokes through each lease's own issuer context, unless `context` overrides it. */
export async function revokeLeases(deps: RevokeDeps, leases: LeaseRecord[], context?: string): Promise<RevokeOutcome[]> {
  const outcomes: RevokeOutcome[] = [];
  const byContext = new Map<string, LeaseRecord[]>();
  for (const lease of leases) {
    const issuerContext = context ?? lease.context;
    byContext.set(issuerContext, [...(byContext.get(issuerContext) ?? []), lease]);
  }
  for (const [issuerContext, group] of byContext) {
    let kube: KubernetesPort;
    try {
      kube = await deps.connect(issuerContext);
    } catch (error) {
      outcomes.push(...group.map((lease) => ({ lease, deleted: 0, alreadyGone: 0, failures: [(error as Error).message] })));
      continue;
    }
    const revoked: RevokeOutcome[] = [];
    await forEachLimited(group, LEASE_CONCURRENCY, async (lease) => {
      revoked.push(await revokeOne(kube, deps, lease));
    });
    outcomes.push(...revoked);
    await deps.audit?.(revoked.map((outcome) => revokeEvent(outcome, identityOf(kube.issuer), deps.now(), 'revoke')));
  }
  await deps.evictTokens?.(outcomes.filter((outcome) => outcome.failures.length === 0).map((outcome) => outcome.lease));
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

/** Deletes objects concurrently; counts what was deleted and what was already gone. */
export async function deleteObjects(kube: KubernetesPort, objects: ObjectRef[]): Promise<Omit<RevokeOutcome, 'lease'>> {
  const outcome = { deleted: 0, alreadyGone: 0, failures: [] as string[] };
  await Promise.all(
    objects.map(async (ref) => {
      try {
        (await kube.delete(ref)) === 'deleted' ? outcome.deleted++ : outcome.alreadyGone++;
      } catch (error) {
        outcome.failures.push((error as Error).message);
      }
    }),
  );
  return outcome;
}

async function revokeOne(kube: KubernetesPort, deps: RevokeDeps, lease: LeaseRecord): Promise<RevokeOutcome> {
  // Deletions do not depend on each other: all at once.
  const outcome = { lease, ...(await deleteObjects(kube, [...lease.objects].reverse())) };
  if (outcome.failures.length === 0) await deps.deleteLease(lease.id);
  return outcome;
}
