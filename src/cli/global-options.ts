// The composition built from the global flags (global-flags.ts).

import { compose, type Composition } from '../compose.js';
import { delegatedMode } from '../core/delegated-mode.js';
import { edges } from './edges.js';
import type { GlobalArgs } from './global-flags.js';

/** Whether this command issues, revokes and lists through the controller (--delegated, else the environment). */
export function isDelegated(args: Pick<GlobalArgs, 'delegated'>): boolean {
  return delegatedMode(args.delegated, edges().env);
}

/** The use cases' dependencies for these flags; a bad --request-timeout is refused here. */
export function composeFor(args: GlobalArgs): Composition {
  const { env, clock } = edges();
  return compose({ kubeconfig: args.kubeconfig, context: args.context, requestTimeout: args['request-timeout'], roles: args.roles }, env, clock);
}
