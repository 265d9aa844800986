// Durations as users write them for Vault and kubectl: Go-style ("1h30m", "45m", "90s",
// "80h") or a plain number of seconds ("3600").

import { invalidInput } from './errors.js';

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
export const goDuration = /^(?:\d+(?:\.\d+)?[smhd])+$/;
const part = /(\d+(?:\.\d+)?)([smhd])/g;

/** Seconds, or undefined when `text` is not a duration. Fractions of a second are refused. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!goDuration.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(part)) seconds += Number(amount) * unitSeconds[unit!]!;
  // 1.1h is 3960 s, but 1.1 * 3600 is 3960.0000000000005 in floating point.
  const whole = Math.round(seconds);
  return Math.abs(seconds - whole) < 1e-6 ? whole : undefined;
}

/** The shortest Go-style rendering: 3600 → "1h", 5400 → "1h30m", 90 → "1m30s". */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return '0s';
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds ? `${seconds}s` : ''}`;
}

/** `--request-timeout` in milliseconds: a positive duration, 15s when not given; anything else is bad input, in every command. */
export function parseRequestTimeout(text: string | undefined): number {
  const seconds = parseDuration(text ?? '15s');
  if (seconds === undefined || seconds <= 0) throw invalidInput(`--request-timeout "${text}" is not a duration (e.g. 10s, 1m)`);
  return seconds * 1000;
}
