// The exec credential use case: serve the cached token while it has its refresh margin
// left and its lease is live; otherwise, under a per-key lock (so parallel kubectl
// processes share one issuance), check again, issue, and store. Processes waiting for the
// lock keep checking the cache, so they are served as soon as the holder has stored its
// token, without queueing for the lock one by one. A failure is remembered for a few
// seconds so kubectl's automatic retries do not hammer the API server.

import { TempcredsError } from '../core/errors.js';
import { isServable, type CachedToken, type RefreshPolicy } from '../core/token-cache.js';
import type { IssuedLease } from './issue.js';

export interface CachePort {
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, entry: CachedToken): Promise<void>;
}

export interface RecentFailure {
  message: string;
  exitCode: 1 | 2;
}

export interface CredentialDeps {
  cache: CachePort;
  /** Runs `work` under the key's lock; while another process holds it, polls `meanwhile`: a result ends the wait. */
  withLock<T>(key: string, work: () => Promise<T>, meanwhile: () => Promise<T | undefined>): Promise<T>;
  /** false once the lease was revoked here (its record is gone). */
  leaseIsLive(leaseId: string): Promise<boolean>;
  issue(): Promise<IssuedLease>;
  recentFailure(key: string): Promise<RecentFailure | undefined>;
  rememberFailure(key: string, failure: RecentFailure): Promise<void>;
  now(): Date;
  refresh: RefreshPolicy;
}

export type CredentialSource = 'cache' | 'issued';

export interface Credential {
  entry: CachedToken;
  source: CredentialSource;
  warnings: string[];
}

export async function getCredential(deps: CredentialDeps, key: string): Promise<Credential> {
  const servable = async () => {
    const entry = await deps.cache.get(key);
    return entry && isServable(entry, deps.now(), deps.refresh) && (await deps.leaseIsLive(entry.leaseId)) ? entry : undefined;
  };
  const hit = await servable();
  if (hit) return { entry: hit, source: 'cache', warnings: [] };

  const failFast = async () => {
    const failure = await deps.recentFailure(key);
    if (failure) throw new TempcredsError(failure.message, failure.exitCode);
  };
  await failFast();

  // While another process holds the lock: served as soon as it stores a token; failed as soon as it fails.
  const meanwhile = async (): Promise<Credential | undefined> => {
    const filled = await servable();
    if (filled) return { entry: filled, source: 'cache', warnings: [] };
    await failFast();
    return undefined;
  };
  return deps.withLock<Credential>(key, async () => {
    // Another process may have issued just before this one took the lock.
    const filled = await servable();
    if (filled) return { entry: filled, source: 'cache', warnings: [] };
    let issued: IssuedLease;
    try {
      issued = await deps.issue();
    } catch (error) {
      const exitCode = error instanceof TempcredsError ? error.exitCode : 1;
      await deps.rememberFailure(key, { message: (error as Error).message, exitCode });
      throw error;
    }
    const { lease, token, warnings } = issued;
    const entry: CachedToken = { token, leaseId: lease.id, issuedAt: lease.issuedAt, expiresAt: lease.expiresAt };
    // The token is good even if it cannot be cached: serve it, and say so.
    const cacheWarning = await deps.cache.set(key, entry).then(
      () => [],
      (error: Error) => [`could not cache the token (${error.message}); the next kubectl call will issue another`],
    );
    return { entry, source: 'issued', warnings: [...warnings, ...cacheWarning] };
  }, meanwhile);
}
