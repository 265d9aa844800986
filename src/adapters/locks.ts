// Inter-process locks with proper-lockfile: a dedicated `<path>.lock` directory (never
// the data file itself), refreshed while held and taken over when its holder died.

import lockfile from 'proper-lockfile';
import { ensurePrivateDir } from './files.js';
import { dirname } from 'node:path';
import { operationFailed } from '../core/errors.js';

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. */
  staleMs?: number;
  /** Give up waiting after this long. */
  waitMs?: number;
}

export async function withLock<T>(path: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;
  await ensurePrivateDir(dirname(path));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      lockfilePath: `${path}.lock`,
      stale: staleMs,
      retries: { retries: Math.ceil(waitMs / 100), factor: 1, minTimeout: 100, maxTimeout: 100, randomize: true },
    });
  } catch (error) {
    throw operationFailed(`could not lock ${path} within ${Math.round(waitMs / 1000)}s: ${(error as Error).message}`, error);
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
