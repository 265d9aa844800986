// The runtime built from the global flags (global-flags.ts).

import { parseDuration } from '../core/duration.js';
import { invalidInput } from '../core/errors.js';
import { createRuntime, type Runtime } from '../runtime.js';
import type { GlobalArgs } from './global-flags.js';

export function runtimeFor(args: GlobalArgs): Runtime {
  const timeout = args['request-timeout'] ?? '15s';
  const seconds = parseDuration(timeout);
  if (seconds === undefined || seconds <= 0) throw invalidInput(`--request-timeout "${timeout}" is not a duration (e.g. 10s, 1m)`);
  return createRuntime({ kubeconfig: args.kubeconfig, context: args.context, requestTimeoutMs: seconds * 1000 });
}
