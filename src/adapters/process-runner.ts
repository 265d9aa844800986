// Runs a child process to its end with this process's stdio, forwarding the signals a user or
// a CI runner sends us, so the child decides how to stop.

import { spawn } from 'node:child_process';
import type { ProcessRunner } from '../app/run.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };

export function processRunner(baseEnv: NodeJS.ProcessEnv): ProcessRunner {
  return {
    run: (command, args, env) =>
      new Promise((resolve) => {
        const child = spawn(command, args, { stdio: 'inherit', env: { ...baseEnv, ...env } });
        const forward = (signal: NodeJS.Signals) => child.kill(signal);
        for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
        const done = (result: { exitCode: number; error?: string }) => {
          for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
          resolve(result);
        };
        child.on('error', (error) => done({ exitCode: 127, error: `cannot run ${command}: ${error.message}` }));
        child.on('exit', (code, signal) => done({ exitCode: code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 1) }));
      }),
  };
}
