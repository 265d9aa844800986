// The local audit log: JSON lines appended to a private file. One short write per event
// (O_APPEND), so concurrent processes interleave whole lines.

import { constants } from 'node:fs';
import { appendFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseAuditLines, type AuditEvent } from '../core/audit.js';
import { operationFailed } from '../core/errors.js';
import { ensurePrivateDir, readTextIfExists } from './files.js';

export class AuditLog {
  constructor(private readonly path: string) {}

  async append(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await ensurePrivateDir(dirname(this.path));
    // O_NOFOLLOW: a link planted in its place must not make the tool append to another file.
    const flag = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    await appendFile(this.path, events.map((event) => `${JSON.stringify(event)}\n`).join(''), { mode: 0o600, flag }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ELOOP' ? operationFailed(`refusing to write ${this.path}: it is a symbolic link; remove it (rm ${this.path})`, error) : error;
    });
    // appendFile's mode applies only when it creates the file: keep an existing one private too.
    await chmod(this.path, 0o600);
  }

  async history(leaseId: string): Promise<AuditEvent[]> {
    return parseAuditLines((await readTextIfExists(this.path)) ?? '').filter((event) => event.leaseId === leaseId);
  }
}
