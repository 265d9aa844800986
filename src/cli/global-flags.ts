// Flags every command accepts (kubectl's conventions). Declarations only: help, completion
// and the argument types read them, and loading them loads nothing else.

import type { Argv } from 'yargs';
import { ROLE_SOURCES } from '../core/role-source.js';

export function withGlobalOptions<T>(cli: Argv<T>) {
  return cli
    .option('kubeconfig', { type: 'string', global: true, describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' })
    .option('context', { type: 'string', global: true, describe: 'kubeconfig context to act as the issuer (default: the role\'s issuer context, else the current context)' })
    .option('namespace', { alias: 'n', type: 'string', global: true, describe: 'Namespace of the credential' })
    .option('request-timeout', { type: 'string', global: true, default: '15s', describe: 'How long to wait for each API request (e.g. 10s, 1m)' })
    .option('roles', {
      type: 'string',
      choices: ROLE_SOURCES,
      global: true,
      describe: 'Where roles are kept: local (this machine\'s files) or cluster (CredentialRole objects, shared by a team); default $KUBECTL_TEMPCREDS_ROLES, else local',
    });
}

/** The global flags as every command's handler receives them, read off the declarations above. */
export type GlobalArgs = ReturnType<typeof withGlobalOptions<{}>> extends Argv<infer A> ? A : never;
