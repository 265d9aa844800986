// Delegated issuance, the requester's side (#15): a key pair made here (its private key never
// leaves this process), a CredentialRequest stating who asks (as the API server says) and what
// for, a watch until the controller answers, and the token opened with the request's uid — a
// tampered or copied status is refused. The result is an IssuedLease like a local issuance's,
// so `issue`, `run`, `token` and `kubeconfig` go on exactly as they do locally. Whatever ends
// the wait without a token deletes the request: nothing is left behind (its finalizer makes
// the controller revoke a lease it may have begun).

import { operationFailed } from '../core/errors.js';
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

const refOf = (request: RequestObject): RequestRef => ({ namespace: request.metadata.namespace, name: request.metadata.name, uid: request.metadata.uid });

export async function requestLease(deps: RequestLeaseDeps, ask: DelegatedAsk): Promise<IssuedLease> {
  const checked = checkAsk(ask);
  const [api, keys] = await Promise.all([deps.connect(), deps.generateKeyPair()]);
  const me = await api.whoAmI();
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
