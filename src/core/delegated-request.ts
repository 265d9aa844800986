// The requester's side of delegated issuance (#15): the CredentialRequest a client creates, how
// it reads the controller's answer (the status contract of manifests/credential-request-crd.ts),
// and the lease record it keeps of an issued request. Pure: time comes in with the answer.

import { digestOf } from './digest.js';
import { TempcredsError, invalidInput, operationFailed } from './errors.js';
import { checkDns1123Label } from './kube-names.js';
import { issuedOn, parseLeaseId, type LeaseRecord } from './lease.js';
import { TEMPCREDS_API_VERSION as API_VERSION } from './delegation-names.js';
import type { CredentialRequestSpec, CredentialRequestStatus } from './manifests/credential-request-crd.js';
import { requestPhase } from './request-status.js';
import { checkTokenTtl, parseRequestedTtl } from './ttl.js';
import type { RequestPublicKey } from './request-public-key.js';

/** What a requester asks for: the role (in the cluster), where, for how long. */
export interface DelegatedAsk {
  role: string;
  namespace?: string;
  ttl?: string;
  clusterRoleBinding?: boolean;
  audiences?: string[];
}

/** Where a request lives: a lease record of a delegated issuance keeps it, so `revoke` deletes exactly it. */
export interface RequestRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A CredentialRequest as the API server returns it (the parts the client reads). */
export interface RequestObject {
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec: CredentialRequestSpec;
  status?: CredentialRequestStatus;
}

/** Checks what can be checked without the role (the controller checks the rest): exit 2 before anything is created. */
export function checkAsk(ask: DelegatedAsk): DelegatedAsk & { namespace: string } {
  const roleProblem = checkDns1123Label(ask.role);
  if (roleProblem) throw invalidInput(`role "${ask.role}" ${roleProblem}`);
  if (ask.namespace === undefined) throw invalidInput('delegated issuance needs the namespace of the credential: give -n NAMESPACE (the role is in the cluster, this machine cannot default it)');
  // Trimmed and lower-cased as the namespace policy of a local issuance does.
  const namespace = ask.namespace.trim().toLowerCase();
  const namespaceProblem = checkDns1123Label(namespace);
  if (namespaceProblem) throw invalidInput(`namespace "${ask.namespace}" ${namespaceProblem}`);
  if (ask.ttl !== undefined) checkTokenTtl(parseRequestedTtl(ask.ttl), 'TTL');
  if (ask.audiences?.some((audience) => audience.trim() === '')) throw invalidInput('--audience must not be empty');
  return { ...ask, namespace };
}

/**
 * The request to create: an unguessable name (the API server appends a random suffix to
 * generateName), the requester exactly as the API server knows it (admission compares), and
 * the public key the token is sealed to. Created in the target namespace.
 */
export function credentialRequestBody(ask: DelegatedAsk & { namespace: string }, requester: CredentialRequestSpec['requester'], publicKey: RequestPublicKey) {
  const spec: CredentialRequestSpec = {
    role: ask.role,
    namespace: ask.namespace,
    ...(ask.ttl !== undefined ? { ttl: ask.ttl } : {}),
    ...(ask.audiences?.length ? { audiences: [...new Set(ask.audiences)] } : {}),
    ...(ask.clusterRoleBinding ? { clusterRoleBinding: true } : {}),
    requester,
    publicKey,
  };
  // generateName's suffix is 5 characters; the role name before it says what the request is for.
  return { apiVersion: API_VERSION, kind: 'CredentialRequest', metadata: { generateName: `${ask.role.slice(0, 40)}-` }, spec };
}

/**
 * The controller's answer as the client reads it. `waiting`: no final answer yet (`seen` once a
 * controller wrote Issued=Unknown); `issued` holds the sealed token; `denied`/`failed`/`revoked`
 * carry the condition's reason and message.
 */
export type RequestAnswer =
  | { state: 'waiting'; seen: boolean }
  | { state: 'issued'; token: string; leaseId: string; expiresAt: string }
  | { state: 'denied' | 'failed' | 'revoked'; reason: string; message: string };

export function requestAnswer(status: CredentialRequestStatus | undefined): RequestAnswer {
  const phase = requestPhase(status);
  const isTrue = (type: string) => status?.conditions?.find((condition) => condition.type === type && condition.status === 'True');
  if (phase === 'finished') {
    for (const [type, state] of [['Denied', 'denied'], ['Failed', 'failed'], ['Revoked', 'revoked']] as const) {
      const final = isTrue(type);
      if (final) return { state, reason: final.reason, message: final.message };
    }
  }
  if (phase === 'issued' && status?.token && status.leaseId && status.expiresAt) return { state: 'issued', token: status.token, leaseId: status.leaseId, expiresAt: status.expiresAt };
  return { state: 'waiting', seen: phase !== 'new' || (status?.conditions ?? []).some((condition) => condition.type === 'Issued') };
}

/** A final answer other than a token, as an error: a denial is bad input (exit 2), anything else a failure (exit 1). */
export function answerError(answer: Extract<RequestAnswer, { reason: string }>, request: RequestRef): TempcredsError {
  const text = `${request.namespace}/${request.name} ${answer.state}: ${answer.reason}: ${answer.message}`;
  if (answer.state === 'denied') return invalidInput(`CredentialRequest ${text}`);
  if (answer.state === 'revoked') return operationFailed(`CredentialRequest ${text} (revoked before this client read it): run the command again`);
  return operationFailed(`CredentialRequest ${text}`);
}

/** No final answer within the wait: the request was deleted, and the message says where to look. */
export function noAnswerError(waitSeconds: number, seen: boolean): TempcredsError {
  return seen
    ? operationFailed(`the controller began issuing but did not answer within ${waitSeconds}s; the request was deleted (its lease is revoked) — run the command again, or see \`kubectl tempcreds doctor --delegated\` (--wait-timeout waits longer)`)
    : operationFailed(`no controller answered within ${waitSeconds}s; is it running? see \`kubectl tempcreds doctor --delegated\` (the request was deleted; --wait-timeout waits longer)`);
}

/** What a token's (unverified) claims say: its ServiceAccount and lifetime, for the record and display only. */
export function tokenFacts(token: string): { serviceAccount?: { namespace: string; name: string }; issuedAt?: number; lifetimeSeconds?: number } {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown; iat?: unknown; exp?: unknown };
    const match = typeof claims.sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub) : null;
    const timed = Number.isSafeInteger(claims.iat) && Number.isSafeInteger(claims.exp) && (claims.exp as number) > (claims.iat as number);
    return {
      ...(match ? { serviceAccount: { namespace: match[1]!, name: match[2]! } } : {}),
      ...(timed ? { issuedAt: claims.iat as number, lifetimeSeconds: (claims.exp as number) - (claims.iat as number) } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The local record of an issued request: what `revoke`, `lease list` and the exec plugin's cache
 * need. It names no objects (the controller created them; deleting the request revokes them).
 */
export function delegatedLeaseRecord(
  request: RequestObject,
  answer: Extract<RequestAnswer, { state: 'issued' }>,
  /** The opened token, when this client holds it (else the request's name stands for the ServiceAccount's). */
  token: string | undefined,
  requester: { username: string; kubeconfig?: string; context: string; server: string; certificateAuthorityData?: string },
): LeaseRecord {
  if (parseLeaseId(answer.leaseId).role !== request.spec.role) throw operationFailed(`the controller answered lease ${answer.leaseId} for a request of role ${request.spec.role}: delete the request and create a new one`);
  // The token's own lifetime when this client holds it; else from the request's creation to its expiry.
  const facts = token ? tokenFacts(token) : {};
  const issuedAt = facts.issuedAt !== undefined ? facts.issuedAt * 1000 : Date.parse(request.metadata.creationTimestamp ?? answer.expiresAt);
  const ttlSeconds = facts.lifetimeSeconds ?? Math.max(1, Math.round((Date.parse(answer.expiresAt) - issuedAt) / 1000));
  return {
    id: answer.leaseId,
    role: request.spec.role,
    // What was asked, in place of a local role's digest: the role itself is the cluster's.
    roleDigest: digestOf({ role: request.spec.role, namespace: request.spec.namespace, ttl: request.spec.ttl ?? '', audiences: request.spec.audiences ?? [], clusterRoleBinding: request.spec.clusterRoleBinding ?? false }),
    namespace: request.spec.namespace,
    serviceAccountName: facts.serviceAccount?.name ?? request.metadata.name,
    serviceAccountCreated: true,
    issuedAt: new Date(issuedAt).toISOString(),
    expiresAt: new Date(answer.expiresAt).toISOString(),
    ttlSeconds,
    ...issuedOn(requester),
    issuedBy: requester.username,
    objects: [],
    request: { namespace: request.metadata.namespace, name: request.metadata.name, uid: request.metadata.uid },
  };
}
