// Parsed JSON or YAML as validators meet it: an object read field by field. No imports, so the
// stores on the exec hot path can use it without loading a parser.

export type Raw = Record<string, unknown>;

/** An object: not an array, not null. */
export function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
