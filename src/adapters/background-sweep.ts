// The opportunistic sweep: after an issuance, expired local leases are revoked by a
// detached `gc --local` process — at most every few minutes, and never in the caller's
// way (the exec hot path has already printed its credential when this runs).

import { spawn } from 'node:child_process';
import { stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isSea } from 'node:sea';
import { writeFileAtomic } from './files.js';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** How to run this same program again: the launcher script under node, or the single executable. */
function selfInvocation(args: string[]): [string, string[]] {
  return isSea() ? [process.execPath, args] : [process.execPath, [process.argv[1]!, ...args]];
}

export async function sweepExpiredLeases(leasesDirectory: string, now: Date, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const stamp = join(leasesDirectory, '.last-sweep');
  try {
    const last = await stat(stamp).then((info) => info.mtimeMs, () => 0);
    if (now.getTime() - last < SWEEP_INTERVAL_MS) return;
    await writeFileAtomic(stamp, '');
    await utimes(stamp, now, now);
    const [command, args] = selfInvocation(['gc', '--local', '--quiet']);
    spawn(command, args, { detached: true, stdio: 'ignore', env }).unref();
  } catch {
    // A sweep is a courtesy: failing to start one must never fail the issuance.
  }
}
