// The exec credential entry's first step, and all of a cache hit: kubectl runs the plugin
// before every API call, so this is the hottest path. It recalls which cache entry this exact
// invocation resolved to last time (credential-memo: valid while the role and kubeconfig files
// are unchanged), reads that token and checks its lease is still recorded — without parsing
// arguments, YAML or the role, and without node:crypto. Anything else (no memo, a changed
// file, an expired or missing token, an unreadable keychain, --help, any error) is handed
// unchanged to the full entry (./main.js), which explains errors and issues tokens. When many
// processes miss at once, one claims the invocation and runs the full entry; the others wait
// here for its answer (a burst of kubectl on a cold cache then loads the full entry once).
//
// Bundled into the launcher (../launcher.ts, built to bin/kubectl-tempcreds): nothing else
// loads on a file-store hit; a keychain hit adds the keychain's reader (dist/exec/keychain.cjs).

import { readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { claimInvocation, invocationClaimed, memoInvocation, memoWritten, recallMemo, type MemoTarget } from '../adapters/credential-memo.js';
import { leaseRecordFile, statePaths, tokenDirectory, type StatePaths } from '../adapters/paths.js';
import { directoriesTrusted, directoryChain } from '../adapters/private-dirs.js';
import { execApiVersion, renderExecCredential } from '../core/exec-credential.js';
import { isServable, parseCachedToken, refreshAt, type CachedToken } from '../core/token-cache.js';
// The one hook user besides the composition root (../compose.ts): bundling the root here would
// triple this file, parsed on every kubectl call.
import { HOOK_INPUTS, faultsFrom } from '../test-hooks/faults.js';

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let paths: StatePaths;
  let invocation: string;
  try {
    paths = statePaths(env);
    invocation = memoInvocation(args, env, HOOK_INPUTS);
  } catch {
    return fullPath(args, env, () => undefined);
  }
  const memoDirectory = join(paths.cache, 'memo');
  const serve = (young: boolean) => cachedCredential(paths, memoDirectory, invocation, env, young).catch(() => undefined);
  let credential = await serve(false);
  if (credential === undefined) {
    // Several processes missing at once (kubectl fanned out on a cold cache): one runs the full
    // path, the others wait for its answer rather than each loading the full path to queue on its lock.
    const release = trusted(paths.cache, memoDirectory) ? claimInvocation(memoDirectory, invocation) : () => undefined;
    if (release) return fullPath(args, env, release);
    // Any doubt while waiting (a claim file that vanished mid-read) falls through to the full path.
    faultsFrom(env).waitingForClaim();
    credential = await waitForClaim(() => invocationClaimed(memoDirectory, invocation), () => memoWritten(memoDirectory, invocation), () => serve(true)).catch(() => undefined);
    if (credential === undefined) return fullPath(args, env, () => undefined);
  }
  writeAll(credential);
  return 0;
}

async function fullPath(args: string[], env: NodeJS.ProcessEnv, release: () => void): Promise<number> {
  try {
    return await (await import('./main.js')).main(args, env);
  } finally {
    try {
      release();
    } catch {
      // the claim file is not ours to remove any more: nothing to release
    }
  }
}

const WAIT_POLL_MS = 15;

/**
 * Polls for the claim holder's answer while its claim lasts (then once more): a stat or two per
 * poll until a memo entry is there, as 31 waiters polling through a slow issuance add up.
 */
async function waitForClaim(claimed: () => boolean, written: () => boolean, served: () => Promise<string | undefined>): Promise<string | undefined> {
  for (;;) {
    const stillClaimed = claimed();
    if (!stillClaimed || written()) {
      const credential = await served();
      if (credential !== undefined || !stillClaimed) return credential;
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

/** Any directory that cannot be trusted is a miss: the full path then says what is wrong. */
const trusted = (root: string, directory: string) => directoriesTrusted(directoryChain(root, directory));

/** The ExecCredential to print, when this invocation is a plain cache hit. */
async function cachedCredential(paths: StatePaths, memoDirectory: string, invocation: string, env: NodeJS.ProcessEnv, young: boolean): Promise<string | undefined> {
  if (!trusted(paths.cache, memoDirectory) || !trusted(paths.cache, tokenDirectory(paths.cache))) return undefined;
  const now = faultsFrom(env).now();
  const memo = recallMemo(memoDirectory, invocation, { leases: paths.leases, tokens: tokenDirectory(paths.cache) }, young, now.getTime());
  if (!memo) return undefined;
  const entry = await readToken(memo.target, env);
  if (!entry || !isServable(entry, now, memo.refresh)) return undefined;
  const record = leaseRecordFile(memo.leases, entry.leaseId);
  if (!trusted(dirname(paths.leases), dirname(record))) return undefined;
  JSON.parse(readFileSync(record, 'utf8')); // revoked here: no record, a miss
  return renderExecCredential(execApiVersion(env.KUBERNETES_EXEC_INFO), entry.token, refreshAt(entry, memo.refresh));
}

async function readToken(target: MemoTarget, env: NodeJS.ProcessEnv): Promise<CachedToken | undefined> {
  if (target.store === 'file') return parseCachedToken(readFileSync(target.file, 'utf8'));
  // A bundle of its own in the launcher (dist/exec/keychain.cjs): a file-store hit does not parse it.
  const { recallKeychainEntry } = await import('../adapters/keychain.js');
  return recallKeychainEntry(target.key, env);
}

/** Straight to fd 1: creating process.stdout for a pipe would load node:net and streams. */
function writeAll(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    // A non-blocking pipe that is full: let the stream wait for it.
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(offset));
  }
}
