// Revocation: delete exactly what a lease created (never a pre-existing ServiceAccount
// or Role), through the one delete path (./delete-objects.ts): an object already gone is
// counted as gone, not as a failure, so a retry is safe — and a lease none of whose objects
// was left to delete is "not found". A lease is revoked through its own kubeconfig and
// context, and only on the cluster it was issued on: elsewhere a 404 would prove nothing.
// Every failure is reported, and a lease whose objects could not all be deleted keeps its
// record for the next try. Leases are found by ./leases.ts, so revocation works from any machine.

import { invalidInput } from '../core/errors.js';
import { clusterMismatch, isExpired, type LeaseRecord } from '../core/lease.js';
import { describeRef } from '../core/object-ref.js';
import { forEachLimited } from './concurrency.js';
import { deleteLeaseObjects, type Deletion } from './delete-objects.js';
import { findLeases, type LeaseSources, type LeaseTarget } from './leases.js';
import type { AuditEvent } from '../core/audit.js';
import { identityOf, type AuditSink, type KubernetesPort } from './ports.js';
import type { RequesterPort } from './request-lease.js';

export interface RevokeOutcome extends Deletion {
  lease: LeaseRecord;
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
  /** Connects as a delegated lease's requester: its CredentialRequest is deleted, and the controller revokes the lease. */
  connectRequester?(context: string | undefined, kubeconfig?: string): Promise<Pick<RequesterPort, 'requester' | 'delete' | 'get' | 'waitFor'>>;
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
  for (const lease of leases.filter((each) => each.request)) {
    if (!(options.expiredOnly && !isExpired(lease, deps.now()))) outcomes.push(await revokeRequest(deps, lease));
  }
  for (const lease of leases.filter((each) => !each.request)) {
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

/** A delegated lease: its request deleted by uid, as the requester (the controller's finalizer revokes what it created). */
const REQUEST_REVOKE_WAIT_MS = 60_000;

async function requestGone(api: Pick<RequesterPort, 'get' | 'waitFor'>, ref: NonNullable<LeaseRecord['request']>): Promise<'gone' | 'timeout'> {
  const current = await api.get(ref);
  if (!current) return 'gone';
  const waited = await api.waitFor(ref, current.metadata.resourceVersion ?? '0', () => undefined, REQUEST_REVOKE_WAIT_MS);
  return waited === 'gone' ? 'gone' : 'timeout';
}

async function revokeRequest(deps: RevokeDeps, lease: LeaseRecord): Promise<RevokeOutcome> {
  if (!deps.connectRequester) return failed(lease, 'a delegated lease (its CredentialRequest is revoked by deleting it): revoke it with kubectl tempcreds revoke');
  try {
    const api = await deps.connectRequester(lease.context, lease.kubeconfig);
    const mismatch = clusterMismatch(lease, api.requester);
    if (mismatch) return failed(lease, mismatch);
    const deleted = (await api.delete(lease.request!)) === 'deleted';
    // The request stays until the controller has revoked the lease (its finalizer): revoked means revoked.
    if (deleted && (await requestGone(api, lease.request!)) !== 'gone') {
      return failed(lease, `CredentialRequest ${lease.request!.namespace}/${lease.request!.name} is deleted, but no controller finished revoking its lease within ${REQUEST_REVOKE_WAIT_MS / 1000}s (is it running? see kubectl tempcreds doctor --delegated); it will when one runs`);
    }
    await deps.deleteLease(lease.id);
    await deps.audit?.([{ ...revokeEvent({ lease, deleted: 0, alreadyGone: 0, replaced: [], failures: [] }, lease.issuedBy, deps.now(), 'revoke'), objects: [`CredentialRequest ${lease.request!.namespace}/${lease.request!.name}`] }]);
    return { lease, deleted: deleted ? 1 : 0, alreadyGone: deleted ? 0 : 1, replaced: [], failures: [] };
  } catch (error) {
    return failed(lease, (error as Error).message);
  }
}

async function revokeOne(kube: KubernetesPort, deps: RevokeDeps, lease: LeaseRecord): Promise<RevokeOutcome> {
  const outcome = { lease, ...(await deleteLeaseObjects(kube, lease.objects)) };
  if (outcome.failures.length === 0) await deps.deleteLease(lease.id);
  return outcome;
}
