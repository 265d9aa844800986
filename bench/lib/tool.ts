// The tool and its peers as the benchmarks run them: the built launcher (bin/), each with a
// fresh state directory, in an environment without NODE_EXTRA_CA_CERTS (it adds ~45 ms to
// every Node start here, and would blur every Node-vs-Go comparison).

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type RunResult } from '../../test/helpers/tempcreds.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN_DIR = join(ROOT, 'bin');
export const TOOL = join(BIN_DIR, 'kubectl-tempcreds');

/**
 * BENCH_BASELINE=<a checkout, built>: an earlier version of the tool, timed in the same rounds as
 * this one where a benchmark supports it (p1, p2), so "no slower than before" is one run's ratio.
 */
export const BASELINE_TOOL = process.env.BENCH_BASELINE ? join(process.env.BENCH_BASELINE, 'bin', 'kubectl-tempcreds') : undefined;

export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _dropped, ...env } = process.env;
  return { ...env, PATH: `${BIN_DIR}:${env.PATH ?? ''}`, ...extra };
}

export type { RunResult };

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runProcess(command, args, { env });
}

export async function mustRun(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(command, args, env);
  // Never print stdout: it may hold a token.
  if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')}… exited ${result.status}: ${result.stderr.trim().slice(-500)}`);
  return result.stdout;
}

/** A tool instance: its own state directory and its own copy of the cluster's kubeconfig. */
export interface ToolHome {
  home: string;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  tool(args: string[]): Promise<string>;
}

const homes: string[] = [];

export function toolHome(clusterKubeconfig: string, extraEnv: NodeJS.ProcessEnv = {}, tool = TOOL): ToolHome {
  const home = mkdtempSync(join(tmpdir(), 'tempcreds-bench-home-'));
  homes.push(home);
  const kubeconfig = join(home, 'kubeconfig');
  copyFileSync(clusterKubeconfig, kubeconfig);
  const env = benchEnv({ KUBECTL_TEMPCREDS_HOME: home, KUBECONFIG: kubeconfig, ...extraEnv });
  return { home, kubeconfig, env, tool: (args) => mustRun(tool, args, env) };
}

/** Removes every tool home this run made (their leases die with the run's namespace). */
export function removeToolHomes(): void {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
}

/**
 * The token a home's file cache holds, and a private copy of it for the exec-plugin floor
 * (floor/exec-plugin.cjs reads a token from a file). Never printed.
 */
export function cachedToken(home: string): { token: string; tokenFile: string } {
  const directory = join(home, 'cache', 'tokens');
  const [file] = readdirSync(directory).filter((name) => name.endsWith('.json'));
  if (!file) throw new Error(`${directory} holds no token (is the token cache on files?)`);
  const { token } = JSON.parse(readFileSync(join(directory, file), 'utf8')) as { token: string };
  const tokenFile = join(home, 'floor-token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  return { token, tokenFile };
}
