// Test-only hooks, driven by environment variables, so tests can prove crash safety,
// fault handling and expiry on the real binary (KUBECTL_TEMPCREDS_TEST_FAULT):
//   kill-after:N       SIGKILL itself after the Nth API call of an issuance
//   pause-after:N      after the Nth call, create <home>/fault-paused and wait until it is removed;
//                      meanwhile a process that waits for it in the cache-hit path creates
//                      <home>/fault-waiting-<pid> (a test knows when all of a burst wait)
//   hang-while-locked  hold the token cache lock forever (until killed)
// and KUBECTL_TEMPCREDS_TEST_NOW, a fixed local clock, and KUBECTL_TEMPCREDS_TEST_SERVER_NOW,
// a fixed API server clock (what gc decides expiry by). Only the test build has them: release
// builds (npm run build, prepare, package) get ./no-faults.ts instead (see scripts/build.ts).

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Variables that change what the exec command's full path does: part of its memo's key. */
export const HOOK_INPUTS = ['KUBECTL_TEMPCREDS_TEST_FAULT'];

export interface Faults {
  now(): Date;
  /** The API server's time, from the time its Date headers tell. */
  serverNow(observed: Date): Date;
  /** Called after each API call of an issuance. */
  afterApiCall(step: string): Promise<void>;
  whileLocked(): Promise<void>;
  /** Called when the cache-hit path starts waiting for another process's issuance. */
  waitingForClaim(): void;
}

export function faultsFrom(env: NodeJS.ProcessEnv): Faults {
  const fault = env.KUBECTL_TEMPCREDS_TEST_FAULT ?? '';
  const [, action, count] = fault.match(/^(kill|pause)-after:(\d+)$/) ?? [];
  const fixedNow = env.KUBECTL_TEMPCREDS_TEST_NOW ? new Date(env.KUBECTL_TEMPCREDS_TEST_NOW) : undefined;
  const fixedServerNow = env.KUBECTL_TEMPCREDS_TEST_SERVER_NOW ? new Date(env.KUBECTL_TEMPCREDS_TEST_SERVER_NOW) : undefined;
  let calls = 0;
  return {
    now: () => fixedNow ?? new Date(),
    serverNow: (observed) => fixedServerNow ?? observed,
    async afterApiCall() {
      if (!action || ++calls !== Number(count)) return;
      if (action === 'kill') process.kill(process.pid, 'SIGKILL');
      const marker = join(env.KUBECTL_TEMPCREDS_HOME ?? '.', 'fault-paused');
      writeFileSync(marker, '');
      while (existsSync(marker)) await sleep(50);
    },
    whileLocked: () => (fault === 'hang-while-locked' ? new Promise<void>(() => setInterval(() => undefined, 60_000)) : Promise.resolve()),
    waitingForClaim: () => (action === 'pause' ? writeFileSync(join(env.KUBECTL_TEMPCREDS_HOME ?? '.', `fault-waiting-${process.pid}`), '') : undefined),
  };
}
