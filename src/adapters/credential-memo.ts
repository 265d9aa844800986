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

import { readFileSync, statSync } from 'node:fs';
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
  'DBUS_SESSION_BUS_ADDRESS',
];

/** Where the token was found, with what the hot path needs to serve it. */
export type MemoTarget = { store: 'file'; file: string; key: string } | { store: 'keychain'; key: string };

export interface MemoValue {
  target: MemoTarget;
  /** The lease records' directory (the hit checks that the token's lease is still recorded). */
  leases: string;
  refresh: { fraction: number; minSeconds: number };
}

interface MemoEntry extends MemoValue {
  version: 1;
  invocation: string;
  stamps: [path: string, stamp: string][];
}

/**
 * The invocation, as the memo keys it. The working directory is part of it only when a path the
 * answer depends on is relative (kubectl runs the plugin from wherever kubectl was started).
 */
/** `hookInputs`: the test build's variables that change what the full path does (test-hooks/faults.ts). */
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

function memoFile(directory: string, invocation: string): string {
  return join(directory, `${nameOf(invocation)}.json`);
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
    isTokenCacheKey(target?.key) &&
    (target.store === 'keychain' || (target.store === 'file' && target.file === join(where.tokens, `${target.key}.json`)))
  );
}

/** Where this state keeps lease records and token files: a memo entry must point there. */
export interface MemoLocations {
  leases: string;
  tokens: string;
}

/** The remembered answer for this invocation, if it is valid and every file it came from is unchanged. */
export function recallMemo(directory: string, invocation: string, where: MemoLocations): MemoValue | undefined {
  let entry: MemoEntry;
  try {
    entry = JSON.parse(readFileSync(memoFile(directory, invocation), 'utf8')) as MemoEntry;
  } catch {
    return undefined;
  }
  if (!isValidEntry(entry, invocation, where)) return undefined;
  if (!entry.stamps.every(([path, stamp]) => fileStamp(path) === stamp)) return undefined;
  return { target: entry.target, leases: entry.leases, refresh: entry.refresh };
}

/**
 * Remembers the answer, stamped with the files it was derived from. A file changed at or after
 * `readStartedMs` (minus a margin for coarse file-system clocks) may have changed while it was
 * being read: then nothing is remembered, and the next call takes the full path again.
 */
export async function rememberMemo(directory: string, invocation: string, files: string[], value: MemoValue, readStartedMs: number): Promise<void> {
  const RACY_MARGIN_NS = 2_000_000_000n;
  const stamps: [string, string][] = [];
  for (const path of new Set(files)) {
    const stamp = fileStamp(path);
    const ctimeNs = stamp ? BigInt(stamp.split(':')[4]!) : 0n;
    if (ctimeNs >= BigInt(readStartedMs) * 1_000_000n - RACY_MARGIN_NS) return;
    stamps.push([path, stamp]);
  }
  const entry: MemoEntry = { version: 1, invocation, stamps, ...value };
  const { writeFileAtomic } = await import('./files.js');
  await writeFileAtomic(memoFile(directory, invocation), JSON.stringify(entry));
}
