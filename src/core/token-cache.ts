// What the token cache stores and when an entry may be served. The key hashes
// everything that identifies a credential, so a changed role definition, issuer or
// option never serves a token issued for something else.

import { digestOf } from './digest.js';
import { formatDuration, parseDuration } from './duration.js';
import { invalidInput } from './errors.js';

export interface CredentialIdentity {
  /** The issuer: its cluster (server + CA, and how it is reached) and user, as resolved from the kubeconfig. */
  server: string;
  caDigest: string;
  /** The same server URL can be another cluster behind another name or proxy. Absent ones leave older keys unchanged. */
  tlsServerName?: string;
  proxyUrl?: string;
  issuerUser: string;
  role: string;
  roleDigest: string;
  namespace: string;
  ttlSeconds?: number;
  clusterRoleBinding: boolean;
  audiences: string[];
}

/** What of the issuer identifies a credential: its cluster, how it is reached, and its user. */
export interface IssuerKeyParts {
  server: string;
  caDigest: string;
  tlsServerName?: string;
  proxyUrl?: string;
  user: string;
  userDigest: string;
}

/** What of a request identifies a credential; `namespace` as decided (core/namespace-policy). */
export interface CredentialRequestParts {
  role: string;
  roleDigest: string;
  namespace: string;
  ttl?: string;
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

/** The key a credential for this issuer and request is cached under. */
export function credentialKey(issuer: IssuerKeyParts, request: CredentialRequestParts): string {
  return tokenCacheKey({
    server: issuer.server,
    caDigest: issuer.caDigest,
    ...(issuer.tlsServerName ? { tlsServerName: issuer.tlsServerName } : {}),
    ...(issuer.proxyUrl ? { proxyUrl: issuer.proxyUrl } : {}),
    issuerUser: `${issuer.user}:${issuer.userDigest}`,
    role: request.role,
    roleDigest: request.roleDigest,
    namespace: request.namespace,
    ...(request.ttl ? { ttlSeconds: parseDuration(request.ttl) ?? -1 } : {}),
    clusterRoleBinding: request.clusterRoleBinding,
    audiences: request.audiences,
  });
}

export const TOKEN_CACHE_MODES = ['auto', 'keychain', 'file', 'none'] as const;
export type TokenCacheMode = (typeof TOKEN_CACHE_MODES)[number];

/** --token-cache, else KUBECTL_TEMPCREDS_TOKEN_CACHE, else auto. */
export function parseTokenCacheMode(value: string | undefined): TokenCacheMode {
  const mode = (value ?? 'auto').toLowerCase();
  if (!(TOKEN_CACHE_MODES as readonly string[]).includes(mode)) {
    throw invalidInput(`token cache "${value}" is not one of ${TOKEN_CACHE_MODES.join(', ')} (--token-cache or KUBECTL_TEMPCREDS_TOKEN_CACHE)`);
  }
  return mode as TokenCacheMode;
}

/** A key as tokenCacheKey makes it: it becomes a file name or keychain account, so nothing else may. */
export function isTokenCacheKey(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

export function checkTokenCacheKey(key: string): string {
  if (!isTokenCacheKey(key)) throw new Error(`${JSON.stringify(key)} is not a token cache key`);
  return key;
}

export interface RefreshPolicy {
  /** Fraction of the token's lifetime kept in reserve (default 10 %). */
  fraction: number;
  /** Never less than this many seconds (default 60). */
  minSeconds: number;
}

export const DEFAULT_REFRESH: RefreshPolicy = { fraction: 0.1, minSeconds: 60 };

/**
 * `--refresh-margin`: a percentage of the token's lifetime under 100% (at least the default
 * minimum, 60 s), or a fixed duration; the default when not given.
 */
export function parseRefreshMargin(text: string | undefined): RefreshPolicy {
  if (text === undefined) return DEFAULT_REFRESH;
  const percent = text.match(/^(\d+(?:\.\d+)?)%$/);
  if (percent && Number(percent[1]) < 100) return { fraction: Number(percent[1]) / 100, minSeconds: DEFAULT_REFRESH.minSeconds };
  const seconds = parseDuration(text);
  if (seconds === undefined) throw invalidInput(`--refresh-margin "${text}" is neither a percentage under 100% nor a duration (e.g. 10% or 5m)`);
  return { fraction: 0, minSeconds: seconds };
}

/**
 * How long before its expiry a token of this lifetime stops being served. Never more than half
 * the lifetime: an API server that shortens tokens below the margin would otherwise make every
 * kubectl call issue a new lease.
 */
export function refreshMarginSeconds(lifetimeSeconds: number, policy: RefreshPolicy = DEFAULT_REFRESH): number {
  return Math.min(wantedMarginSeconds(lifetimeSeconds, policy), lifetimeSeconds / 2);
}

function wantedMarginSeconds(lifetimeSeconds: number, policy: RefreshPolicy): number {
  return Math.max(lifetimeSeconds * policy.fraction, policy.minSeconds);
}

/** An explicit margin that would leave less than half of the token's lifetime to use is a mistake: say so before issuing. */
export function checkRefreshMargin(policy: RefreshPolicy, ttlSeconds: number): void {
  const wanted = wantedMarginSeconds(ttlSeconds, policy);
  if (wanted > ttlSeconds / 2) {
    throw invalidInput(`--refresh-margin ${formatDuration(Math.round(wanted))} is more than half of the token's lifetime ${formatDuration(ttlSeconds)}: choose a smaller margin or a longer --ttl`);
  }
}

/** The moment the entry stops being served: its expiry minus the refresh margin. */
export function refreshAt(entry: Pick<CachedToken, 'issuedAt' | 'expiresAt'>, policy: RefreshPolicy = DEFAULT_REFRESH): Date {
  const issued = Date.parse(entry.issuedAt);
  const expires = Date.parse(entry.expiresAt);
  return new Date(expires - refreshMarginSeconds((expires - issued) / 1000, policy) * 1000);
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
