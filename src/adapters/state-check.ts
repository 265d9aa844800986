// Whether the state directories are private: owned by the user, directories 0700 and
// files 0600 (group and others get nothing), writable. Missing ones are fine: they
// are created private on first use. On Windows (no POSIX owners or modes) only links and
// writability are checked: the user profile's ACLs protect the files (see private-dirs.ts).

import { constants } from 'node:fs';
import { access, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateProblem } from '../app/doctor.js';
import { hasPosixModes } from './private-dirs.js';

const MAX_DEPTH = 4;

async function inspect(path: string, depth: number, problems: StateProblem[], posix: boolean): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    problems.push({ path, problem: `cannot be read: ${(error as Error).message}`, fix: `check the permissions of ${path}` });
    return;
  }
  const uid = process.getuid?.();
  if (posix && uid !== undefined && stats.uid !== uid) {
    problems.push({ path, problem: `belongs to uid ${stats.uid}, not to you (uid ${uid})`, fix: `chown -R ${uid} ${path}` });
  }
  // The tool refuses to use a linked state directory or file (it could point anywhere).
  if (stats.isSymbolicLink()) {
    problems.push({ path, problem: 'is a symbolic link; state directories and files must be real ones', fix: `rm ${path}` });
    return;
  }
  // Lock directories (proper-lockfile) hold nothing and live for a moment.
  if (stats.isDirectory() && path.endsWith('.lock')) return;
  // Windows' reported modes mean nothing (every directory 777): none to judge.
  const mode = posix ? stats.mode & 0o777 : 0;
  if (stats.isDirectory()) {
    if (mode & 0o077) problems.push({ path, problem: `is open to others (mode ${mode.toString(8)}; want 700)`, fix: `chmod 700 ${path}` });
    try {
      await access(path, constants.W_OK | constants.X_OK);
    } catch {
      problems.push({ path, problem: 'is not writable by you', fix: `chmod u+rwx ${path}` });
    }
    if (depth >= MAX_DEPTH) return;
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const entry of entries) await inspect(join(path, entry), depth + 1, problems, posix);
  } else if (mode & 0o077) {
    problems.push({ path, problem: `is open to others (mode ${mode.toString(8)}; want 600)`, fix: `chmod 600 ${path}` });
  }
}

export async function inspectStateDirectories(directories: string[], platform: NodeJS.Platform = process.platform): Promise<StateProblem[]> {
  const problems: StateProblem[] = [];
  for (const directory of directories) await inspect(directory, 0, problems, hasPosixModes(platform));
  return problems;
}
