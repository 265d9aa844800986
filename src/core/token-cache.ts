// What the token cache stores and when an entry may be served. The key hashes
// everything that identifies a credential, so a changed role definition, issuer or
// option never serves a token issued for something else.

import { digestOf } from './digest.js';

export interface CredentialIdentity {
  /** The issuer: its cluster (server + CA) and user, as resolved from the kubeconfig. */
  server: string;
  caDigest: string;
  issuerUser: string;
  role: string;
  roleDigest: string;
  namespace: string;
  ttlSeconds?: number;
  clusterRoleBinding: boolean;
  audiences: string[];
}

export interface CachedToken {
  token: string;
  leaseId: string;
  issuedAt: string;
  expiresAt: string;
}

export function tokenCacheKey(identity: CredentialIdentity): string {
  return digestOf({ ...identity, audiences: [...identity.audiences].sort(), version: 1 });
}

export interface RefreshPolicy {
  /** Fraction of the token's lifetime kept in reserve (default 10 %). */
  fraction: number;
  /** Never less than this many seconds (default 60). */
  minSeconds: number;
}

export const DEFAULT_REFRESH: RefreshPolicy = { fraction: 0.1, minSeconds: 60 };

/** The moment the entry stops being served: its expiry minus the refresh margin. */
export function refreshAt(entry: Pick<CachedToken, 'issuedAt' | 'expiresAt'>, policy: RefreshPolicy = DEFAULT_REFRESH): Date {
  const issued = Date.parse(entry.issuedAt);
  const expires = Date.parse(entry.expiresAt);
  const margin = Math.max((expires - issued) * policy.fraction, policy.minSeconds * 1000);
  return new Date(expires - margin);
}

export function isServable(entry: CachedToken, now: Date, policy: RefreshPolicy = DEFAULT_REFRESH): boolean {
  return refreshAt(entry, policy).getTime() > now.getTime();
}

/** Parses a stored entry; anything malformed is a miss, never an error on the hot path. */
export function parseCachedToken(text: string | null | undefined): CachedToken | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<CachedToken>;
    const valid = ['token', 'leaseId', 'issuedAt', 'expiresAt'].every((key) => typeof value[key as keyof CachedToken] === 'string');
    return valid && !Number.isNaN(Date.parse(value.expiresAt!)) ? (value as CachedToken) : undefined;
  } catch {
    return undefined;
  }
}
