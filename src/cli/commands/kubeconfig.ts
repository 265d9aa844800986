// `kubeconfig ROLE -n NS`: a kubeconfig context whose credentials come from
// `kubectl-tempcreds token` — plain kubectl then works on short-lived tokens.

import { basename, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { readIssuer } from '../../adapters/kubeconfig.js';
import { kubeconfigToWrite, writeExecEntries } from '../../adapters/kubeconfig-file.js';
import { invalidInput } from '../../core/errors.js';
import { checkBinding } from '../../core/grant-plan.js';
import { defaultContextName, execEntries } from '../../core/kubeconfig-entry.js';
import { decideNamespace } from '../../core/namespace-policy.js';
import { unknownRole } from '../../core/role-spec.js';
import { requestTtl } from '../../core/ttl.js';
import { checkRefreshMargin, parseRefreshMargin } from '../../core/token-cache.js';
import { TOKEN_CACHE_MODES } from '../../adapters/token-cache.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { issueOptions, type IssueArgs } from '../issue-options.js';
import { print } from '../io.js';

type KubeconfigArgs = GlobalArgs & IssueArgs & { 'context-name'?: string; 'token-cache'?: string; 'refresh-margin'?: string; force: boolean };

export const kubeconfigCommand: CommandModule<GlobalArgs, KubeconfigArgs> = {
  command: 'kubeconfig <role>',
  describe: 'Add a kubeconfig context that gets short-lived tokens from a role (exec credential plugin)',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('role', { type: 'string', demandOption: true })
      .option('context-name', { type: 'string', describe: 'Name of the new context and user (default tempcreds-ROLE-NAMESPACE)' })
      .options(issueOptions)
      .option('token-cache', { choices: TOKEN_CACHE_MODES, describe: 'Where the plugin caches tokens (default auto: the OS keychain, else private files)' })
      .option('refresh-margin', { type: 'string', describe: 'Renew a cached token this long before it expires: a percentage of its lifetime under 100% (default 10%, at least 60s) or a duration' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace a user or context of the same name that kubectl-tempcreds did not write' })
      .example('$0 kubeconfig existing-role -n demo && kubectl --context tempcreds-existing-role-demo get pods', 'kubectl on a short-lived token') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const role = await runtime.roles.get(args.role);
    if (!role) throw unknownRole(args.role);
    const { namespace } = decideNamespace(role, args.namespace);
    // What the plugin would refuse on every kubectl call is refused here, before the kubeconfig changes.
    checkRefreshMargin(parseRefreshMargin(args['refresh-margin']), requestTtl(role, args.ttl).seconds);
    checkBinding(role, args['cluster-role-binding']);
    const issuer = readIssuer({ kubeconfig: args.kubeconfig, context: args.context ?? role.spec.issuerContext });
    if (issuer.execCommand && basename(issuer.execCommand).startsWith('kubectl-tempcreds')) {
      throw invalidInput(`context "${issuer.context}" itself gets its credentials from kubectl-tempcreds; pass --context with an issuer context that has its own credentials`);
    }
    const contextName = args['context-name'] ?? defaultContextName(role.name, namespace);
    if (contextName === issuer.context) throw invalidInput(`--context-name "${contextName}" is the issuer context; choose another name`);
    const target = kubeconfigToWrite(args.kubeconfig, process.env);
    const { user, context } = execEntries({
      role: role.name,
      namespace,
      issuerContext: issuer.context,
      cluster: issuer.cluster,
      contextName,
      ...(args.kubeconfig ? { kubeconfig: resolve(args.kubeconfig) } : {}),
      ttl: args.ttl,
      clusterRoleBinding: args['cluster-role-binding'],
      audiences: args.audience,
      tokenCache: args['token-cache'],
      refreshMargin: args['refresh-margin'],
    });
    await writeExecEntries(target, { user, context }, args.force);
    print(`context "${contextName}" written to ${target}: kubectl --context ${contextName} get pods`);
  },
};
