// The controller's reconcile of one CredentialRequest (#15): moves it one step toward its
// answer, level-triggered (it reads what the request is now, never the event that woke it), so
// running it twice changes nothing the second time. Every status and finalizer write carries the
// resourceVersion it was decided on: a writer that decided on a stale version loses (409) and
// decides again on the new one. That makes issuance happen once even with two controllers:
//
//   new      → claim: Issued=Unknown (Issuing) and a lease id chosen now, in one status write
//   claimed  → decide with local issuance's own code (prepareIssuance) and RBAC as it is now
//              (the requester may still `use` the role); a refusal → Denied,
//              nothing created; else add the finalizer, issue with the claimed lease id (every
//              object labelled with the request's uid), seal the token to the request's key and
//              uid, write Issued; a failure is rolled back → Failed
//   claimed, with the finalizer and no token: an issuance interrupted (a crash, a lost Lease)
//              → Failed first (so the issuer still running loses its last write), then rolled back
//   issued   → at expiry (API server's clock): Revoked (Expired), the lease revoked
//   finished → the lease revoked if the finalizer is still there; deleted after the retention
//   deleted  → the lease revoked (found by label, proven by its anchor), then the finalizer removed

import { groupLeases, keepRecordedAnchor, leftByRecordedAnchor, unlistedProblem } from '../core/cluster-leases.js';
import { parseDuration } from '../core/duration.js';
import { operationFailed } from '../core/errors.js';
import { leaseSelector, leaseSuffixFrom, LEASE_SUFFIX_BYTES, formatLeaseId, parseLeaseId, type ManagedObject } from '../core/lease.js';
import type { CredentialRequestSpec, CredentialRequestStatus } from '../core/manifests/credential-request-crd.js';
import { claimedStatus, delegationDenial, finalStatus, finishedAt, issuedStatus, namespaceDenial, requestPhase, REQUEST_UID_LABEL, REVOKE_FINALIZER, useDenial, type DenialReason } from '../core/request-status.js';
import type { RoleDefinition } from '../core/role-spec.js';
import { requestPublicKeyProblems } from '../core/request-public-key.js';
import { sealToken } from '../core/sealed-token.js';
import { MIN_TTL_SECONDS } from '../core/ttl.js';
import { IssuanceRefused, issuePrepared, prepareIssuance, type IssuanceCheck, type IssueRequest, type PreparedIssuance } from './issue.js';
import type { KubernetesPort, RequesterAccessPort } from './ports.js';
import { describeRef, type ObjectRef } from '../core/object-ref.js';
import { deleteLeaseObjects, rollBackObjects } from './delete-objects.js';

/** A CredentialRequest as the API server returns it (the parts the controller reads). */
export interface CredentialRequestObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec: CredentialRequestSpec;
  status?: CredentialRequestStatus;
}

/** The request API, as the controller uses it. Writes are conditional on `request.metadata.resourceVersion`. */
export interface RequestStorePort {
  /** The request as stored now (the watch cache may lag behind this controller's own writes); undefined when gone. */
  get(namespace: string, name: string): Promise<CredentialRequestObject | undefined>;
  /** Replaces the status through the status subresource; 'conflict' when the request changed since (or is gone). */
  writeStatus(request: CredentialRequestObject, status: CredentialRequestStatus): Promise<CredentialRequestObject | 'conflict'>;
  /** Replaces metadata.finalizers; 'conflict' likewise. */
  writeFinalizers(request: CredentialRequestObject, finalizers: string[]): Promise<CredentialRequestObject | 'conflict'>;
  /** Deletes exactly this request (its uid); already gone counts as done. */
  delete(request: CredentialRequestObject): Promise<void>;
}

/** A role from the cluster: valid, invalid (its problems), or absent (undefined). */
export type RoleLookup = { role: RoleDefinition } | { invalid: string } | undefined;

export interface ReconcileDeps {
  requests: RequestStorePort;
  /** The controller's issuer identity. */
  kube: KubernetesPort;
  /** RBAC as it is now: a grant revoked since admission refuses the request. */
  access: RequesterAccessPort;
  getRole(name: string): Promise<RoleLookup>;
  /** This machine's clock: issuance latency, names. Conditions, expiry and retention go by the API server's (kube.serverNow). */
  now(): Date;
  randomBytes(count: number): Uint8Array;
  /** How long a finished request is kept before the cleaner deletes it. */
  retentionMs: number;
  /** Aborted when this replica stops leading: nothing more is written. */
  signal?: AbortSignal;
  /** Test-only fault injection: after each API call of an issuance. */
  afterApiCall?(step: string): Promise<void>;
}

export type ReconcileOutcome = 'nothing' | 'claimed' | 'issued' | 'denied' | 'failed' | 'revoked' | 'released' | 'deleted' | 'conflict' | 'waiting';

export interface ReconcileResult {
  did: ReconcileOutcome;
  /** The condition reason written, if any. */
  reason?: string;
  /** Look again after this long (expiry, the end of the retention). */
  requeueAfterMs?: number;
  /** How long issuing took (claim to Issued), for the latency histogram. */
  issuanceSeconds?: number;
  /** Objects labelled for the request that no anchor vouches for: left alone. */
  warnings?: string[];
}

const done = (did: ReconcileOutcome, extra: Omit<ReconcileResult, 'did'> = {}): ReconcileResult => ({ did, ...extra });

export async function reconcileRequest(deps: ReconcileDeps, request: CredentialRequestObject, fresh = false): Promise<ReconcileResult> {
  if (request.metadata.deletionTimestamp) return release(deps, request);
  switch (requestPhase(request.status)) {
    case 'new': {
      // The role is read while the claim is written: one round fewer before issuing (a read
      // wasted only when the claim conflicts; its failure is then nobody's to report).
      const role = deps.getRole(request.spec.role);
      role.catch(() => undefined);
      const claimed = await write(deps, 'claim', async () => deps.requests.writeStatus(request, claimedStatus(await statusInput(deps, request), formatLeaseId(request.spec.role, leaseSuffixFrom(deps.randomBytes(LEASE_SUFFIX_BYTES))))));
      return claimed === 'conflict' ? done('conflict') : issue(deps, claimed, role);
    }
    case 'claimed': {
      // The watch cache may still show this controller's own claim after it wrote the answer.
      if (!fresh) {
        const current = await deps.requests.get(request.metadata.namespace, request.metadata.name);
        return current ? reconcileRequest(deps, current, true) : done('nothing');
      }
      if (!hasFinalizer(request)) return issue(deps, request);
      const failed = await write(deps, 'fail', async () => deps.requests.writeStatus(request, finalStatus(await statusInput(deps, request), 'Failed', 'IssuanceFailed', 'the issuance was interrupted (the controller stopped or lost its leadership) and is rolled back: delete this request and create a new one')));
      if (failed === 'conflict') return done('conflict');
      return { ...(await release(deps, failed)), did: 'failed', reason: 'IssuanceFailed' };
    }
    case 'issued':
      return expireIfDue(deps, request);
    case 'finished':
      return clean(deps, request);
  }
}

/** What a status change starts from; conditions are stamped by the API server's clock, which also decides expiry and retention. */
async function statusInput(deps: ReconcileDeps, request: CredentialRequestObject) {
  return { status: request.status, now: await deps.kube.serverNow(), ...(request.metadata.generation !== undefined ? { generation: request.metadata.generation } : {}) };
}

const hasFinalizer = (request: CredentialRequestObject) => (request.metadata.finalizers ?? []).includes(REVOKE_FINALIZER);

/** A conditional write, only while this replica leads; `step` names it for the fault hooks. */
async function write<T>(deps: ReconcileDeps, step: string, call: () => Promise<T>): Promise<T> {
  if (deps.signal?.aborted) throw operationFailed('stopped leading: nothing more is written for this request');
  const result = await call();
  await deps.afterApiCall?.(step);
  return result;
}

/** Decides (local issuance's code), then issues with the claimed lease id; a claimed request's next step. */
async function issue(deps: ReconcileDeps, request: CredentialRequestObject, role?: Promise<RoleLookup>): Promise<ReconcileResult> {
  const started = deps.now().getTime();
  const decided = await decide(deps, request, role ?? deps.getRole(request.spec.role));
  if ('reason' in decided) {
    const denied = await write(deps, 'deny', async () => deps.requests.writeStatus(request, finalStatus(await statusInput(deps, request), 'Denied', decided.reason, decided.message)));
    return done(denied === 'conflict' ? 'conflict' : 'denied', { reason: decided.reason });
  }
  // Before anything exists: from here on, deleting the request waits for the lease's revocation.
  const owned = await write(deps, 'add the finalizer', () => deps.requests.writeFinalizers(request, [...(request.metadata.finalizers ?? []), REVOKE_FINALIZER]));
  if (owned === 'conflict') return done('conflict');
  let sealed: { token: string; expiresAt: Date; objects: ObjectRef[]; anchorUid?: string };
  try {
    const issued = await issuePrepared({ saveLease: async () => undefined, ...(deps.afterApiCall ? { afterApiCall: deps.afterApiCall } : {}) }, decided.prepared);
    // The status is the lease's record; the token goes into it only sealed, bound to this request.
    // The lease's one Secret is its anchor; its uid in status (only this controller writes it) tells it from copies.
    const anchorUid = issued.lease.objects.find((object) => object.kind === 'Secret')?.uid;
    sealed = { token: await sealToken(issued.token, request.spec.publicKey, request.metadata.uid), expiresAt: new Date(issued.lease.expiresAt), objects: issued.lease.objects, ...(anchorUid ? { anchorUid } : {}) };
  } catch (error) {
    // issuePrepared rolled back what it created; the message says what failed and what is left.
    const failed = await write(deps, 'fail', async () => deps.requests.writeStatus(owned, finalStatus(await statusInput(deps, owned), 'Failed', 'IssuanceFailed', `${(error as Error).message}; delete this request and create a new one once that is fixed`)));
    if (failed === 'conflict') return done('conflict');
    return { ...(await release(deps, failed)), did: 'failed', reason: 'IssuanceFailed' };
  }
  const leaseId = owned.status!.leaseId!;
  const answered = await write(deps, 'write the token', async () => deps.requests.writeStatus(owned, issuedStatus(await statusInput(deps, owned), { token: sealed.token, expiresAt: sealed.expiresAt, leaseId, ...(sealed.anchorUid ? { anchorUid: sealed.anchorUid } : {}) })));
  if (answered === 'conflict') {
    // Someone else decided meanwhile (another controller failed the request, or it is being
    // deleted): this lease was never handed out, so it goes.
    const outcome = await rollBackObjects(deps.kube, sealed.objects);
    if (outcome.failures.length > 0) throw operationFailed(`the request changed while its lease ${leaseId} was issued, and rolling the lease back failed: ${outcome.failures.join('; ')}`);
    return done('conflict');
  }
  const untilExpiry = sealed.expiresAt.getTime() - (await deps.kube.serverNow()).getTime();
  return done('issued', { reason: 'Issued', issuanceSeconds: (deps.now().getTime() - started) / 1000, requeueAfterMs: Math.max(0, untilExpiry) });
}

type Decision = { prepared: PreparedIssuance } | { reason: DenialReason; message: string };

/** The answer local issuance would give (prepareIssuance), plus what only delegation refuses (another namespace, a TTL over the max, other audiences, a revoked grant). */
async function decide(deps: ReconcileDeps, request: CredentialRequestObject, roleLookup: Promise<RoleLookup>): Promise<Decision> {
  const { spec } = request;
  const keyProblems = requestPublicKeyProblems(spec.publicKey);
  if (keyProblems.length > 0) return { reason: 'InvalidPublicKey', message: `spec.publicKey ${keyProblems.join('; ')}` };
  const lookup = await roleLookup;
  if (!lookup) return { reason: 'RoleNotFound', message: `CredentialRole "${spec.role}" does not exist: ask an admin for the right role name (kubectl get credentialroles)` };
  if ('invalid' in lookup) return { reason: 'RoleNotReady', message: `CredentialRole "${spec.role}" is not valid (${lookup.invalid}): ask an admin to fix it` };
  const { role } = lookup;
  const elsewhere = namespaceDenial(request.metadata.namespace, spec.namespace);
  if (elsewhere) return elsewhere;
  const requestedTtl = spec.ttl === undefined ? undefined : parseDuration(spec.ttl);
  const refused = delegationDenial(role, { ...(requestedTtl !== undefined ? { ttlSeconds: requestedTtl } : {}), ...(role.spec.maxTtl ? { maxTtlSeconds: parseDuration(role.spec.maxTtl) } : {}), ...(spec.audiences ? { audiences: spec.audiences } : {}) });
  if (refused) return refused;
  // Last before anything is created: the answer is as fresh as it can be.
  if (!(await deps.access.mayUse(spec.requester, role.name))) return useDenial(spec.requester.username, role.name);
  const issueRequest: IssueRequest = {
    role: role.name,
    namespace: spec.namespace,
    ...(spec.ttl !== undefined ? { ttl: spec.ttl } : {}),
    ...(spec.audiences ? { audiences: spec.audiences } : {}),
    clusterRoleBinding: spec.clusterRoleBinding ?? false,
    leaseSuffix: parseLeaseId(request.status!.leaseId!).suffix,
    labels: { [REQUEST_UID_LABEL]: request.metadata.uid },
  };
  try {
    // The role's issuerContext means nothing here: the controller has one identity.
    const prepared = await prepareIssuance({ getRole: async () => role, connect: async () => deps.kube, now: deps.now, randomBytes: deps.randomBytes }, issueRequest);
    return { prepared };
  } catch (error) {
    if (error instanceof IssuanceRefused) return { reason: denialReason(error.check, requestedTtl), message: error.message };
    throw error;
  }
}

/** The Denied reason for the decision of local issuance that refused the request. */
export function denialReason(check: IssuanceCheck, requestedTtlSeconds: number | undefined): DenialReason {
  switch (check) {
    case 'role':
      return 'RoleNotFound';
    case 'ttl':
      return requestedTtlSeconds !== undefined && requestedTtlSeconds >= MIN_TTL_SECONDS ? 'TtlTooLong' : 'InvalidSpec';
    case 'namespace':
      return 'NamespaceNotAllowed';
    case 'audiences':
      return 'InvalidSpec';
    case 'binding':
      return 'ClusterRoleBindingNotAllowed';
    case 'aggregation':
      return 'RoleNotReady';
  }
}

async function expireIfDue(deps: ReconcileDeps, request: CredentialRequestObject): Promise<ReconcileResult> {
  const now = await deps.kube.serverNow();
  const expiresAt = Date.parse(request.status?.expiresAt ?? '');
  if (Number.isFinite(expiresAt) && expiresAt > now.getTime()) return done('waiting', { requeueAfterMs: expiresAt - now.getTime() });
  const revoked = await write(deps, 'revoke', async () => deps.requests.writeStatus(request, finalStatus(await statusInput(deps, request), 'Revoked', 'Expired', `lease ${request.status?.leaseId} expired at ${request.status?.expiresAt} and was revoked by the controller`)));
  if (revoked === 'conflict') return done('conflict');
  return { ...(await release(deps, revoked)), did: 'revoked', reason: 'Expired' };
}

/** A finished request: its lease revoked if that is still pending, then deleted once the retention has passed. */
async function clean(deps: ReconcileDeps, request: CredentialRequestObject): Promise<ReconcileResult> {
  let current = request;
  let warnings: string[] | undefined;
  if (hasFinalizer(request)) {
    const released = await releaseLease(deps, request);
    if (released.object === 'conflict') return done('conflict');
    current = released.object;
    warnings = released.warnings;
  }
  const finished = finishedAt(current.status)?.getTime() ?? 0;
  const left = finished + deps.retentionMs - (await deps.kube.serverNow()).getTime();
  if (left > 0) return done(current === request ? 'waiting' : 'released', { requeueAfterMs: left, ...(warnings?.length ? { warnings } : {}) });
  await write(deps, 'delete the request', () => deps.requests.delete(current));
  return done('deleted', warnings?.length ? { warnings } : {});
}

async function release(deps: ReconcileDeps, request: CredentialRequestObject): Promise<ReconcileResult> {
  if (!hasFinalizer(request)) return done('nothing');
  const released = await releaseLease(deps, request);
  return done(released.object === 'conflict' ? 'conflict' : 'released', released.warnings.length ? { warnings: released.warnings } : {});
}

/** Revokes the request's lease (what the shared delete path deletes, with provenance), then removes the finalizer. */
async function releaseLease(deps: ReconcileDeps, request: CredentialRequestObject): Promise<{ object: CredentialRequestObject | 'conflict'; warnings: string[] }> {
  const warnings = await revokeLease(deps, request);
  const object = await write(deps, 'remove the finalizer', () => deps.requests.writeFinalizers(request, (request.metadata.finalizers ?? []).filter((finalizer) => finalizer !== REVOKE_FINALIZER)));
  return { object, warnings };
}

/**
 * Deletes the objects of the request's lease: found by its labels (lease and request uid), each
 * proven by the lease's anchor — the one whose uid the status records, once issued (copies are
 * left alone); what no anchor vouches for is left alone, with a warning — except once someone
 * else deleted the recorded anchor: then what names or is owned by its uid goes. A failure throws (the
 * reconcile is retried; the finalizer stays until the lease is gone).
 */
async function revokeLease(deps: ReconcileDeps, request: CredentialRequestObject): Promise<string[]> {
  const leaseId = request.status?.leaseId;
  if (!leaseId) return [];
  const selector = `${leaseSelector(parseLeaseId(leaseId))},${REQUEST_UID_LABEL}=${request.metadata.uid}`;
  const listed = await deps.kube.listManaged(selector, [request.spec.namespace]);
  const anchorUid = request.status?.anchorUid;
  const deleteAll = async (objects: ManagedObject[]) => {
    const outcome = await deleteLeaseObjects(deps.kube, objects);
    if (outcome.failures.length > 0) throw operationFailed(`cannot revoke lease ${leaseId} of CredentialRequest ${request.metadata.namespace}/${request.metadata.name}: ${outcome.failures.join('; ')}`);
  };
  const orphans = anchorUid ? leftByRecordedAnchor(listed.objects, anchorUid) : undefined;
  if (orphans) {
    await deleteAll(orphans);
    return orphans.length > 0 ? [`lease ${leaseId}: its anchor Secret (uid ${anchorUid}) was deleted by someone else; deleted what it left: ${orphans.map(describeRef).join(', ')}`] : [];
  }
  const recorded = anchorUid ? keepRecordedAnchor(listed.objects, anchorUid) : { objects: listed.objects, warnings: [] };
  const grouped = groupLeases(recorded.objects);
  const { leases } = grouped;
  const warnings = [...recorded.warnings, ...grouped.warnings];
  for (const lease of leases) {
    const refused = lease.refused ?? unlistedProblem(lease.anchor, listed.unlisted, deps.kube.issuer.context);
    if (refused) throw operationFailed(refused);
    if (deps.signal?.aborted) throw operationFailed('stopped leading: the lease is revoked by the next leader');
    await deleteAll(lease.objects);
  }
  return warnings;
}
