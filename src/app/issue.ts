// Issuing a lease: resolve the role, namespace and TTL (pure, before any API call),
// plan the objects, create them round by round, request the bound token, record the
// lease. Any failure rolls back, in reverse order, everything this issuance created.

import { ApiError, TempcredsError, invalidInput, operationFailed } from '../core/errors.js';
import { checkAggregation, checkBinding, labelledClusterRole, leaseMember, leaseRecordFor, planGrant, type GrantPlan, type Manifest } from '../core/grant-plan.js';
import { EXPIRES_AT_ANNOTATION, LEASE_SUFFIX_BYTES, TOKEN_REQUESTED_ANNOTATION, leaseSuffixFrom, type LeaseRecord } from '../core/lease.js';
import { describeRef, type ObjectRef } from '../core/object-ref.js';
import { checkSelector, decideNamespace, type NamespaceDecision } from '../core/namespace-policy.js';
import { unknownRole, type RoleDefinition } from '../core/role-spec.js';
import { grantedSeconds, requestTtl, shortenedWarning, type ResolvedTtl } from '../core/ttl.js';
import type { AuditEvent } from '../core/audit.js';
import { rollBackObjects } from './delete-objects.js';
import { identityOf, type AuditSink, type CreatedRef, type IssuedToken, type KubernetesPort } from './ports.js';

export interface IssueRequest {
  role: string;
  namespace?: string;
  ttl?: string;
  clusterRoleBinding?: boolean;
  audiences?: string[];
  /** A lease suffix chosen beforehand: the controller claims the lease id in the request's status first. */
  leaseSuffix?: string;
  /** More labels on every object (the controller's request uid, so it finds a crashed issuance's objects). */
  labels?: Record<string, string>;
}

/** Which decision refused an issuance: the controller names it in a Denied condition; locally only the message shows. */
export type IssuanceCheck = 'role' | 'ttl' | 'namespace' | 'audiences' | 'binding' | 'aggregation';

/** Bad input, tagged with the decision that refused it (same message and exit code). */
export class IssuanceRefused extends TempcredsError {
  constructor(
    readonly check: IssuanceCheck,
    refusal: TempcredsError,
  ) {
    super(refusal.message, refusal.exitCode, { cause: refusal });
  }
}

async function decided<T>(check: IssuanceCheck, decide: () => T | Promise<T>): Promise<T> {
  try {
    return await decide();
  } catch (error) {
    throw error instanceof TempcredsError && error.exitCode === 2 && !(error instanceof IssuanceRefused) ? new IssuanceRefused(check, error) : error;
  }
}

export interface IssuedLease {
  lease: LeaseRecord;
  token: string;
  warnings: string[];
}

export interface IssueDeps {
  getRole(name: string): Promise<RoleDefinition | undefined>;
  saveLease(lease: LeaseRecord): Promise<void>;
  connect(context: string | undefined): Promise<KubernetesPort>;
  now(): Date;
  randomBytes(count: number): Uint8Array;
  /** Test-only fault injection: called after each API call of an issuance. */
  afterApiCall?(step: string): Promise<void>;
  audit?: AuditSink;
}

/** An issuance decided and planned, nothing created yet: what issue and its preview share. */
export interface PreparedIssuance {
  role: RoleDefinition;
  ttl: ResolvedTtl;
  namespace: NamespaceDecision;
  kube: KubernetesPort;
  plan: GrantPlan;
  now: Date;
}

export type PrepareDeps = Pick<IssueDeps, 'getRole' | 'connect' | 'now' | 'randomBytes'>;

/** Resolves the role, TTL, namespace and binding (bad input fails before any API call), then plans the objects. */
export async function prepareIssuance(deps: PrepareDeps, request: IssueRequest): Promise<PreparedIssuance> {
  const role = await deps.getRole(request.role);
  if (!role) throw new IssuanceRefused('role', unknownRole(request.role));
  const ttl = await decided('ttl', () => requestTtl(role, request.ttl));
  const decision = await decided('namespace', () => decideNamespace(role, request.namespace));
  const audiences = request.audiences?.length ? request.audiences : (role.spec.defaultAudiences ?? []);
  if (audiences.some((audience) => audience.trim() === '')) throw new IssuanceRefused('audiences', invalidInput('--audience must not be empty'));
  await decided('binding', () => checkBinding(role, request.clusterRoleBinding ?? false));

  const kube = await deps.connect(role.spec.issuerContext);
  const now = deps.now();
  const plan = planGrant({
    role,
    namespace: decision.namespace,
    ttlSeconds: ttl.seconds,
    clusterRoleBinding: request.clusterRoleBinding ?? false,
    audiences,
    leaseSuffix: request.leaseSuffix ?? leaseSuffixFrom(deps.randomBytes(LEASE_SUFFIX_BYTES)),
    ...(request.labels ? { labels: request.labels } : {}),
    issuedBy: kube.issuer.user,
    now,
  });
  if (decision.verdict === 'needs-selector') {
    const labels = await kube.namespaceLabels(decision.namespace);
    await decided('namespace', () => checkSelector(role, decision.namespace, labels));
  }
  const clusterRole = labelledClusterRole(plan, role);
  if (clusterRole) {
    const aggregating = await kube.aggregatingClusterRoles();
    await decided('aggregation', () => checkAggregation(role.name, clusterRole, aggregating));
  }
  return { role, ttl, namespace: decision, kube, plan, now };
}

export async function issueLease(deps: IssueDeps, request: IssueRequest): Promise<IssuedLease> {
  return issuePrepared(deps, await prepareIssuance(deps, request));
}

/** Creates a prepared issuance's objects and token (the controller decides, adds its finalizer, then calls this). */
export async function issuePrepared(deps: Pick<IssueDeps, 'saveLease' | 'afterApiCall' | 'audit'>, { role, ttl, kube, plan, now }: PreparedIssuance): Promise<IssuedLease> {
  const created: CreatedRef[] = [];
  try {
    const issued = await applyPlan(kube, plan, created, deps.afterApiCall);
    const lease = leaseRecordFor(plan, { role, issuer: kube.issuer, issuedAt: now, ttlSeconds: ttl.seconds, expiresAt: issued.expiresAt, objects: created });
    // Without its record a lease could not be revoked by id: a failed save rolls back too.
    await deps.saveLease(lease);
    await deps.audit?.([auditEvent(kube, plan, role.name, now, created, 'ok')]);
    const shortened = shortenedWarning(ttl.seconds, grantedSeconds(now, issued.expiresAt));
    return { lease, token: issued.token, warnings: [...ttl.warnings, ...(shortened ? [shortened] : [])] };
  } catch (error) {
    const failure = await rolledBack(kube, created, error);
    await deps.audit?.([{ ...auditEvent(kube, plan, role.name, now, created, 'failed'), error: failure.message }]);
    throw failure;
  }
}

function auditEvent(kube: KubernetesPort, plan: GrantPlan, role: string, now: Date, created: CreatedRef[], outcome: AuditEvent['outcome']): AuditEvent {
  return { time: now.toISOString(), action: 'issue', identity: identityOf(kube.issuer), role, namespace: plan.namespace, leaseId: plan.leaseId, objects: created.map(describeRef), outcome };
}

async function applyPlan(kube: KubernetesPort, plan: GrantPlan, created: CreatedRef[], afterApiCall?: (step: string) => Promise<void>) {
  const create = async (manifest: Manifest) => {
    const ref = await kube.create(manifest);
    created.push(ref);
    await afterApiCall?.(`create ${manifest.kind}`);
    return ref;
  };
  const anchor = await create(plan.anchor);
  // The expiry gc goes by, on the API server's clock (its answer for the anchor just told it, no
  // extra call): a machine whose clock runs slow must not plan an expiry the token outlives.
  const expiresAt = new Date((await kube.serverNow()).getTime() + plan.token.expirationSeconds * 1000).toISOString();
  let issued: IssuedToken | undefined;
  const requestToken = async () => {
    issued = await kube.requestToken(plan.token, anchor);
    await afterApiCall?.('request token');
  };
  for (const round of plan.rounds) {
    const calls = round.create.map((manifest) => create(leaseMember(manifest, anchor, expiresAt)));
    // The anchor is marked in the same round as the request, so gc never mistakes a lease whose token may exist for a crashed one.
    const results = await Promise.allSettled([...calls, ...(round.requestToken ? [markTokenRequested(kube, anchor, expiresAt, afterApiCall), requestToken()] : [])]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }
  return issued!;
}

async function markTokenRequested(kube: KubernetesPort, anchor: CreatedRef, expiresAt: string, afterApiCall?: (step: string) => Promise<void>): Promise<void> {
  await kube.annotate(anchor, { [TOKEN_REQUESTED_ANNOTATION]: 'true', [EXPIRES_AT_ANNOTATION]: expiresAt });
  await afterApiCall?.('mark the anchor');
}

/** Deletes what was created, newest first; the error says what failed and what is left. */
async function rolledBack(kube: KubernetesPort, created: ObjectRef[], error: unknown): Promise<Error> {
  const leftOver = (await rollBackObjects(kube, created)).failures;
  const message = (error as Error).message ?? String(error);
  const outcome =
    created.length === 0
      ? 'nothing was created'
      : leftOver.length === 0
        ? `rolled back the ${created.length} object(s) it had created`
        : `could not roll back ${leftOver.join('; ')} — they carry the lease's labels; remove them with kubectl tempcreds gc`;
  const summary = `${message}; ${outcome}`;
  return error instanceof ApiError ? new ApiError(summary, error.status, { cause: error }) : operationFailed(summary, error);
}
