// One structured log line: a JSON object with time, level, msg and fields. Everything is passed
// through a redaction guard first, so a token that reaches a message or a field by mistake (an
// error quoting a response, a copied status) never reaches the log.

export type LogLevel = 'info' | 'warn' | 'error';

export const REDACTED = '[redacted]';

// JWTs (ServiceAccount tokens: three segments) and compact JWEs (five) start with a base64url
// JSON header, `eyJ`; a bootstrap token is `[a-z0-9]{6}.[a-z0-9]{16}`; a Bearer header carries any token.
const SECRET_PATTERNS = [/eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}/g, /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, /\b(Bearer|Basic)\s+[^\s"',;]+/gi];

/** Field names whose values are secret whatever they look like. */
const SECRET_FIELD = /token|password|secret|authorization|private|^d$/i;

function redactText(text: string): string {
  return SECRET_PATTERNS.reduce((result, pattern) => result.replace(pattern, (match, scheme?: string) => (typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED)), text);
}

/** A copy of `value` fit for a log: secret-looking strings and secret-named fields replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return redactText(value.message);
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint' ? String(value) : value;
  if (depth >= 8) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_FIELD.test(key) && item !== undefined && item !== null && item !== '' ? REDACTED : redact(item, depth + 1)]));
}

const RESERVED = new Set(['time', 'level', 'msg']);

/** The JSON line (no newline) for one log event; `fields` cannot overwrite time, level or msg. */
export function renderLogLine(level: LogLevel, msg: string, fields: Record<string, unknown>, now: Date): string {
  const rest = Object.entries(redact(fields) as Record<string, unknown>).filter(([key]) => !RESERVED.has(key));
  return JSON.stringify({ time: now.toISOString(), level, msg: redactText(msg), ...Object.fromEntries(rest) });
}
