// What `issue --dry-run` shows (pure): the TTL and namespace decisions in words, the objects as
// the issuance leaves them, and the token's effective permissions. The API server's checks of
// those objects (dryRun=All) happen in the app layer.

import { formatDuration } from './duration.js';
import { leaseMember, type GrantPlan, type Manifest } from './grant-plan.js';
import { EXPIRES_AT_ANNOTATION, TOKEN_REQUESTED_ANNOTATION } from './lease.js';
import type { ObjectRef } from './object-ref.js';
import { formatSelector } from './label-selector.js';
import type { NamespaceDecision } from './namespace-policy.js';
import type { PolicyRule } from './policy-rules.js';
import { roleMode, roleRefKind, type RoleDefinition } from './role-spec.js';
import type { ResolvedTtl } from './ttl.js';

/** The rules of the bound role: known, or why not. */
export type RulesPreview = PolicyRule[] | 'absent' | 'forbidden';

export interface PermissionsPreview {
  /** `ServiceAccount NS/NAME`: who the token acts as. */
  subject: string;
  /** Absent for an existing ServiceAccount: the lease binds nothing, the token has what is bound to it. */
  binding?: {
    kind: 'RoleBinding' | 'ClusterRoleBinding';
    roleRef: { kind: 'Role' | 'ClusterRole'; name: string; namespace?: string };
    generated: boolean;
    /** A namespace, or undefined for cluster-wide. */
    namespace?: string;
    rules: RulesPreview;
  };
}

export interface GrantPreview {
  leaseId: string;
  ttl: { seconds: number; decision: string; warnings: string[] };
  namespace: { name: string; decision: string };
  /** In creation order, as the issuance leaves them (the anchor marked as holding a token). */
  objects: Manifest[];
  token: { serviceAccount: string; namespace: string; expirationSeconds: number; audiences: string[]; boundTo: string };
  permissions: PermissionsPreview;
  /** What the API server could not check in a dry run, and why. */
  notes: string[];
}

/** Which rule of the TTL decision table gave the TTL. */
export function ttlDecision(role: RoleDefinition, requested: string | undefined, ttl: ResolvedTtl): string {
  const basis = requested !== undefined ? 'requested with --ttl' : role.spec.defaultTtl ? "the role's default TTL" : 'the global default; the role sets none';
  return `${formatDuration(ttl.seconds)} (${ttl.warnings.length > 0 ? `${basis}, capped at the role's max TTL` : basis})`;
}

/** Why the namespace is allowed. */
export function namespaceDecision(role: RoleDefinition, requested: string | undefined, decision: NamespaceDecision): string {
  const { allowedNamespaces, namespaceSelector } = role.spec;
  const why =
    decision.verdict === 'needs-selector'
      ? `its labels match the role's selector ${formatSelector(namespaceSelector!)}`
      : requested === undefined || requested === ''
        ? "the role's only allowed namespace"
        : allowedNamespaces.includes(decision.namespace)
          ? "in the role's allowed namespaces"
          : 'the role allows every namespace ("*")';
  return `${decision.namespace} (${why})`;
}

/** The objects as the issuance leaves them: members tied to the anchor, the anchor marked once the token is requested. */
export function previewObjects(plan: GrantPlan, anchor: ObjectRef & { uid: string }, expiresAt: string): Manifest[] {
  const markedAnchor: Manifest = {
    ...plan.anchor,
    metadata: { ...plan.anchor.metadata, annotations: { ...plan.anchor.metadata.annotations, [TOKEN_REQUESTED_ANNOTATION]: 'true', [EXPIRES_AT_ANNOTATION]: expiresAt } },
  };
  return [markedAnchor, ...plan.rounds.flatMap((round) => round.create.map((manifest) => leaseMember(manifest, anchor, expiresAt)))];
}

/** The existing Role or ClusterRole the lease binds, whose rules must be read; undefined when there is none (generated rules, existing ServiceAccount). */
export function existingRoleRef(plan: GrantPlan, role: RoleDefinition): { kind: 'Role' | 'ClusterRole'; name: string; namespace?: string } | undefined {
  if (roleMode(role.spec) !== 'kubernetesRole') return undefined;
  const kind = roleRefKind(role.spec);
  return { kind, name: role.spec.kubernetesRole!, ...(kind === 'Role' ? { namespace: plan.namespace } : {}) };
}

/** The token's effective permissions: the bound role's rules (generated, or `existing` as read) and their scope. */
export function previewPermissions(plan: GrantPlan, role: RoleDefinition, existing?: RulesPreview): PermissionsPreview {
  const subject = `ServiceAccount ${plan.namespace}/${plan.serviceAccountName}`;
  if (!plan.bindingKind) return { subject };
  const generated = roleMode(role.spec) === 'rules';
  const refKind = roleRefKind(role.spec);
  const roleRef = generated
    ? { kind: refKind, name: plan.serviceAccountName, ...(refKind === 'Role' ? { namespace: plan.namespace } : {}) }
    : existingRoleRef(plan, role)!;
  return {
    subject,
    binding: {
      kind: plan.bindingKind,
      roleRef,
      generated,
      ...(plan.bindingKind === 'RoleBinding' ? { namespace: plan.namespace } : {}),
      rules: generated ? role.spec.rules! : (existing ?? 'absent'),
    },
  };
}
