// `kubeconfig ROLE -n NS`: parses, and hands the flags to the use case (app/kubeconfig.ts) that
// adds a context whose credentials come from `kubectl-tempcreds token`.

import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { addExecContext } from '../../app/kubeconfig.js';
import { TOKEN_CACHE_MODES } from '../../core/token-cache.js';
import { composeFor, type GlobalArgs } from '../global-options.js';
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
    const { contextName, file } = await addExecContext(composeFor(args).kubeconfigPorts, {
      role: args.role,
      namespace: args.namespace,
      ttl: args.ttl,
      clusterRoleBinding: args['cluster-role-binding'],
      audiences: args.audience,
      context: args.context,
      ...(args.kubeconfig ? { kubeconfig: resolve(args.kubeconfig) } : {}),
      contextName: args['context-name'],
      tokenCache: args['token-cache'],
      refreshMargin: args['refresh-margin'],
      force: args.force,
    });
    print(`context "${contextName}" written to ${file}: kubectl --context ${contextName} get pods`);
  },
};
