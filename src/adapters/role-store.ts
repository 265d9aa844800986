// Role definitions on disk: one private JSON file per role, so a corrupt file affects
// only its role, and a lock per role around every read-modify-write. Reading takes no lock,
// so the exec hot path (which only reads) never loads the lock library.

import { join } from 'node:path';
import { operationFailed } from '../core/errors.js';
import { roleFromDocument, roleToDocument, type RoleDefinition } from '../core/role-spec.js';
import type { HeldLock } from './locks.js';
import { listFiles, parseJsonFile, readTextIfExists, removeFile, writeFileAtomic } from './files.js';

async function withLock<T>(path: string, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  return (await import('./locks.js')).withLock(path, work);
}

export class RoleStore {
  constructor(private readonly directory: string) {}

  /** The file holding role `name`. */
  fileFor(name: string): string {
    return join(this.directory, `${name}.json`);
  }

  async get(name: string): Promise<RoleDefinition | undefined> {
    const path = this.fileFor(name);
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    try {
      return roleFromDocument(parseJsonFile(path, text), path);
    } catch (error) {
      throw operationFailed(`${path} does not hold a valid role (${(error as Error).message}); fix it or run "kubectl tempcreds role apply" again`, error);
    }
  }

  /** Every readable role, plus the files that could not be read (the others stay usable). */
  async list(): Promise<{ roles: RoleDefinition[]; unreadable: string[] }> {
    const roles: RoleDefinition[] = [];
    const unreadable: string[] = [];
    for (const file of await listFiles(this.directory, '.json')) {
      try {
        const role = await this.get(file.slice(0, -'.json'.length));
        if (role) roles.push(role);
      } catch (error) {
        unreadable.push((error as Error).message);
      }
    }
    return { roles, unreadable };
  }

  /**
   * Read-modify-write under the role's lock: `change` sees the current definition
   * (undefined if none) and returns the new one, so concurrent writers never lose an update.
   */
  async update(name: string, change: (current: RoleDefinition | undefined) => RoleDefinition): Promise<RoleDefinition> {
    const path = this.fileFor(name);
    return withLock(path, async (lock) => {
      const next = change(await this.get(name));
      // A holder that stalled may have lost the lock to another writer, who read the same old role.
      lock.ensureHeld();
      await writeFileAtomic(path, `${JSON.stringify(roleToDocument(next), null, 2)}\n`);
      return next;
    });
  }

  async delete(name: string): Promise<boolean> {
    const path = this.fileFor(name);
    return withLock(path, () => removeFile(path));
  }
}
