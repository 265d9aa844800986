// Role definitions on disk: one private JSON file per role, so a corrupt file affects
// only its role, and a lock per role around every read-modify-write. Reading takes no lock,
// so the exec hot path (which only reads) never loads the lock library.

import { dirname, join } from 'node:path';
import { invalidInput, operationFailed } from '../core/errors.js';
import { roleFromDocument, roleNameProblem, roleToDocument, type RoleDefinition } from '../core/role-spec.js';
import type { RoleRepository } from '../app/ports.js';
import type { HeldLock } from './locks.js';
import { listFiles, parseJsonFile, readTextIfExists, removeFile, writeFileAtomic } from './files.js';
import { checkDirectories, directoryChain } from './private-dirs.js';

async function withLock<T>(path: string, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  return (await import('./locks.js')).withLock(path, work);
}

export class RoleStore implements RoleRepository {
  constructor(private readonly directory: string) {}

  where(): string {
    return `the local roles directory ${this.directory}`;
  }

  /** The file holding role `name`; a name that is not a role name (`../x`) never becomes a path. */
  fileFor(name: string): string {
    const problem = roleNameProblem(name);
    if (problem) throw invalidInput(problem);
    return join(this.directory, `${name}.json`);
  }

  /** Before any read or write: the state root and the roles directory can be trusted. */
  private trusted(): Promise<void> {
    return checkDirectories(directoryChain(dirname(this.directory), this.directory));
  }

  async get(name: string): Promise<RoleDefinition | undefined> {
    const path = this.fileFor(name);
    await this.trusted();
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    let role: RoleDefinition;
    try {
      role = roleFromDocument(parseJsonFile(path, text), path);
    } catch (error) {
      throw operationFailed(`${path} does not hold a valid role (${(error as Error).message}); fix it or run "kubectl tempcreds role apply" again`, error);
    }
    // A file copied or planted under another name must not lend that name its grants.
    if (role.name !== name) throw operationFailed(`${path} holds role "${role.name}", not "${name}"; rename or remove that file`);
    return role;
  }

  /** Every readable role, plus the files that could not be read (the others stay usable). */
  async list(): Promise<{ roles: RoleDefinition[]; unreadable: string[] }> {
    const roles: RoleDefinition[] = [];
    const unreadable: string[] = [];
    await this.trusted();
    for (const file of await listFiles(this.directory, '.json')) {
      try {
        const name = file.slice(0, -'.json'.length);
        if (roleNameProblem(name)) throw operationFailed(`${join(this.directory, file)} is not named after a role (ROLE.json, ROLE a DNS label); rename or remove it`);
        const role = await this.get(name);
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
    await this.trusted();
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
    await this.trusted();
    return withLock(path, () => removeFile(path));
  }
}
