// `revoke ID | --role ROLE | --all`: delete what leases created; their tokens die.
// Leases are found in this machine's records and in the cluster, by label.

import type { Argv, CommandModule } from 'yargs';
import { evictTokens } from '../../adapters/token-cache.js';
import { leaseSources, type LeaseTarget } from '../../app/leases.js';
import { leasesToRevoke, notFound, revokeLeases } from '../../app/revoke.js';
import { invalidInput, operationFailed } from '../../core/errors.js';
import { leaseIdFromInput } from '../../core/lease.js';
import { roleNameProblem } from '../../core/role-spec.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { print, warn } from '../io.js';

type RevokeArgs = GlobalArgs & { id?: string; role?: string; all: boolean };

function target(args: RevokeArgs): LeaseTarget {
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

export const revokeCommand: CommandModule<GlobalArgs, RevokeArgs> = {
  command: 'revoke [id]',
  describe: 'Revoke leases: delete what they created, so their tokens stop working within about 10 s',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('id', { type: 'string', describe: 'Lease id (ROLE/ID, or kubernetes/creds/ROLE/ID as -o vault-json prints it)' })
      .option('role', { type: 'string', describe: 'Every lease of exactly this role' })
      .option('all', { type: 'boolean', default: false, describe: 'Every lease' })
      .example('$0 revoke --role existing-role', 'all leases of one role (Vault: lease revoke -prefix)')
      .example('$0 revoke sample-app/k3j9x0q2m1zt', 'one lease, from any machine with issuer rights')
      .example('$0 revoke kubernetes/creds/sample-app/k3j9x0q2m1zt', 'the same lease, by the id -o vault-json printed (Vault: vault lease revoke ID)')
      .example('$0 revoke --all -n team-a', 'an issuer set up with --namespaces lists only where this machine knows it serves: -n adds one')
      .epilog(
        "Each lease is revoked through the kubeconfig and context it was issued with (--kubeconfig/--context override them), and only on the cluster it was issued on: elsewhere it is refused and its record kept. A lease whose objects are all gone is reported as not found (by id: exit 1). Bindings are deleted first and the anchor last: when a delete fails, or the issuer may not list a ClusterRoleBinding the lease has (set up without --cluster-scoped), the rest is kept, the token still works, and revoke exits 1 saying so. A revoked token gets 401 once the API server forgets it: the API server caches token authentications for about 10 s, so a token used just before the revocation may keep working that long. A recorded kubeconfig that is not your own file, or that others may write, is refused too (another user may have put it there): --kubeconfig chooses one.",
      ) as never,
  handler: async (args) => {
    const what = target(args);
    const runtime = runtimeFor(args);
    const { leases, refused, warnings } = await leasesToRevoke(leaseSources(runtime, args.namespace), what);
    warnings.forEach(warn);
    if (leases.length === 0 && refused.length === 0) return print(args.role ? `No leases of role "${args.role}".` : 'No leases.');
    const revoked = await revokeLeases(
      {
        ...runtime,
        deleteLease: (id) => runtime.leases.delete(id),
        evictTokens: (revoked) => evictTokens(revoked.flatMap((lease) => lease.tokenCacheKey ?? []), runtime.paths.cache),
      },
      leases,
    );
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
