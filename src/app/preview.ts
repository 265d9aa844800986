// Previewing an issuance (`issue --dry-run`): the same decisions and plan as issue, every object
// sent with dryRun=All round by round, so the API server's own checks (RBAC escalation
// prevention, admission, quotas) answer. Nothing is stored or recorded, no token is minted.

import { ApiError } from '../core/errors.js';
import { existingRoleRef, namespaceDecision, previewObjects, previewPermissions, ttlDecision, type GrantPreview } from '../core/grant-preview.js';
import { leaseMember, type Manifest } from '../core/grant-plan.js';
import { describeRef, refOf } from '../core/object-ref.js';
import { prepareIssuance, type IssueRequest, type PrepareDeps } from './issue.js';

export async function previewIssue(deps: PrepareDeps, request: IssueRequest): Promise<GrantPreview> {
  const { role, ttl, namespace, kube, plan } = await prepareIssuance(deps, request);
  // The dry-run anchor's uid was never stored: owner references to it are accepted (the API
  // server does not resolve owners) and the token request stops at it (see below).
  const anchor = await dryRun(() => kube.create(plan.anchor, { dryRun: true }), describeRef(refOf(plan.anchor)));
  const expiresAt = new Date((await kube.serverNow()).getTime() + plan.token.expirationSeconds * 1000).toISOString();
  // Every object of a lease has the same name: a NotFound naming it means the API server needed
  // an object only this dry run created (the anchor, the ServiceAccount, the generated role).
  const pretended = new Set([plan.anchor, ...plan.rounds.flatMap((round) => round.create)].map((manifest) => manifest.metadata.name));
  const notes: string[] = [];
  const check = async (what: string, call: () => Promise<unknown>, expectedNote?: string) => {
    try {
      await dryRun(call, what);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404 && error.details.name !== undefined && pretended.has(error.details.name))) throw error;
      if (expectedNote) notes.push(expectedNote);
    }
  };
  // Only a binding can need another object of the lease: its role, when the issuer may not "bind" it and must hold its rules.
  const createChecked = (manifest: Manifest) =>
    check(describeRef(refOf(manifest)), () => kube.create(leaseMember(manifest, anchor, expiresAt), { dryRun: true }), `the API server could not check the ${manifest.kind} against the generated role, which a dry run does not store; the role's own check passed, and the issuer holds what it binds`);
  for (const round of plan.rounds) {
    await Promise.all([
      ...round.create.map(createChecked),
      // Always stops at a NotFound (the dry-run anchor, or a ServiceAccount the dry run created) after authorization and admission.
      ...(round.requestToken ? [check('the token request', () => kube.dryRunTokenRequest(plan.token, anchor))] : []),
    ]);
  }
  const existing = existingRoleRef(plan, role);
  return {
    leaseId: plan.leaseId,
    ttl: { seconds: ttl.seconds, decision: ttlDecision(role, request.ttl, ttl), warnings: ttl.warnings },
    namespace: { name: plan.namespace, decision: namespaceDecision(role, request.namespace, namespace) },
    objects: previewObjects(plan, anchor, expiresAt),
    token: { serviceAccount: plan.serviceAccountName, namespace: plan.namespace, expirationSeconds: plan.token.expirationSeconds, audiences: plan.token.audiences, boundTo: describeRef(anchor) },
    permissions: previewPermissions(plan, role, existing && (await kube.roleRules(existing))),
    notes,
  };
}

/** A refusal says the issuance would fail the same way. */
async function dryRun<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    throw new ApiError(`${error.message}; the issuance would fail the same way (dry run of ${what}: nothing was created)`, error.status, { cause: error, details: error.details });
  }
}
