// Timing whole commands: hyperfine (-N, no shell) in alternating rounds, so the commands of
// one comparison are measured in the same minutes of a noisy machine, each round with its
// own warm-up and in the reverse order of the previous one. Medians of all runs, and the CPU
// time (user + system) each run cost on average: on a shared machine the steadier of the two.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Timing {
  medianMs: number;
  /** Mean user + system CPU time of a run. */
  cpuMs: number;
  runs: number;
}

export interface CompareOptions {
  rounds: number;
  runsPerRound: number;
  warmup: number;
  env: NodeJS.ProcessEnv;
  /** 'pipe' feeds stdout through a pipe, as kubectl reads an exec plugin. */
  output?: 'pipe' | 'null';
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `commands`: name → command line (split on spaces by hyperfine; no shell, no quoting needed). */
export function compareCommands(commands: Record<string, string>, options: CompareOptions): Record<string, Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'tempcreds-bench-'));
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  const cpuSeconds: Record<string, number> = Object.fromEntries(Object.keys(commands).map((name) => [name, 0]));
  try {
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? Object.keys(commands) : Object.keys(commands).reverse();
      const exported = join(dir, `round-${round}.json`);
      const args = ['-N', '--style', 'none', '--warmup', String(options.warmup), '--runs', String(options.runsPerRound), '--output', options.output ?? 'null', '--export-json', exported];
      for (const name of order) args.push('--command-name', name, commands[name]!);
      const run = spawnSync('hyperfine', args, { env: options.env, encoding: 'utf8' });
      if (run.error) throw new Error(`hyperfine did not run (${run.error.message}); install it: apt-get install -y hyperfine`);
      if (run.status !== 0) throw new Error(`hyperfine failed: ${failingCommand(commands, options.env) ?? run.stderr.slice(-2000)}`);
      const { results } = JSON.parse(readFileSync(exported, 'utf8')) as { results: { command: string; times: number[]; user: number; system: number }[] };
      for (const result of results) {
        times[result.command]!.push(...result.times.map((seconds) => seconds * 1000));
        cpuSeconds[result.command]! += (result.user + result.system) * result.times.length;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, { medianMs: median(values), cpuMs: (cpuSeconds[name]! * 1000) / values.length, runs: values.length }]));
}

/** Which command fails when run once more, with its stderr's end (never its stdout: it may hold a token). */
function failingCommand(commands: Record<string, string>, env: NodeJS.ProcessEnv): string | undefined {
  for (const [name, line] of Object.entries(commands)) {
    const [command, ...args] = line.split(' ');
    const run = spawnSync(command!, args, { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (run.status !== 0) return `${name} exited ${run.status}: ${(run.stderr ?? run.error?.message ?? '').trim().slice(-500)}`;
  }
  return undefined;
}

/** Wall time of an async action, in ms. */
export async function wallMs(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
