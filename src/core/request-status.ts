// Where a CredentialRequest stands and the status the controller writes next (the status
// contract of credential-request-crd.ts): conditions in the metav1.Condition shape, at most one
// True, a transition time kept while a condition's status stays the same. Pure: time passed in.

import {
  REQUEST_CONDITIONS,
  type CredentialRequestStatus,
  type RequestCondition,
  type RequestConditionType,
} from './manifests/credential-request-crd.js';

export type DenialReason = 'RoleNotFound' | 'RoleNotReady' | 'RoleNotAllowed' | 'NamespaceNotAllowed' | 'TtlTooLong' | 'AudienceNotAllowed' | 'ClusterRoleBindingNotAllowed' | 'InvalidSpec' | 'InvalidPublicKey';

/** The finalizer that keeps a request until its lease is revoked. */
export const REVOKE_FINALIZER = 'tempcreds.dev/revoke-lease';
/** On every object of a delegated lease: the uid of the request it was issued for. */
export const REQUEST_UID_LABEL = 'tempcreds.dev/request-uid';

/**
 * new: no controller has seen it. claimed: a lease id is claimed (Issued=Unknown), no token yet.
 * issued: Issued=True. finished: Denied, Failed or Revoked (final).
 */
export type RequestPhase = 'new' | 'claimed' | 'issued' | 'finished';

const FINAL: RequestConditionType[] = ['Denied', 'Failed', 'Revoked'];

function condition(status: CredentialRequestStatus | undefined, type: RequestConditionType): RequestCondition | undefined {
  return status?.conditions?.find((each) => each.type === type);
}

export function requestPhase(status: CredentialRequestStatus | undefined): RequestPhase {
  if (FINAL.some((type) => condition(status, type)?.status === 'True')) return 'finished';
  const issued = condition(status, 'Issued');
  if (issued?.status === 'True') return 'issued';
  if (issued?.status === 'Unknown' && status?.leaseId) return 'claimed';
  return 'new';
}

/** When a finished request finished: its final condition's transition (the cleaner counts retention from it). */
export function finishedAt(status: CredentialRequestStatus | undefined): Date | undefined {
  const final = FINAL.map((type) => condition(status, type)).find((each) => each?.status === 'True');
  return final ? new Date(final.lastTransitionTime) : undefined;
}

/** Conditions long enough to explain, short enough never to crowd the object. */
const MAX_MESSAGE = 1024;

interface Change {
  type: RequestConditionType;
  status: RequestCondition['status'];
  reason: string;
  message: string;
}

/** The conditions with these changes applied: a condition keeps its transition time unless its status changes. */
function withConditions(status: CredentialRequestStatus | undefined, changes: Change[], now: Date, generation: number | undefined): RequestCondition[] {
  const conditions = [...(status?.conditions ?? [])];
  for (const change of changes) {
    const previous = conditions.findIndex((each) => each.type === change.type);
    const message = change.message.length > MAX_MESSAGE ? `${change.message.slice(0, MAX_MESSAGE - 1)}…` : change.message;
    const kept = previous >= 0 && conditions[previous]!.status === change.status ? conditions[previous]!.lastTransitionTime : now.toISOString();
    const next: RequestCondition = { ...change, message, lastTransitionTime: kept, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
    if (previous >= 0) conditions[previous] = next;
    else conditions.push(next);
  }
  return conditions;
}

type StatusInput = { status?: CredentialRequestStatus; generation?: number; now: Date };

/** The first write: seen, and the lease id claimed for it (a second claim conflicts on the resourceVersion). */
export function claimedStatus({ status, generation, now }: StatusInput, leaseId: string): CredentialRequestStatus {
  const conditions = withConditions(status, [{ type: 'Issued', status: 'Unknown', reason: 'Issuing', message: `issuing lease ${leaseId}` }], now, generation);
  return { ...status, conditions, leaseId, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

export function issuedStatus(input: StatusInput, issued: { token: string; expiresAt: Date; leaseId: string; anchorUid?: string }): CredentialRequestStatus {
  const message = `lease ${issued.leaseId} issued; the token (sealed to spec.publicKey) works until ${issued.expiresAt.toISOString()}`;
  return { ...input.status, conditions: withConditions(input.status, [{ type: 'Issued', status: 'True', reason: 'Issued', message }], input.now, input.generation), leaseId: issued.leaseId, expiresAt: issued.expiresAt.toISOString(), token: issued.token, ...(issued.anchorUid ? { anchorUid: issued.anchorUid } : {}) };
}

/** A final answer: its condition True, Issued False with the same reason; a revoked token is dropped from status. */
export function finalStatus(input: StatusInput, type: 'Denied' | 'Failed' | 'Revoked', reason: string, message: string): CredentialRequestStatus {
  const { token: _dropped, ...rest } = input.status ?? {};
  const changes: Change[] = [
    { type: REQUEST_CONDITIONS[type], status: 'True', reason, message },
    { type: 'Issued', status: 'False', reason, message },
  ];
  return { ...rest, conditions: withConditions(input.status, changes, input.now, input.generation), ...(input.generation !== undefined ? { observedGeneration: input.generation } : {}) };
}

/**
 * A request gets tokens for its own namespace only, so RBAC on requests limits where a requester's
 * tokens work. Admission refuses the others; checked again for one admitted while the policy was
 * missing or older.
 */
export function namespaceDenial(requestNamespace: string, targetNamespace: string): { reason: DenialReason; message: string } | undefined {
  if (targetNamespace === requestNamespace) return undefined;
  return { reason: 'NamespaceNotAllowed', message: `spec.namespace ${targetNamespace} is not the namespace the request is in (${requestNamespace}): a request gets tokens for its own namespace only; create it in namespace ${targetNamespace}` };
}

/** Admission checked `use` when the request was created; a grant revoked since (the request waited for a controller) refuses it. */
export function useDenial(username: string, role: string): { reason: DenialReason; message: string } {
  return { reason: 'RoleNotAllowed', message: `${username} may no longer use CredentialRole "${role}" (RBAC verb use on credentialroles/${role}, checked again before issuing): nothing was issued; ask an admin for a grant (kubectl tempcreds role grant ${role}), then create a new request` };
}

/**
 * What a delegated request may not ask that a local issuer may: a TTL over the role's maximum
 * (locally capped with a warning the requester would never see) and audiences the role does
 * not name (a token for another service's audience acts as the ServiceAccount there).
 */
export function delegationDenial(role: { name: string; spec: { maxTtl?: string; defaultAudiences?: string[] } }, requested: { ttlSeconds?: number; maxTtlSeconds?: number; audiences?: string[] }): { reason: DenialReason; message: string } | undefined {
  if (requested.ttlSeconds !== undefined && requested.maxTtlSeconds !== undefined && requested.ttlSeconds > requested.maxTtlSeconds) {
    return { reason: 'TtlTooLong', message: `spec.ttl ${requested.ttlSeconds}s is longer than role "${role.name}"'s maxTtl ${role.spec.maxTtl}: ask for ${role.spec.maxTtl} or less` };
  }
  const allowed = role.spec.defaultAudiences ?? [];
  const refused = (requested.audiences ?? []).filter((audience) => !allowed.includes(audience));
  if (refused.length > 0) {
    const names = allowed.length > 0 ? `only ${allowed.join(', ')}` : 'none (tokens for the API server only)';
    return { reason: 'AudienceNotAllowed', message: `role "${role.name}" does not allow audience ${refused.join(', ')}: it allows ${names}; leave spec.audiences out or ask for one of those` };
  }
  return undefined;
}
