// `revoke ID | --role ROLE | --all`: delete what leases created; their tokens die.
// Leases are found in this machine's records and in the cluster, by label.

import type { LeaseTarget } from '../../app/leases.js';
import { leasesToRevoke, notFound, revokeLeases } from '../../app/revoke.js';
import { invalidInput, operationFailed } from '../../core/errors.js';
import { leaseIdFromInput } from '../../core/lease.js';
import { roleNameProblem } from '../../core/role-spec.js';
import type { ArgsOf, CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print, warn } from '../io.js';
import type { revokeSpec } from '../specs/revoke.js';

type RevokeArgs = ArgsOf<typeof revokeSpec>;

export function target(args: RevokeArgs): LeaseTarget {
  const chosen = [args.id !== undefined, args.role !== undefined, args.all].filter(Boolean).length;
  if (chosen !== 1) throw invalidInput('say what to revoke: a LEASE_ID, --role ROLE or --all (exactly one)');
  if (args.id !== undefined) return { id: leaseIdFromInput(args.id) };
  if (args.role !== undefined) {
    const problem = roleNameProblem(args.role);
    if (problem) throw invalidInput(problem);
    return { role: args.role };
  }
  return { all: true };
}

export const revokeCommand: CommandHandler<typeof revokeSpec> = {
  handler: async (args) => {
    const what = target(args);
    const root = composeFor(args);
    const { leases, refused, warnings } = await leasesToRevoke(root.leaseSources(args.namespace), what);
    warnings.forEach(warn);
    if (leases.length === 0 && refused.length === 0) return print(args.role ? `No leases of role "${args.role}".` : 'No leases.');
    const revoked = await revokeLeases(root.revokeDeps, leases);
    const outcomes = [...refused, ...revoked];
    const failed = outcomes.filter((outcome) => outcome.failures.length > 0);
    for (const outcome of outcomes) {
      const { lease, deleted, alreadyGone, replaced, failures } = outcome;
      replaced.forEach((ref) => warn(`lease "${lease.id}": ${ref} now belongs to another object of that name (another uid), which was left alone`));
      failures.forEach((failure) => warn(`lease "${lease.id}": ${failure}`));
      // Nothing deleted is no revocation: the lease was revoked or collected before.
      if (notFound(outcome)) {
        if (!args.id) print(`lease "${lease.id}" not found in the cluster (already revoked or collected); its record is removed`);
      } else if (failures.length === 0) print(`lease "${lease.id}" revoked (${deleted} object(s) deleted${alreadyGone ? `, ${alreadyGone} already gone` : ''})`);
    }
    if (failed.length > 0) throw operationFailed(`${failed.length} of ${outcomes.length} lease(s) could not be fully revoked; their records are kept — run the same command again`);
    if ('id' in what && notFound(outcomes[0]!)) throw operationFailed(`lease "${what.id}" was not found in the cluster: it was already revoked or collected, so nothing was revoked (its record is removed)`);
  },
};
