// `revoke`: what shell completion and help know of it.

import { spec } from '../command-spec.js';

export const revokeSpec = spec({
  command: 'revoke [id]',
  describe: 'Revoke leases: delete what they created, so their tokens stop working within about 10 s',
  builder: (cli) =>
    cli
      .positional('id', { type: 'string', describe: 'Lease id (ROLE/ID, or kubernetes/creds/ROLE/ID as -o vault-json prints it)' })
      .option('role', { type: 'string', describe: 'Every lease of exactly this role' })
      .option('all', { type: 'boolean', default: false, describe: 'Every lease' })
      .example('$0 revoke --role existing-role', 'all leases of one role (Vault: lease revoke -prefix)')
      .example('$0 revoke sample-app/k3j9x0q2m1zt', 'one lease, from any machine with issuer rights')
      .example('$0 revoke kubernetes/creds/sample-app/k3j9x0q2m1zt', 'the same lease, by the id -o vault-json printed (Vault: vault lease revoke ID)')
      .example('$0 revoke --all -n team-a', 'an issuer set up with --namespaces lists only where this machine knows it serves: -n adds one')
      .epilog(
        "Each lease is revoked through the kubeconfig and context it was issued with (--kubeconfig/--context override them), and only on the cluster it was issued on: elsewhere it is refused and its record kept. A lease whose objects are all gone is reported as not found (by id: exit 1). Bindings are deleted first and the anchor last: when a delete fails, or the issuer may not list a ClusterRoleBinding the lease has (set up without --cluster-scoped), the rest is kept, the token still works, and revoke exits 1 saying so. A revoked token gets 401 once the API server forgets it: the API server caches token authentications for about 10 s, so a token used just before the revocation may keep working that long. A recorded kubeconfig that is not your own file, or that others may write, is refused too (another user may have put it there): --kubeconfig chooses one.",
      ),
});
