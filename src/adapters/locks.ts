// Inter-process locks with proper-lockfile: a dedicated `<path>.lock` directory (never
// the data file itself), refreshed while held and taken over when its holder died.
//
// A holder that stalls past the stale time (a suspended laptop, a stopped process, a blocked
// event loop) may lose its lock to another process. proper-lockfile reports that from a timer,
// and by default throws there, killing the process mid-work. Here the loss is recorded instead:
// the holder finishes, and before a write that must not race another holder it asks ensureHeld().

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

export interface HeldLock {
  /** Throws (exit code 1) when the lock was lost, or may have been: call it right before a write. */
  ensureHeld(): void;
}

/** Between two attempts to take a busy lock (plus up to as much again, at random). */
const RETRY_MS = 50;

/**
 * Runs `work` holding the lock on `path`. While another process holds it, `meanwhile` (if
 * given) is called between attempts: a result other than undefined ends the wait and is
 * returned instead — the holder did what this process was waiting to do.
 */
export async function withLock<T>(path: string, work: (lock: HeldLock) => Promise<T>, options: LockOptions = {}, meanwhile?: () => Promise<T | undefined>): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;
  await ensurePrivateDir(dirname(path));
  const deadline = Date.now() + waitMs;
  let compromised = false;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: `${path}.lock`,
        stale: staleMs,
        retries: 0,
        onCompromised: () => {
          compromised = true;
        },
      });
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
  // The lock is refreshed every staleMs/2 by a timer: an event loop blocked for more than half
  // the stale time may have let it go stale before that timer could even report it.
  let lastBeat = Date.now();
  const heartbeat = setInterval(() => (lastBeat = Date.now()), staleMs / 4).unref();
  const lock: HeldLock = {
    ensureHeld() {
      if (compromised || Date.now() - lastBeat > staleMs / 2) {
        throw operationFailed(`lost the lock ${path}.lock, or may have: this process stalled long enough for another process to take it over (it is stale after ${staleMs / 1000}s); nothing was written — run the command again`);
      }
    },
  };
  try {
    return await work(lock);
  } finally {
    clearInterval(heartbeat);
    // A lost lock is not ours to remove (proper-lockfile refuses): nothing else to undo.
    await release().catch(() => undefined);
  }
}
