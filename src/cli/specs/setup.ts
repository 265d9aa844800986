// `setup`: what shell completion and help know of it.

import { DEFAULT_GUARD_MAX_TTL, DEFAULT_ISSUER_NAME, escalationTradeOff, GUARD_SUMMARY } from '../../core/issuer-setup.js';
import { spec } from '../command-spec.js';

export const setupSpec = spec({
  command: 'setup',
  describe: 'Create the least-privilege issuer identity the tool acts as (Roles in the namespaces it serves, a guard policy) and install the CredentialRole CRD, or print them as YAML',
  builder: (cli) =>
    cli
      .option('service-account', { type: 'string', describe: 'The issuer is this ServiceAccount, NAMESPACE/NAME (created when missing)' })
      .option('user', { type: 'string', describe: 'The issuer is this user (as your cluster authenticates it)' })
      .conflicts('service-account', 'user')
      .option('name', { type: 'string', default: DEFAULT_ISSUER_NAME, describe: 'Name of every object setup creates (ClusterRole, Roles, bindings, guard policy)' })
      .option('namespaces', { type: 'string', describe: 'The namespaces the issuer serves, comma-separated: a Role and RoleBinding in each (this or --all-namespaces is required)' })
      .option('all-namespaces', { type: 'boolean', default: false, describe: 'The same rights in every namespace, present and future (a ClusterRole)' })
      .option('cluster-scoped', {
        type: 'boolean',
        default: false,
        describe: 'Also get/list/create/delete ClusterRoles and ClusterRoleBindings: needed by roles with --role-type ClusterRole generated rules and by --cluster-role-binding requests',
      })
      .option('escalate', {
        type: 'boolean',
        default: true,
        describe: 'Include the escalate/bind verbs on roles and clusterroles (--no-escalate leaves them out; see below)',
      })
      .option('guard', { type: 'boolean', default: true, describe: 'Install the issuer guard, two ValidatingAdmissionPolicies (--no-guard leaves them out; see below)' })
      .option('max-ttl', {
        type: 'string',
        default: DEFAULT_GUARD_MAX_TTL,
        describe: 'The guard refuses tokens longer than this, requested by the issuer or by any ServiceAccount in its namespaces: set it to the longest maxTtl your roles need',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite objects of the same name that setup did not create (refused otherwise)' })
      .option('print', { type: 'boolean', default: false, describe: 'Print the objects as YAML instead of applying them (no cluster access)' })
      .option('controller', {
        type: 'boolean',
        default: false,
        describe: 'Delegated issuance: install the CredentialRequest API, its admission policy (and, where the server serves MutatingAdmissionPolicy, the stamp that fills in a request\'s requester), the requester ClusterRole and the controller (namespace tempcreds-system, its ServiceAccount as the issuer of --namespaces/--all-namespaces, a Deployment), with server-side apply',
      })
      .option('image', { type: 'string', describe: 'With --controller: the controller image (default: the release image of this version; build your own from deploy/controller/Dockerfile)' })
      .example('$0 setup --service-account tempcreds/issuer --namespaces team-a,team-b --context admin', 'a ServiceAccount issuer for two namespaces, applied with the admin context')
      .example('$0 setup --user ci-issuer --namespaces ci --no-escalate --print > issuer.yaml', 'review the RBAC of an issuer that can grant only what it holds')
      .example('$0 setup --user alice --all-namespaces --cluster-scoped --context admin && $0 doctor --context alice', 'everywhere, generated ClusterRoles too; then check it as the issuer')
      .example('$0 setup --controller --namespaces team-a,team-b --context admin', 'delegated issuance: the controller alone holds the issuer identity; requesters need only role grant')
      .epilog(
        [
          'The issuer creates and deletes ServiceAccounts, their tokens, Secrets (lease anchors), Roles and RoleBindings in the namespaces it serves (--namespaces, or --all-namespaces), reads namespaces\' labels cluster-wide, and with --cluster-scoped creates and deletes ClusterRoles and ClusterRoleBindings (src/core/issuer-rbac.ts). Objects of the same name that setup did not create are refused (exit 2, nothing changed) unless --force.',
          escalationTradeOff(true),
          escalationTradeOff(false),
          GUARD_SUMMARY,
        ].join('\n\n'),
      ),
});
