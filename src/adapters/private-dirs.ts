// Whether a state directory can be trusted before anything in it is read or written: a real
// directory (not a symbolic link someone could point elsewhere), owned by the user, writable by
// no one else (who could otherwise plant lease records or role files). A missing one is fine: it
// is created private. Only node:fs, so the exec hot path can use it.
//
// Windows has no POSIX owner or modes (Node reports every directory as 777, uid 0): there the
// state lives in the user profile (%APPDATA%, %LOCALAPPDATA%), whose ACLs grant only the user,
// SYSTEM and Administrators; only the symbolic link (and junction) check applies.

import { lstatSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { operationFailed } from '../core/errors.js';

/** `root` and every directory below it down to `directory` (which must lie within it). */
export function directoryChain(root: string, directory: string): string[] {
  // The callers join() directories below an absolute root: a normalized path under it needs no
  // relative(), whose first call costs the exec cache hit ~50 µs.
  const prefix = root.endsWith(sep) ? root : `${root}${sep}`;
  const plainlyBelow = isAbsolute(root) && directory.startsWith(prefix) && !directory.endsWith(sep) && normalize(directory) === directory;
  const below = plainlyBelow ? directory.slice(prefix.length) : relative(root, directory);
  if (below === '') return [root];
  if (below.startsWith('..') || below.startsWith(sep)) throw new Error(`${directory} is not under ${root}`);
  const chain = [root];
  for (const part of below.split(sep)) chain.push(join(chain[chain.length - 1]!, part));
  return chain;
}

/** Whether the platform has POSIX owners and modes to check. */
export const hasPosixModes = (platform: NodeJS.Platform = process.platform) => platform !== 'win32';

/** Why `path` is not a directory to trust, with the fix; undefined when it is. */
export function untrustedDirectory(path: string, info: Stats, platform: NodeJS.Platform = process.platform): string | undefined {
  const uid = process.getuid?.();
  const refuse = (why: string, fix: string) => `refusing to use ${path}: ${why}; ${fix}`;
  if (info.isSymbolicLink()) return refuse('it is a symbolic link, and state directories must be real ones', `remove the link (rm ${path}) and run again`);
  if (!info.isDirectory()) return refuse('it is not a directory', `remove it (rm ${path}) and run again`);
  if (!hasPosixModes(platform)) return undefined;
  if (uid !== undefined && info.uid !== uid) return refuse(`it belongs to uid ${info.uid}, not to you (uid ${uid})`, `remove it, or if it is yours: chown -R ${uid} ${path}`);
  if (info.mode & 0o022) return refuse(`others may write to it (mode ${(info.mode & 0o777).toString(8)})`, `check what is in it, then: chmod 700 ${path}`);
  return undefined;
}

/** Throws (exit code 1) at the first directory that cannot be trusted. */
export async function checkDirectories(paths: string[]): Promise<void> {
  for (const path of paths) {
    let info: Stats | undefined;
    try {
      info = await lstat(path);
    } catch (error) {
      // Missing (or under a file): so is what is below; creating it will say what is wrong.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw operationFailed(`cannot check ${path}: ${(error as Error).message}`, error);
    }
    const problem = untrustedDirectory(path, info);
    if (problem) throw operationFailed(problem);
  }
}

/** For the exec hot path: whether every directory is trustworthy (missing ones are). */
export function directoriesTrusted(paths: string[]): boolean {
  try {
    for (const path of paths) {
      const info = lstatSync(path, { throwIfNoEntry: false });
      if (!info) return true;
      if (untrustedDirectory(path, info)) return false;
    }
    return true;
  } catch {
    return false;
  }
}
