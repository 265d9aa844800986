// The local audit log: JSON lines appended to a private file. One short write per event
// (O_APPEND), so concurrent processes interleave whole lines.

import { appendFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseAuditLines, type AuditEvent } from '../core/audit.js';
import { ensurePrivateDir, readTextIfExists } from './files.js';

export class AuditLog {
  constructor(private readonly path: string) {}

  async append(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await ensurePrivateDir(dirname(this.path));
    await appendFile(this.path, events.map((event) => `${JSON.stringify(event)}\n`).join(''), { mode: 0o600 });
    // appendFile's mode applies only when it creates the file: keep an existing one private too.
    await chmod(this.path, 0o600);
  }

  async history(leaseId: string): Promise<AuditEvent[]> {
    return parseAuditLines((await readTextIfExists(this.path)) ?? '').filter((event) => event.leaseId === leaseId);
  }
}
