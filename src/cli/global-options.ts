// Flags every command accepts (kubectl's conventions), and the runtime built from them.

import type { Argv } from 'yargs';
import { parseDuration } from '../core/duration.js';
import { invalidInput } from '../core/errors.js';
import { ROLE_SOURCES } from '../core/role-source.js';
import { createRuntime, type Runtime } from '../runtime.js';

export interface GlobalArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'request-timeout'?: string;
  roles?: string;
}

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

export function runtimeFor(args: GlobalArgs): Runtime {
  const timeout = args['request-timeout'] ?? '15s';
  const seconds = parseDuration(timeout);
  if (seconds === undefined || seconds <= 0) throw invalidInput(`--request-timeout "${timeout}" is not a duration (e.g. 10s, 1m)`);
  return createRuntime({ kubeconfig: args.kubeconfig, context: args.context, roles: args.roles, requestTimeoutMs: seconds * 1000 });
}
