// Runs the built kubectl-tempcreds the way users do (a subprocess of bin/), isolated in
// its own state directory. Output is returned, never printed: it may hold tokens.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The test build's launchers when `npm test` runs (it keeps the test hooks), else the package's own. */
export const BIN_DIR = process.env.TEMPCREDS_BIN_DIR ?? fileURLToPath(new URL('../../bin/', import.meta.url));
export const TEMPCREDS_BIN = join(BIN_DIR, 'kubectl-tempcreds');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Tempcreds {
  home: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
}

export function runProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

/** A tool instance with a fresh state directory, acting against `kubeconfig` (the issuer context is current). */
export function tempcreds(kubeconfig: string, extraEnv: NodeJS.ProcessEnv = {}): Tempcreds {
  const home = mkdtempSync(join(tmpdir(), 'tempcreds-home-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    KUBECTL_TEMPCREDS_HOME: home,
    PATH: `${BIN_DIR}:${process.env.PATH ?? ''}`,
    ...extraEnv,
  };
  return {
    home,
    env,
    run: (args, options = {}) => runProcess(TEMPCREDS_BIN, args, { env: { ...env, ...options.env }, input: options.input }),
  };
}

/** The claims of a JWT, decoded without verification (the API server verifies). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.trim().split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
