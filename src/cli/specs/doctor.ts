// `doctor`: what shell completion and help know of it.

import { TOKEN_CACHE_MODES } from '../../core/token-cache.js';
import { spec } from '../command-spec.js';

export const doctorSpec = spec({
  command: 'doctor',
  describe: 'Check the kubeconfig, the API server, the issuer\'s permissions, the CredentialRole CRD, the roles (their issuer contexts; in the cluster, whether they are Ready), the token cache and the state directories, and say how to fix what is wrong',
  builder: (cli) =>
    cli
      .option('token-cache', { choices: TOKEN_CACHE_MODES, describe: 'Token cache to check (default: $KUBECTL_TEMPCREDS_TOKEN_CACHE, else auto)' })
      .example('$0 doctor', 'check the current context as the issuer')
      .example('$0 doctor --context ci-issuer', 'check another issuer context')
      .example('$0 doctor -n team-a', 'an issuer set up with --namespaces: check its rights in team-a too (its roles\' namespaces are always checked)')
      .epilog('Exit status: 0 when every check passed (warnings allowed), 1 when one failed.'),
});
