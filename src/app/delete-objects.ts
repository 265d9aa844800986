// The one way the tool deletes what a lease created — revoke, gc and an issuance's rollback
// alike: a background delete bound to the object's uid, where an object already gone counts as
// gone (so a retry is safe) and one another object replaced is left alone and named.

import { deletionRounds } from '../core/lease.js';
import { describeRef, type ObjectRef } from '../core/object-ref.js';
import type { KubernetesPort } from './ports.js';

export interface Deletion {
  deleted: number;
  alreadyGone: number;
  /** Objects whose name another object (another uid) now has: that one is left alone. */
  replaced: string[];
  failures: string[];
}

const emptyDeletion = (): Deletion => ({ deleted: 0, alreadyGone: 0, replaced: [], failures: [] });

async function deleteOne(kube: KubernetesPort, ref: ObjectRef, into: Deletion, failure: (message: string) => string): Promise<void> {
  try {
    const result = await kube.delete(ref);
    if (result === 'deleted') into.deleted++;
    else if (result === 'absent') into.alreadyGone++;
    else into.replaced.push(describeRef(ref));
  } catch (error) {
    into.failures.push(failure((error as Error).message));
  }
}

/**
 * A lease's objects (revoke, gc): in deletion rounds (bindings, then roles and the ServiceAccount,
 * then the anchor), each round's concurrently, and no round after one that failed.
 */
export async function deleteLeaseObjects(kube: KubernetesPort, objects: ObjectRef[]): Promise<Deletion> {
  const outcome = emptyDeletion();
  const rounds = deletionRounds(objects);
  for (const [index, round] of rounds.entries()) {
    if (outcome.failures.length > 0) {
      const kept = rounds.slice(index).flat().map(describeRef).join(', ');
      outcome.failures.push(`kept ${kept}, the anchor still proving what is left (while it and the ServiceAccount stay, the lease's token works): fix the failure above (cluster-scoped objects need an issuer set up with --cluster-scoped) and run the same command again`);
      break;
    }
    await Promise.all(round.map((ref) => deleteOne(kube, ref, outcome, (message) => message)));
  }
  return outcome;
}

/**
 * What a failed issuance created (rollback): newest first, one at a time, on past a failure —
 * no token was handed out, and the caller's error names each object left.
 */
export async function rollBackObjects(kube: KubernetesPort, created: ObjectRef[]): Promise<Deletion> {
  const outcome = emptyDeletion();
  for (const ref of [...created].reverse()) await deleteOne(kube, ref, outcome, (message) => `${describeRef(ref)} (${message})`);
  return outcome;
}
