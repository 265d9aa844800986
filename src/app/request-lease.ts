// Delegated issuance, the requester's side (#15): a key pair made here (its private key never
// leaves this process), a CredentialRequest stating who asks (as the API server says) and what
// for, a watch until the controller answers, and the token opened with the request's uid — a
// tampered or copied status is refused. The result is an IssuedLease like a local issuance's,
// so `issue`, `run`, `token` and `kubeconfig` go on exactly as they do locally. Whatever ends
// the wait without a token deletes the request: nothing is left behind (its finalizer makes
// the controller revoke a lease it may have begun).

import { ApiError, operationFailed } from '../core/errors.js';
import {
  answerError,
  checkAsk,
  credentialRequestBody,
  delegatedLeaseRecord,
  noAnswerError,
  requestAnswer,
  type DelegatedAsk,
  type RequestAnswer,
  type RequestObject,
  type RequestRef,
} from '../core/delegated-request.js';
import type { LeaseRecord } from '../core/lease.js';
import type { CredentialRequestSpec } from '../core/manifests/credential-request-crd.js';
import { openSealedToken, type RequestKeyPair } from '../core/sealed-token.js';
import type { IssuedLease } from './issue.js';
import type { FoundLease, LeaseTarget } from './leases.js';
import type { IssuerIdentity } from './ports.js';

export type Requester = CredentialRequestSpec['requester'];

/** `answer` once decided; 'gone' when the request was deleted meanwhile; 'timeout' when the wait ran out. */
export type WaitResult<T> = { answer: T } | 'gone' | 'timeout';

/** The request API as a requester uses it, with its own kubeconfig identity. */
export interface RequesterPort {
  /** The requester's kubeconfig context, cluster and user. */
  readonly requester: IssuerIdentity;
  /** Who the API server says this context is (SelfSubjectReview). */
  whoAmI(): Promise<Requester>;
  create(namespace: string, body: unknown): Promise<RequestObject>;
  /** Exactly this request (its uid), or undefined when gone. */
  get(ref: RequestRef): Promise<RequestObject | undefined>;
  /** Watches the request from `fromVersion` (no polling) until `decide` answers for a version of it. */
  waitFor<T>(ref: RequestRef, fromVersion: string, decide: (request: RequestObject) => T | undefined, timeoutMs: number): Promise<WaitResult<T>>;
  /** Deletes exactly this request (its uid): the controller's finalizer revokes its lease. */
  delete(ref: RequestRef): Promise<'deleted' | 'absent'>;
  /** Every request in `namespace` (all namespaces when undefined). */
  list(namespace: string | undefined): Promise<RequestObject[]>;
}

export interface RequestLeaseDeps {
  connect(): Promise<RequesterPort>;
  generateKeyPair(): Promise<RequestKeyPair>;
  saveLease(lease: LeaseRecord): Promise<void>;
  /** How long to wait for the controller's answer (--wait-timeout). */
  waitMs: number;
}

/**
 * The requester's delegated leases: this machine's records of requests, merged by id with the
 * issued requests of this requester that the cluster shows (in `namespace`, else in every
 * namespace it may list). The request is the lease: its id is the status's, revoking deletes it.
 */
export async function findRequestLeases(
  deps: { connect(): Promise<RequesterPort>; localLeases(role?: string): Promise<{ leases: LeaseRecord[]; unreadable: string[] }> },
  target: LeaseTarget,
  namespace: string | undefined,
): Promise<{ found: FoundLease[]; warnings: string[] }> {
  const wanted = (lease: LeaseRecord) => ('id' in target ? lease.id === target.id : 'role' in target ? lease.role === target.role : true);
  const { leases, unreadable } = await deps.localLeases('all' in target ? undefined : 'role' in target ? target.role : target.id.split('/')[0]);
  const found = new Map<string, FoundLease>(leases.filter((lease) => lease.request && wanted(lease)).map((lease) => [lease.id, { lease, where: 'local' }]));
  const api = await deps.connect();
  const me = await api.whoAmI();
  const warnings = [...unreadable];
  let requests: RequestObject[];
  try {
    requests = await api.list(namespace);
  } catch (error) {
    // A requester is usually allowed requests in some namespaces only: search where its records are.
    if (namespace !== undefined || !(error instanceof ApiError) || error.status !== 403) throw error;
    const recorded = [...new Set([...found.values()].map(({ lease }) => lease.request!.namespace))];
    warnings.push(`this context may not list CredentialRequests across all namespaces: searched ${recorded.join(', ') || 'none'} (this machine's requests); -n searches another`);
    requests = (await Promise.all(recorded.map((each) => api.list(each)))).flat();
  }
  for (const request of requests) {
    const answer = requestAnswer(request.status);
    if (request.spec.requester.username !== me.username || answer.state !== 'issued' || request.metadata.deletionTimestamp) continue;
    const lease = delegatedLeaseRecord(request, answer, undefined, { ...api.requester, username: me.username });
    if (!wanted(lease)) continue;
    const known = found.get(lease.id);
    if (known) known.where = 'local+cluster';
    else found.set(lease.id, { lease, where: 'cluster' });
  }
  return { found: [...found.values()].sort((a, b) => a.lease.id.localeCompare(b.lease.id)), warnings };
}

const refOf = (request: RequestObject): RequestRef => ({ namespace: request.metadata.namespace, name: request.metadata.name, uid: request.metadata.uid });

export async function requestLease(deps: RequestLeaseDeps, ask: DelegatedAsk): Promise<IssuedLease> {
  const checked = checkAsk(ask);
  // Who am I is asked while the key pair is made (and its code loaded).
  const connected = deps.connect();
  const [api, me, keys] = await Promise.all([connected, connected.then((api) => api.whoAmI()), deps.generateKeyPair()]);
  const created = await api.create(checked.namespace, credentialRequestBody(checked, me, keys.publicKey));
  const ref = refOf(created);
  const leaveNothing = () => api.delete(ref).catch(() => undefined);
  try {
    let seen = false;
    const decide = (request: RequestObject) => {
      const answer = requestAnswer(request.status);
      if (answer.state !== 'waiting') return { request, answer };
      seen ||= answer.seen;
      return undefined;
    };
    const waited = await api.waitFor(ref, created.metadata.resourceVersion ?? '0', decide, deps.waitMs);
    if (waited === 'timeout') throw noAnswerError(Math.round(deps.waitMs / 1000), seen);
    if (waited === 'gone') throw operationFailed(`CredentialRequest ${ref.namespace}/${ref.name} was deleted before the controller answered: run the command again`);
    const { request, answer } = waited.answer as { request: RequestObject; answer: Exclude<RequestAnswer, { state: 'waiting' }> };
    if (answer.state !== 'issued') throw answerError(answer, ref);
    // The uid this client created, not the one in what it read: a status copied from another request fails here.
    const token = await openSealedToken(answer.token, keys.privateKey, created.metadata.uid);
    const lease = delegatedLeaseRecord(request, answer, token, { ...api.requester, username: me.username });
    await deps.saveLease(lease);
    return { lease, token, warnings: [] };
  } catch (error) {
    await leaveNothing();
    throw error;
  }
}
