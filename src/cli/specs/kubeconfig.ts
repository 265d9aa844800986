// `kubeconfig ROLE`: what shell completion and help know of it.

import { TOKEN_CACHE_MODES } from '../../core/token-cache.js';
import { spec } from '../command-spec.js';
import { issueOptions } from '../issue-options.js';

export const kubeconfigSpec = spec({
  command: 'kubeconfig <role>',
  describe: 'Add a kubeconfig context that gets short-lived tokens from a role (exec credential plugin)',
  builder: (cli) =>
    cli
      .positional('role', { type: 'string', demandOption: true })
      .option('context-name', { type: 'string', describe: 'Name of the new context and user (default tempcreds-ROLE-NAMESPACE)' })
      .options(issueOptions)
      .option('token-cache', { choices: TOKEN_CACHE_MODES, describe: 'Where the plugin caches tokens (default auto: the OS keychain, else private files)' })
      .option('refresh-margin', { type: 'string', describe: 'Renew a cached token this long before it expires: a percentage of its lifetime under 100% (default 10%, at least 60s) or a duration' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace a user or context of the same name that kubectl-tempcreds did not write' })
      .example('$0 kubeconfig existing-role -n demo && kubectl --context tempcreds-existing-role-demo get pods', 'kubectl on a short-lived token'),
});
