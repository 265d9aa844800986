// Writes the tool's entries into a kubeconfig the user owns, as carefully as kubectl's own
// writers: under client-go's `<file>.lock`, through symlinks to the real file, keeping its mode,
// and atomically (a temporary file renamed over the real one).

import { existsSync } from 'node:fs';
import { lstat, mkdir, open, readlink, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';
import { operationFailed } from '../core/errors.js';
import { withExecEntries, type NamedEntry } from '../core/kubeconfig-entry.js';
import { readTextIfExists, replaceFile } from './files.js';
import { kubeconfigPaths, parseKubeconfig } from './kubeconfig.js';

/** kubectl holds the lock for milliseconds; one held longer is a crashed writer's, which kubectl too would refuse. */
const LOCK_WAIT_MS = 3000;
const LOCK_RETRY_MS = 100;
const MAX_SYMLINKS = 40;

/** The file kubectl writes new entries to (client-go's GetDefaultFilename): the explicit one, else the first that exists, else the first. */
export function kubeconfigToWrite(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const paths = kubeconfigPaths(explicit, env);
  return paths.find((path) => existsSync(path)) ?? paths[0]!;
}

/**
 * Adds or replaces the tool's user and context in `path` (refusing entries it did not write,
 * unless `force`). Unchanged content is not rewritten.
 */
export async function writeExecEntries(path: string, entries: { user: NamedEntry; context: NamedEntry }, force: boolean): Promise<void> {
  const target = await followSymlinks(path);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await withClientGoLocks([resolve(path), target], async () => {
    const text = await readTextIfExists(target);
    const next = yaml.dump(withExecEntries(text === undefined ? {} : parseKubeconfig(path, text), entries, { file: path, force }), { noRefs: true, lineWidth: -1 });
    if (next === text) return;
    const mode = text === undefined ? 0o600 : (await stat(target)).mode & 0o7777;
    await replaceFile(target, next, mode);
  });
}

/** The file a path names once every symlink is followed, also when the last one dangles (the file is then created there). */
async function followSymlinks(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_SYMLINKS; hops++) {
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw operationFailed(`cannot read the kubeconfig ${path}: ${error.message}`, error);
    });
    if (!info?.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw operationFailed(`the kubeconfig ${path} is a loop of symlinks: point it at a real file`);
}

/**
 * client-go's lock (tools/clientcmd, ModifyConfig): `<file>.lock` created with O_CREATE|O_EXCL,
 * removed when done, taken for each file in sorted order. client-go locks the name it was given;
 * for a symlink both that name and the real file are taken, whichever one a kubectl was given.
 */
async function withClientGoLocks<T>(paths: string[], work: () => Promise<T>): Promise<T> {
  const held: string[] = [];
  try {
    for (const lock of [...new Set(paths.map((path) => `${path}.lock`))].sort()) {
      await takeLock(lock);
      held.push(lock);
    }
    return await work();
  } finally {
    for (const lock of held) await rm(lock, { force: true });
  }
}

async function takeLock(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lock, 'wx', 0)).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw operationFailed(`cannot create the lock ${lock}: ${(error as Error).message}`, error);
    }
    if (Date.now() >= deadline) {
      throw operationFailed(`another writer holds ${lock} (kubectl's kubeconfig lock) for over ${LOCK_WAIT_MS / 1000}s: retry, or if no kubectl is changing the kubeconfig, remove it`);
    }
    await new Promise((done) => setTimeout(done, LOCK_RETRY_MS));
  }
}
