// The audit trail's entries: one JSON line per issue, revoke and gc of a lease — who, what,
// where, which objects, the outcome. Never a token: the shape has no place for one.

export type AuditAction = 'issue' | 'revoke' | 'gc';

export interface AuditEvent {
  time: string;
  action: AuditAction;
  /** The issuer: kubeconfig user @ context. */
  identity: string;
  role: string;
  namespace: string;
  leaseId: string;
  objects: string[];
  outcome: 'ok' | 'failed';
  error?: string;
}

/** Parses audit lines, skipping any that are not whole JSON objects (a torn last line after a crash). */
export function parseAuditLines(text: string): AuditEvent[] {
  return text.split('\n').flatMap((line) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as AuditEvent];
    } catch {
      return [];
    }
  });
}
