// The exec credential use case (kubectl runs `token` before its API calls): decide what the
// invocation asks for — the role, the issuer, the namespace (the same policy as `issue`), the
// cache key — then serve the cached token while it has its refresh margin left and its lease
// is live; otherwise, under a per-key lock (so parallel kubectl processes share one issuance),
// check again, issue, and store. Processes waiting for the lock keep checking the cache, so
// they are served as soon as the holder has stored its token, without queueing for the lock
// one by one. A failure is remembered for a few seconds (by the injected clock) so kubectl's
// automatic retries do not hammer the API server.

import { basename } from 'node:path';
import { TempcredsError, invalidInput } from '../core/errors.js';
import { decideNamespace } from '../core/namespace-policy.js';
import { roleDigest, type RoleDefinition, unknownRole } from '../core/role-spec.js';
import { requestTtl } from '../core/ttl.js';
import { checkRefreshMargin, credentialKey, isServable, type CachedToken, type RefreshPolicy, type TokenCacheMode } from '../core/token-cache.js';
import type { IssuedLease, IssueRequest } from './issue.js';
import type { Clock, IssuerFingerprint, RoleRepository, TokenStore } from './ports.js';

/** What one `token` invocation asks for. */
export interface CredentialInput {
  role: string;
  /** -n as given; the namespace policy lower-cases it, or picks the role's only namespace. */
  namespace?: string;
  ttl?: string;
  clusterRoleBinding: boolean;
  audiences: string[];
  refresh: RefreshPolicy;
  cacheMode: TokenCacheMode;
  /** --context: the issuer context (default: the role's, else the kubeconfig's current one). */
  context?: string;
}

export interface RecentFailure {
  message: string;
  exitCode: 1 | 2;
}

/** A failure as remembered, with the moment (epoch ms) it stops being repeated. */
export interface RememberedFailure extends RecentFailure {
  until: number;
}

export interface FailureMemory {
  recall(key: string): Promise<RememberedFailure | undefined>;
  remember(key: string, failure: RememberedFailure): Promise<void>;
}

/** Runs `work` under the key's lock; while another process holds it, polls `meanwhile`: a result ends the wait. */
export type KeyLock = <T>(key: string, work: () => Promise<T>, meanwhile: () => Promise<T | undefined>) => Promise<T>;

/** What the issuance of a missing token is given besides the request. */
export interface IssueContext {
  role: RoleDefinition;
  /** The context the key was derived from: issuance must not let the client choose again. */
  issuerContext: string;
  key: string;
}

export interface CredentialPorts {
  roles: Pick<RoleRepository, 'get'>;
  /** The issuer a context (undefined: the current one) stands for, read from the kubeconfig. */
  issuer(context: string | undefined): IssuerFingerprint;
  tokens(mode: TokenCacheMode): Promise<Pick<TokenStore, 'kind' | 'get' | 'set' | 'fileFor' | 'notice'>>;
  lock: KeyLock;
  /** false once the lease was revoked here (its record is gone). */
  leaseIsLive(leaseId: string): Promise<boolean>;
  issue(request: IssueRequest, context: IssueContext): Promise<IssuedLease>;
  failures: FailureMemory;
  /** Remembers which entry this invocation resolved to, for the hot path (./exec/hit.ts); best effort. */
  memo(resolved: { key: string; role: string; store: TokenStore['kind']; file: string | undefined; issuer: IssuerFingerprint }): Promise<void>;
  clock: Clock;
}

export type CredentialSource = 'cache' | 'issued';

export interface Credential {
  entry: CachedToken;
  source: CredentialSource;
  /** For stderr: the issuance's warnings, and the token store's notice (only when a token was issued). */
  warnings: string[];
}

/** How long a failure is repeated instead of retried. */
export const FAILURE_MEMORY_MS = 5000;

export async function getCredential(ports: CredentialPorts, input: CredentialInput): Promise<Credential> {
  const role = await ports.roles.get(input.role);
  if (!role) throw unknownRole(input.role);
  checkRefreshMargin(input.refresh, requestTtl(role, input.ttl).seconds);
  const issuer = ports.issuer(input.context ?? role.spec.issuerContext);
  if (issuer.execCommand && basename(issuer.execCommand).startsWith('kubectl-tempcreds')) {
    throw invalidInput(`the issuer context "${issuer.context}" itself runs kubectl-tempcreds: pass --context with an issuer context that has its own credentials`);
  }
  const { namespace } = decideNamespace(role, input.namespace);
  const key = credentialKey(issuer, { role: input.role, roleDigest: roleDigest(role), namespace, ttl: input.ttl, clusterRoleBinding: input.clusterRoleBinding, audiences: input.audiences });
  const tokens = await ports.tokens(input.cacheMode);
  const request: IssueRequest = { role: input.role, namespace: input.namespace, ttl: input.ttl, clusterRoleBinding: input.clusterRoleBinding, audiences: input.audiences };
  const credential = await serve({ ...ports, tokens, issue: () => ports.issue(request, { role, issuerContext: issuer.context, key }) }, key, input.refresh);
  if (tokens.kind !== 'none') await ports.memo({ key, role: input.role, store: tokens.kind, file: tokens.fileFor?.(key), issuer }).catch(() => undefined);
  return credential.source === 'issued' && tokens.notice ? { ...credential, warnings: [...credential.warnings, tokens.notice] } : credential;
}

export interface ServePorts extends Pick<CredentialPorts, 'lock' | 'leaseIsLive' | 'failures' | 'clock'> {
  tokens: Pick<TokenStore, 'get' | 'set'>;
  issue(): Promise<IssuedLease>;
}

/** The token under `key`: cached, or issued under the key's lock. */
export async function serve(ports: ServePorts, key: string, refresh: RefreshPolicy): Promise<Credential> {
  const servable = async () => {
    const entry = await ports.tokens.get(key);
    return entry && isServable(entry, ports.clock.now(), refresh) && (await ports.leaseIsLive(entry.leaseId)) ? entry : undefined;
  };
  const hit = await servable();
  if (hit) return { entry: hit, source: 'cache', warnings: [] };

  const failFast = async () => {
    const failure = await ports.failures.recall(key);
    if (failure && failure.until > ports.clock.now().getTime()) throw new TempcredsError(failure.message, failure.exitCode);
  };
  await failFast();

  // While another process holds the lock: served as soon as it stores a token; failed as soon as it fails.
  const meanwhile = async (): Promise<Credential | undefined> => {
    const filled = await servable();
    if (filled) return { entry: filled, source: 'cache', warnings: [] };
    await failFast();
    return undefined;
  };
  return ports.lock<Credential>(key, async () => {
    // Another process may have issued just before this one took the lock.
    const filled = await servable();
    if (filled) return { entry: filled, source: 'cache', warnings: [] };
    let issued: IssuedLease;
    try {
      issued = await ports.issue();
    } catch (error) {
      const exitCode = error instanceof TempcredsError ? error.exitCode : 1;
      await ports.failures.remember(key, { message: (error as Error).message, exitCode, until: ports.clock.now().getTime() + FAILURE_MEMORY_MS });
      throw error;
    }
    const { lease, token, warnings } = issued;
    const entry: CachedToken = { token, leaseId: lease.id, issuedAt: lease.issuedAt, expiresAt: lease.expiresAt };
    // The token is good even if it cannot be cached: serve it, and say so.
    const cacheWarning = await ports.tokens.set(key, entry).then(
      () => [],
      (error: Error) => [`could not cache the token (${error.message}); the next kubectl call will issue another`],
    );
    return { entry, source: 'issued', warnings: [...warnings, ...cacheWarning] };
  }, meanwhile);
}
