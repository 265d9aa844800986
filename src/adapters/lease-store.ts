// Lease records on disk, one private JSON file per lease under a folder per role: the
// fast, API-free record of what each issuance created. Never holds a token.

import { dirname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { invalidInput, operationFailed } from '../core/errors.js';
import { parseLeaseId, type LeaseRecord } from '../core/lease.js';
import { leaseRecordProblems } from '../core/lease-record.js';
import { roleNameProblem } from '../core/role-spec.js';
import { listFiles, parseJsonFile, readTextIfExists, removeFile, writeFileAtomic } from './files.js';
import { leaseRecordFile } from './paths.js';
import { checkDirectories, directoryChain } from './private-dirs.js';

function isLeaseId(id: string): boolean {
  try {
    return parseLeaseId(id) !== undefined;
  } catch {
    return false;
  }
}

function invalidRecord(path: string, why: string) {
  return operationFailed(`${path} is not a valid lease record (${why}); it is not acted on — remove that file if you did not write it`);
}

export class LeaseStore {
  constructor(private readonly directory: string) {}

  /** The record's file, once every directory from the state root down to it can be trusted. */
  private async file(id: string): Promise<string> {
    const path = leaseRecordFile(this.directory, id);
    await checkDirectories(directoryChain(dirname(this.directory), dirname(path)));
    return path;
  }

  async save(lease: LeaseRecord): Promise<void> {
    await writeFileAtomic(await this.file(lease.id), `${JSON.stringify(lease, null, 2)}\n`);
  }

  async get(id: string): Promise<LeaseRecord | undefined> {
    const path = await this.file(id);
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    // Its objects become DELETEs as the issuer: a record that issuance could not have written is never used.
    const value = parseJsonFile(path, text);
    const problems = leaseRecordProblems(value, id);
    if (problems.length > 0) throw invalidRecord(path, problems.join('; '));
    return value as LeaseRecord;
  }

  /** Records of one role (exactly that role) or of all; unreadable files are reported, not fatal. */
  async list(role?: string): Promise<{ leases: LeaseRecord[]; unreadable: string[] }> {
    const roleProblem = role === undefined ? undefined : roleNameProblem(role);
    if (roleProblem) throw invalidInput(roleProblem);
    await checkDirectories(directoryChain(dirname(this.directory), this.directory));
    const roles = role ? [role] : await this.roleFolders();
    const leases: LeaseRecord[] = [];
    const unreadable: string[] = [];
    for (const roleName of roles) {
      for (const file of await listFiles(join(this.directory, roleName), '.json')) {
        try {
          const id = `${roleName}/${file.slice(0, -'.json'.length)}`;
          if (!isLeaseId(id)) throw invalidRecord(join(this.directory, roleName, file), 'its path is not ROLE/ID.json of a lease id');
          const lease = await this.get(id);
          if (lease) leases.push(lease);
        } catch (error) {
          unreadable.push((error as Error).message);
        }
      }
    }
    return { leases, unreadable };
  }

  async delete(id: string): Promise<boolean> {
    return removeFile(await this.file(id));
  }

  private async roleFolders(): Promise<string[]> {
    try {
      // Symbolic links too: their records are then reported as untrusted, not silently skipped.
      return (await readdir(this.directory, { withFileTypes: true })).filter((entry) => entry.isDirectory() || entry.isSymbolicLink()).map((entry) => entry.name).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
