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

/** Between two attempts to take a busy lock (plus up to as much again, at random). */
const RETRY_MS = 50;

/**
 * Runs `work` holding the lock on `path`. While another process holds it, `meanwhile` (if
 * given) is called between attempts: a result other than undefined ends the wait and is
 * returned instead — the holder did what this process was waiting to do.
 */
export async function withLock<T>(path: string, work: () => Promise<T>, options: LockOptions = {}, meanwhile?: () => Promise<T | undefined>): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;
  await ensurePrivateDir(dirname(path));
  const deadline = Date.now() + waitMs;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(path, { realpath: false, lockfilePath: `${path}.lock`, stale: staleMs, retries: 0 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() >= deadline) {
        throw operationFailed(`could not lock ${path} within ${Math.round(waitMs / 1000)}s: ${(error as Error).message}`, error);
      }
    }
    const settled = await meanwhile?.();
    if (settled !== undefined) return settled;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS * (1 + Math.random())));
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
