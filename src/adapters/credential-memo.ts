// The exec hot path's memo: which token cache entry one exact `token` invocation resolved to,
// so a cache hit can skip reading the role, parsing the kubeconfig (YAML) and hashing the key.
// An entry holds the invocation (arguments, the environment variables that matter, the working
// directory if a path is relative) and a stamp of every file the key was derived from (the role, each kubeconfig file,
// the CA file: device, inode, size, mtime and ctime in ns, or "absent"); it is used only while
// all of them are unchanged, like git's index. Any doubt is a miss, never an error: the full
// path then runs and writes a fresh entry. It never holds a token.
//
// Reading it needs only node:fs and node:path (no crypto, no YAML): the memo file name is a
// non-cryptographic hash, and the entry repeats the invocation so a collision is only a miss.

import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { isTokenCacheKey } from '../core/token-cache.js';

/** Everything besides file contents that the slow path's answer depends on. */
const ENV_INPUTS = [
  'KUBECONFIG',
  'HOME',
  'KUBECTL_TEMPCREDS_HOME',
  'XDG_CONFIG_HOME',
  'XDG_STATE_HOME',
  'XDG_CACHE_HOME',
  'KUBECTL_TEMPCREDS_TOKEN_CACHE',
  'KUBECTL_TEMPCREDS_DELEGATED',
  'KUBECTL_TEMPCREDS_ROLES',
  'DBUS_SESSION_BUS_ADDRESS',
];

/** Where the token was found, with what the hot path needs to serve it. */
export type MemoTarget = { store: 'file'; file: string; key: string } | { store: 'keychain'; key: string };

export interface MemoValue {
  target: MemoTarget;
  /** The lease records' directory (the hit checks that the token's lease is still recorded). */
  leases: string;
  refresh: { fraction: number; minSeconds: number };
  /**
   * Epoch ms after which the entry is not used: what no file stamps (a role in the cluster) is read
   * again then. A young entry (see rememberMemo) always has one, and serves only a caller that waited for it.
   */
  until?: number;
}

interface MemoEntry extends MemoValue {
  version: 1;
  invocation: string;
  stamps: [path: string, stamp: string][];
}

/**
 * The invocation, as the memo keys it. The working directory is part of it only when a path the
 * answer depends on is relative (kubectl runs the plugin from wherever kubectl was started).
 * `hookInputs`: the test build's variables that change what the full path does (test-hooks/faults.ts).
 */
export function memoInvocation(args: string[], env: NodeJS.ProcessEnv, hookInputs: readonly string[] = []): string {
  const paths = [
    ...(env.KUBECONFIG ?? '').split(delimiter),
    ...['KUBECTL_TEMPCREDS_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME'].map((name) => env[name] ?? ''),
    ...args.flatMap((arg, i) => (arg === '--kubeconfig' ? [args[i + 1] ?? ''] : arg.startsWith('--kubeconfig=') ? [arg.slice('--kubeconfig='.length)] : [])),
  ].filter(Boolean);
  const cwd = paths.every(isAbsolute) ? null : process.cwd();
  return JSON.stringify([args, [...ENV_INPUTS, ...hookInputs].map((name) => env[name] ?? null), cwd]);
}

/** FNV-1a, 2 × 32 bits: a file name, not a security boundary (the entry repeats the invocation). */
function nameOf(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 7);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

function memoFile(directory: string, invocation: string, kind: 'json' | 'young.json' | 'claim' = 'json'): string {
  return join(directory, `${nameOf(invocation)}.${kind}`);
}

/** A file's identity and version; '' when it does not exist. */
function fileStamp(path: string): string {
  const info = statSync(path, { bigint: true, throwIfNoEntry: false });
  return info ? `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}` : '';
}

/**
 * Whether an entry read back is one rememberMemo could have written for this state: a forged
 * one must not point the hit at another file, keychain account or lease directory.
 */
function isValidEntry(entry: MemoEntry, invocation: string, where: MemoLocations): boolean {
  const { version, target, leases, refresh, stamps } = entry ?? {};
  return (
    version === 1 &&
    entry.invocation === invocation &&
    Array.isArray(stamps) &&
    stamps.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string') &&
    leases === where.leases &&
    typeof refresh?.fraction === 'number' &&
    typeof refresh.minSeconds === 'number' &&
    (entry.until === undefined || typeof entry.until === 'number') &&
    isTokenCacheKey(target?.key) &&
    (target.store === 'keychain' || (target.store === 'file' && target.file === join(where.tokens, `${target.key}.json`)))
  );
}

/** Where this state keeps lease records and token files: a memo entry must point there. */
export interface MemoLocations {
  leases: string;
  tokens: string;
}

/**
 * The remembered answer for this invocation, if it is valid and every file it came from is
 * unchanged. `young`: also a young entry, for a caller that waited for another process's full
 * path (claimInvocation) while it ran — that caller read nothing itself.
 */
export function recallMemo(directory: string, invocation: string, where: MemoLocations, young = false, nowMs = Date.now()): MemoValue | undefined {
  for (const kind of young ? (['json', 'young.json'] as const) : (['json'] as const)) {
    let entry: MemoEntry;
    try {
      entry = JSON.parse(readFileSync(memoFile(directory, invocation, kind), 'utf8')) as MemoEntry;
    } catch {
      continue;
    }
    if (!isValidEntry(entry, invocation, where)) continue;
    if (kind === 'young.json' && typeof entry.until !== 'number') continue;
    // A young entry, or one whose sources include a cluster role (no file to stamp), lasts until `until`.
    if (entry.until !== undefined && nowMs >= entry.until) continue;
    if (!entry.stamps.every(([path, stamp]) => fileStamp(path) === stamp)) continue;
    return { target: entry.target, leases: entry.leases, refresh: entry.refresh };
  }
  return undefined;
}

/** Whether an entry (or a young one) is there to recall: a waiter's cheap poll, one stat each. */
export function memoWritten(directory: string, invocation: string): boolean {
  return (['json', 'young.json'] as const).some((kind) => statSync(memoFile(directory, invocation, kind), { throwIfNoEntry: false }) !== undefined);
}

/** The per-key lock's stale time (locks.ts): a holder stopped that long (it refreshes its claim) is overtaken. */
const CLAIM_STALE_MS = 10_000;

/**
 * The first of several processes starting the same invocation at once (a burst of kubectl on a
 * cold cache) claims it and runs the full path; the others wait for its answer instead of each
 * running the full path. Returns the release of this process's claim, or undefined while another
 * live process holds a fresh one. Not a lock: the full path keeps its own per-key lock, and a
 * waiter that is not served when the claim ends (or goes stale) runs the full path itself.
 */
export function claimInvocation(directory: string, invocation: string): (() => void) | undefined {
  const file = memoFile(directory, invocation, 'claim');
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 }); // a cold state has none yet
  } catch {
    return () => undefined;
  }
  // Which claim is this process's: a holder taken over as stale must not touch its successor's.
  const owner = `${process.pid} ${process.hrtime.bigint()}`;
  const ours = () => {
    try {
      return readFileSync(file, 'utf8') === owner;
    } catch {
      return false;
    }
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, owner);
      } finally {
        closeSync(fd);
      }
      // Kept fresh while the holder works (a slow issuance on a loaded machine outlives the stale time).
      const refresh = setInterval(() => {
        try {
          if (!ours()) return clearInterval(refresh);
          const now = new Date();
          utimesSync(file, now, now);
        } catch {
          clearInterval(refresh); // gone: the waiters run the full path themselves
        }
      }, CLAIM_STALE_MS / 4).unref();
      return () => {
        clearInterval(refresh);
        if (ours()) unlinkSync(file);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return () => undefined; // cannot claim: run alone
      if (invocationClaimed(directory, invocation)) return undefined;
      try {
        unlinkSync(file); // stale, or its holder is gone
      } catch {
        // another process took it over first
      }
    }
  }
  return undefined;
}

/** Whether a process that is still running holds a fresh claim on the invocation. */
export function invocationClaimed(directory: string, invocation: string): boolean {
  const file = memoFile(directory, invocation, 'claim');
  let pid: number;
  try {
    const info = statSync(file, { throwIfNoEntry: false });
    if (!info || Date.now() - info.mtimeMs >= CLAIM_STALE_MS) return false;
    pid = Number(readFileSync(file, 'utf8').split(' ')[0]);
  } catch {
    return false; // released between the stat and the read
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // being written: give it the stale time
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // ESRCH: killed before it released it
  }
}

/**
 * Remembers the answer, stamped with the files it was derived from. A file changed at or after
 * `readStartedMs` (minus a margin for coarse file-system clocks) may have changed while it was
 * being read: then nothing is remembered, and the next call takes the full path again.
 * Files changed in the two seconds before the read (a kubeconfig written just before a burst)
 * give a young entry instead, for the processes waiting on this one's claim only and for a few
 * seconds: the file system's times must then be finer than a millisecond (a coarse one, say
 * FAT's or a network file system's, could hide a change during the read) and the change must
 * precede the read by more than the kernel's timestamp clock can lag.
 */
export async function rememberMemo(directory: string, invocation: string, files: string[], value: MemoValue, readStartedMs: number): Promise<void> {
  const RACY_MARGIN_NS = 2_000_000_000n;
  const YOUNG_MARGIN_NS = 20_000_000n; // two ticks of the coarsest kernel timestamp clock (HZ=100)
  const YOUNG_VALID_MS = 30_000;
  const readStartedNs = BigInt(readStartedMs) * 1_000_000n;
  const stamps: [string, string][] = [];
  let young = false;
  for (const path of new Set(files)) {
    const stamp = fileStamp(path);
    const ctimeNs = stamp ? BigInt(stamp.split(':')[4]!) : 0n;
    if (ctimeNs >= readStartedNs - RACY_MARGIN_NS) {
      if (ctimeNs >= readStartedNs - YOUNG_MARGIN_NS || ctimeNs % 1_000_000n === 0n) return;
      young = true;
    }
    stamps.push([path, stamp]);
  }
  // A young entry lasts YOUNG_VALID_MS, and never beyond the value's own `until`.
  const until = young ? Math.min(Date.now() + YOUNG_VALID_MS, value.until ?? Infinity) : value.until;
  const entry: MemoEntry = { version: 1, invocation, stamps, ...value, ...(until !== undefined ? { until } : {}) };
  const { writeFileAtomic } = await import('./files.js');
  await writeFileAtomic(memoFile(directory, invocation, young ? 'young.json' : 'json'), JSON.stringify(entry));
}
