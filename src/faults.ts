// Test-only fault injection, driven by KUBECTL_TEMPCREDS_TEST_FAULT, so tests can prove
// crash safety on the real binary: a process killed mid-issuance, or a lock holder that
// hangs until it is killed. Unset in normal use, where these are no-ops.

export interface Faults {
  /** Called after each API call of an issuance; `kill-after:N` dies with SIGKILL after the Nth. */
  afterApiCall(step: string): void;
  /** `hang-while-locked`: never returns, keeping the token cache lock until killed. */
  whileLocked(): Promise<void>;
}

export function faultsFrom(env: NodeJS.ProcessEnv): Faults {
  const fault = env.KUBECTL_TEMPCREDS_TEST_FAULT ?? '';
  const killAfter = Number(fault.match(/^kill-after:(\d+)$/)?.[1] ?? 0);
  let calls = 0;
  return {
    afterApiCall() {
      if (killAfter && ++calls === killAfter) process.kill(process.pid, 'SIGKILL');
    },
    whileLocked: () => (fault === 'hang-while-locked' ? new Promise<void>(() => setInterval(() => undefined, 60_000)) : Promise.resolve()),
  };
}
