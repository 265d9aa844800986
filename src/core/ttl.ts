// The TTL decision table (Vault's, made explicit): the request, else the role default,
// else the global default; capped at the role maximum with a warning; then checked
// against what TokenRequest accepts, before anything is created. The one home of TTLs: a
// role's TTL fields, a request's --ttl and the lifetime the API server granted.

import { invalidInput } from './errors.js';
import { formatDuration, parseDuration } from './duration.js';

export const MIN_TTL_SECONDS = 600;
export const MAX_TTL_SECONDS = 2 ** 32;
export const GLOBAL_DEFAULT_TTL_SECONDS = 3600;
/** The global default as a role listing shows it. */
export const GLOBAL_DEFAULT_TTL = formatDuration(GLOBAL_DEFAULT_TTL_SECONDS);

/** A role's TTL fields, as a validated spec stores them (formatted durations). */
export interface RoleTtls {
  defaultTtl?: string;
  maxTtl?: string;
}

export interface TtlPolicy {
  requestedSeconds?: number;
  roleDefaultSeconds?: number;
  roleMaxSeconds?: number;
}

export interface ResolvedTtl {
  seconds: number;
  warnings: string[];
}

export function resolveTtl(policy: TtlPolicy): ResolvedTtl {
  const warnings: string[] = [];
  let seconds = policy.requestedSeconds ?? policy.roleDefaultSeconds ?? GLOBAL_DEFAULT_TTL_SECONDS;
  if (policy.roleMaxSeconds !== undefined && seconds > policy.roleMaxSeconds) {
    warnings.push(
      `the TTL ${formatDuration(seconds)} is greater than the role's max TTL ${formatDuration(policy.roleMaxSeconds)}; capping it at ${formatDuration(policy.roleMaxSeconds)}`,
    );
    seconds = policy.roleMaxSeconds;
  }
  checkTokenTtl(seconds, 'TTL');
  return { seconds, warnings };
}

/** The TTL a request for a role gets (`--ttl`, else the role's default, else the global default; capped at its max). */
export function requestTtl(role: { spec: RoleTtls }, requested: string | undefined): ResolvedTtl {
  return resolveTtl({
    requestedSeconds: requested === undefined ? undefined : parseRequestedTtl(requested),
    roleDefaultSeconds: storedTtlSeconds(role.spec.defaultTtl),
    roleMaxSeconds: storedTtlSeconds(role.spec.maxTtl),
  });
}

/** `--ttl`: a duration, or exit 2. */
export function parseRequestedTtl(text: string): number {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw invalidInput(`--ttl "${text}" is not a duration (use e.g. 30m, 1h or seconds)`);
  return seconds;
}

function storedTtlSeconds(duration: string | undefined): number | undefined {
  return duration === undefined ? undefined : parseDuration(duration);
}

/**
 * A role's defaultTtl or maxTtl as given (a duration or seconds): its seconds, or why it is not
 * one Kubernetes would give a token.
 */
export function roleTtlField(key: keyof RoleTtls, value: unknown): { seconds: number } | { problem: string } {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : undefined;
  if (seconds === undefined || !Number.isInteger(seconds) || seconds < 0) return { problem: `${key} "${String(value)}" is not a duration (use e.g. 30m, 1h, 80h or seconds)` };
  if (seconds < MIN_TTL_SECONDS) return { problem: `${key} ${formatDuration(seconds)} is under 10m, the shortest lifetime Kubernetes gives a token` };
  if (seconds > MAX_TTL_SECONDS) return { problem: `${key} ${formatDuration(seconds)} is over ${MAX_TTL_SECONDS}s, the longest lifetime Kubernetes gives a token` };
  return { seconds };
}

/** Why a role's default TTL and max TTL do not fit together (Vault's check), if they do not. */
export function roleTtlsProblem(defaultSeconds: number | undefined, maxSeconds: number | undefined): string | undefined {
  if (defaultSeconds === undefined || maxSeconds === undefined || defaultSeconds <= maxSeconds) return undefined;
  return `defaultTtl ${formatDuration(defaultSeconds)} cannot be greater than maxTtl ${formatDuration(maxSeconds)}`;
}

/** TokenRequest refuses lifetimes under 10 minutes or over 2^32 seconds. */
export function checkTokenTtl(seconds: number, what: string): void {
  if (seconds < MIN_TTL_SECONDS) {
    throw invalidInput(`${what} ${formatDuration(seconds)} is too short: Kubernetes tokens live at least 10m; use --ttl 10m or more`);
  }
  if (seconds > MAX_TTL_SECONDS) {
    throw invalidInput(`${what} ${formatDuration(seconds)} is too long: Kubernetes tokens live at most ${MAX_TTL_SECONDS}s`);
  }
}

/** The lifetime the API server granted, in whole seconds, from when the issuance began. */
export function grantedSeconds(issuedAt: Date, expiresAt: Date): number {
  return Math.round((expiresAt.getTime() - issuedAt.getTime()) / 1000);
}

/** A warning when the API server granted less than asked (--service-account-max-token-expiration). */
export function shortenedWarning(requestedSeconds: number, grantedSeconds: number): string | undefined {
  // The server rounds to whole seconds; only a real shortening is worth a word.
  if (grantedSeconds >= requestedSeconds - 5) return undefined;
  return `the API server shortened the token's lifetime from ${formatDuration(requestedSeconds)} to ${formatDuration(grantedSeconds)} (its --service-account-max-token-expiration); the lease expires with the token`;
}
