// The composition built from the global flags (global-flags.ts).

import { compose, type Composition } from '../compose.js';
import { edges } from './edges.js';
import type { GlobalArgs } from './global-flags.js';

/** The use cases' dependencies for these flags; a bad --request-timeout is refused here. */
export function composeFor(args: GlobalArgs): Composition {
  const { env, clock } = edges();
  return compose({ kubeconfig: args.kubeconfig, context: args.context, requestTimeout: args['request-timeout'], roles: args.roles }, env, clock);
}
