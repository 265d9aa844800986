// Revocation: delete exactly what a lease created (never a pre-existing ServiceAccount
// or Role), with plain background deletes; objects already gone count as deleted, so a
// retry is always safe. Every failure is reported, and a lease whose objects could not
// all be deleted keeps its record for the next try.

import type { LeaseRecord, ObjectRef } from '../core/lease.js';
import type { KubernetesPort } from './ports.js';

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
    const queue = [...group];
    const worker = async () => {
      for (let lease = queue.shift(); lease; lease = queue.shift()) outcomes.push(await revokeOne(kube, deps, lease));
    };
    await Promise.all(Array.from({ length: Math.min(LEASE_CONCURRENCY, group.length) }, worker));
  }
  await deps.evictTokens?.(outcomes.filter((outcome) => outcome.failures.length === 0).map((outcome) => outcome.lease));
  return outcomes;
}

async function revokeOne(kube: KubernetesPort, deps: RevokeDeps, lease: LeaseRecord): Promise<RevokeOutcome> {
  const outcome: RevokeOutcome = { lease, deleted: 0, alreadyGone: 0, failures: [] };
  // Deletions do not depend on each other: all at once.
  await Promise.all(
    [...lease.objects].reverse().map(async (ref: ObjectRef) => {
      try {
        (await kube.delete(ref)) === 'deleted' ? outcome.deleted++ : outcome.alreadyGone++;
      } catch (error) {
        outcome.failures.push((error as Error).message);
      }
    }),
  );
  if (outcome.failures.length === 0) await deps.deleteLease(lease.id);
  return outcome;
}
