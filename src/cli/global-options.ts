// Flags every command accepts (kubectl's conventions), and the composition built from them.

import type { Argv } from 'yargs';
import { compose, type Composition } from '../compose.js';
import { edges } from './edges.js';

export interface GlobalArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'request-timeout'?: string;
}

export function withGlobalOptions<T>(cli: Argv<T>) {
  return cli
    .option('kubeconfig', { type: 'string', global: true, describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' })
    .option('context', { type: 'string', global: true, describe: 'kubeconfig context to act as the issuer (default: the role\'s issuer context, else the current context)' })
    .option('namespace', { alias: 'n', type: 'string', global: true, describe: 'Namespace of the credential' })
    .option('request-timeout', { type: 'string', global: true, default: '15s', describe: 'How long to wait for each API request (e.g. 10s, 1m)' });
}

/** The use cases' dependencies for these flags; a bad --request-timeout is refused here. */
export function composeFor(args: GlobalArgs): Composition {
  const { env, clock } = edges();
  return compose({ kubeconfig: args.kubeconfig, context: args.context, requestTimeout: args['request-timeout'] }, env, clock);
}
