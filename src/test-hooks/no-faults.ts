// What release builds use in place of ./faults.ts (scripts/build.ts swaps the module): the real
// clock and no hooks, so nothing in what users run reads a test variable or can be made to crash.

import type { Faults } from './faults.js';

export const HOOK_INPUTS: string[] = [];

export function faultsFrom(_env: NodeJS.ProcessEnv): Faults {
  return { now: () => new Date(), serverNow: (observed) => observed, afterApiCall: async () => undefined, whileLocked: async () => undefined, waitingForClaim: () => undefined };
}
