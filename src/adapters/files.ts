// Private, atomic files: directories 0700, files 0600, every write to a temporary file
// renamed into place, so a reader never sees half a file and a crash never truncates one.

import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TempcredsError, invalidInput, operationFailed } from '../core/errors.js';
import { untrustedDirectory } from './private-dirs.js';

export async function ensurePrivateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    const info = await lstat(path);
    const problem = untrustedDirectory(path, info);
    if (problem) throw operationFailed(problem);
    // mkdir leaves an existing directory's mode alone; one others may read is tightened.
    if ((info.mode & 0o077) !== 0) await chmod(path, 0o700);
  } catch (error) {
    if (error instanceof TempcredsError) throw error;
    throw fileError('cannot create the directory', path, await realMkdirError(path, error));
  }
}

/** A recursive mkdir reports ENOENT on a read-only file system; one level at a time tells the truth. */
async function realMkdirError(path: string, error: unknown): Promise<unknown> {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  let missing = path;
  while (dirname(missing) !== missing && !(await stat(dirname(missing)).then(() => true, () => false))) missing = dirname(missing);
  return mkdir(missing, { mode: 0o700 }).then(() => error, (real: unknown) => real);
}

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  await replaceFile(path, content, 0o600);
}

/** Writes a temporary file beside `path` with `mode` (no umask) and renames it over `path`. */
export async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw fileError('cannot write', path, error);
  }
}

/** The file's text, or undefined when it does not exist; a symbolic link is not followed. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw operationFailed(`refusing to read ${path}: it is a symbolic link, and state files must be real ones; remove it (rm ${path}) and run again`, error);
    throw fileError('cannot read', path, error);
  }
}

/** The largest input file (role documents, rules) read: far above any real one. */
const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * An input file the user names ("-" for stdin), read as text: at most MAX_INPUT_BYTES + 1
 * bytes are ever read, so a huge file or an endless stream is refused without filling memory.
 */
export async function readInputFile(path: string, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const stream = path === '-' ? process.stdin : createReadStream(path, { end: MAX_INPUT_BYTES });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_INPUT_BYTES) break;
    }
  } catch (error) {
    throw invalidInput(`cannot read ${what}: ${(error as Error).message}`);
  }
  if (size > MAX_INPUT_BYTES) throw invalidInput(`${what} is larger than 1 MiB, far more than any role definition needs: check that it is the right file`);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON state file; a corrupt one is an error naming the file, never silently replaced. */
export function parseJsonFile(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw operationFailed(`${path} is corrupt (${(error as Error).message}); fix or remove that file — the other records are untouched`, error);
  }
}

export async function listFiles(directory: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(directory)).filter((name) => name.endsWith(suffix) && !name.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileError('cannot list', directory, error);
  }
}

/** true when it was there. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fileError('cannot remove', path, error);
  }
}

function fileError(action: string, path: string, error: unknown) {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? ' (no permission: check the directory, or point KUBECTL_TEMPCREDS_HOME at a writable one)'
      : code === 'ENOSPC'
        ? ' (the disk is full: free some space)'
        : '';
  return operationFailed(`${action} ${path}: ${(error as Error).message}${hint}`, error);
}
