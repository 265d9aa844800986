// The TTL decision table (Vault's, made explicit): the request, else the role default,
// else the global default; capped at the role maximum with a warning; then checked
// against what TokenRequest accepts, before anything is created.

import { invalidInput } from './errors.js';
import { formatDuration } from './duration.js';

export const MIN_TTL_SECONDS = 600;
export const MAX_TTL_SECONDS = 2 ** 32;
export const GLOBAL_DEFAULT_TTL_SECONDS = 3600;

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

/** TokenRequest refuses lifetimes under 10 minutes or over 2^32 seconds. */
export function checkTokenTtl(seconds: number, what: string): void {
  if (seconds < MIN_TTL_SECONDS) {
    throw invalidInput(`${what} ${formatDuration(seconds)} is too short: Kubernetes tokens live at least 10m; use --ttl 10m or more`);
  }
  if (seconds > MAX_TTL_SECONDS) {
    throw invalidInput(`${what} ${formatDuration(seconds)} is too long: Kubernetes tokens live at most ${MAX_TTL_SECONDS}s`);
  }
}

/** A warning when the API server granted less than asked (--service-account-max-token-expiration). */
export function shortenedWarning(requestedSeconds: number, grantedSeconds: number): string | undefined {
  // The server rounds to whole seconds; only a real shortening is worth a word.
  if (grantedSeconds >= requestedSeconds - 5) return undefined;
  return `the API server shortened the token's lifetime from ${formatDuration(requestedSeconds)} to ${formatDuration(grantedSeconds)} (its --service-account-max-token-expiration); the lease expires with the token`;
}
