// Stable digests of structured values: keys are sorted before hashing, so two equal
// values always hash alike (kubelogin once hashed maps in random order).

import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  // As JSON.stringify: undefined in an array becomes null.
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the canonical JSON, hex; `length` shortens it for names and labels. */
export function digestOf(value: unknown, length = 64): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}
