// Plans the objects one lease needs (pure): an anchor Secret first, then what the
// role's mode requires, grouped into rounds whose objects do not depend on each other,
// so the API calls of an issuance run as few sequential rounds as the dependencies allow.
//
//   existing ServiceAccount: anchor → token                          (2 rounds)
//   existing Role:           anchor → ServiceAccount + binding → token (3 rounds)
//   generated rules:         anchor → ServiceAccount + role → binding + token (3 rounds)
//
// The token is bound to the anchor (boundObjectRef), so deleting the anchor revokes it
// even for an existing ServiceAccount; namespaced objects are owned by the anchor.

import { invalidInput } from './errors.js';
import {
  ANCHOR_UID_ANNOTATION,
  EXPIRES_AT_ANNOTATION,
  ISSUED_BY_ANNOTATION,
  LEASE_ID_ANNOTATION,
  PLANNED_KINDS_ANNOTATION,
  SERVICE_ACCOUNT_ANNOTATION,
  formatLeaseId,
  issuedOn,
  leaseLabels,
  type LeaseRecord,
} from './lease.js';
import { bareRef, type ObjectRef } from './object-ref.js';
import { formatSelector, selectorMatches, type LabelSelector } from './label-selector.js';
import { renderObjectName } from './naming.js';
import { roleDigest, roleMode, roleRefKind, type RoleDefinition } from './role-spec.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface TokenSpec {
  serviceAccountName: string;
  namespace: string;
  expirationSeconds: number;
  audiences: string[];
}

export interface GrantRound {
  create: Manifest[];
  requestToken: boolean;
}

export interface GrantPlan {
  leaseId: string;
  namespace: string;
  serviceAccountName: string;
  serviceAccountCreated: boolean;
  bindingKind?: 'RoleBinding' | 'ClusterRoleBinding';
  anchor: Manifest;
  /** Rounds after the anchor; each round's calls run concurrently. */
  rounds: GrantRound[];
  token: TokenSpec;
}

export interface GrantRequest {
  role: RoleDefinition;
  namespace: string;
  ttlSeconds: number;
  clusterRoleBinding: boolean;
  audiences: string[];
  leaseSuffix: string;
  /** Labels beyond the role's and the lease's (the controller's request uid). */
  labels?: Record<string, string>;
  issuedBy: string;
  now: Date;
}

const RBAC = 'rbac.authorization.k8s.io';

/** Refuses a binding request the role cannot satisfy (checked before any API call). */
export function checkBinding(role: RoleDefinition, clusterRoleBinding: boolean): void {
  if (!clusterRoleBinding) return;
  if (roleMode(role.spec) === 'serviceAccount') {
    throw invalidInput(`--cluster-role-binding does not apply to role "${role.name}": it uses the existing ServiceAccount "${role.spec.serviceAccount}" and creates no binding`);
  }
  if (roleRefKind(role.spec) === 'Role') {
    throw invalidInput(`--cluster-role-binding cannot be used with role "${role.name}": a ClusterRoleBinding cannot ref a Role (set --role-type ClusterRole on the role, or drop --cluster-role-binding)`);
  }
  if (!role.spec.allowClusterRoleBinding) {
    throw invalidInput(
      `role "${role.name}" does not allow --cluster-role-binding: a ClusterRoleBinding grants its rules in every namespace, not only in the role's allowed namespaces; to allow it: kubectl tempcreds role update ${role.name} --allow-cluster-role-binding`,
    );
  }
}

/** An existing ClusterRole whose aggregationRule takes in the rules of every ClusterRole its selectors match. */
export interface AggregatingClusterRole {
  name: string;
  selectors: LabelSelector[];
}

/**
 * The plan's generated ClusterRole when it carries the role's extraLabels, which another
 * ClusterRole's aggregationRule could select (our own labels are ours: no admin aggregates them).
 */
export function labelledClusterRole(plan: GrantPlan, role: RoleDefinition): Manifest | undefined {
  if (!role.spec.extraLabels) return undefined;
  return plan.rounds.flatMap((round) => round.create).find((manifest) => manifest.kind === 'ClusterRole');
}

/** Refuses a generated ClusterRole that an aggregationRule selects: its rules would reach everyone bound to the aggregating role. */
export function checkAggregation(roleName: string, generated: Manifest, aggregating: AggregatingClusterRole[]): void {
  for (const { name, selectors } of aggregating) {
    const selector = selectors.find((candidate) => selectorMatches(candidate, generated.metadata.labels));
    if (!selector) continue;
    throw invalidInput(
      `role "${roleName}": its generated ClusterRole would match the aggregationRule of ClusterRole "${name}" (${formatSelector(selector) || 'every ClusterRole'}), which would take in the lease's rules for everyone bound to "${name}"; remove those labels from the role's --extra-labels`,
    );
  }
}

export function planGrant(request: GrantRequest): GrantPlan {
  const { role, namespace, leaseSuffix, now } = request;
  checkBinding(role, request.clusterRoleBinding);
  const leaseId = formatLeaseId(role.name, leaseSuffix);
  const name = renderObjectName(role.spec.nameTemplate, { role: role.name, lease: leaseSuffix, namespace, unix: String(Math.floor(now.getTime() / 1000)) });
  const metadata = leaseMetadata(request, leaseId, name);
  const members = memberRounds(request, name, metadata);
  const { serviceAccountName, rounds } = members;
  return {
    leaseId,
    namespace,
    ...members,
    anchor: anchorManifest(metadata(true), serviceAccountName, rounds),
    token: { serviceAccountName, namespace, expirationSeconds: request.ttlSeconds, audiences: request.audiences },
  };
}

/** The metadata of a lease's objects (namespaced ones in the lease's namespace): its labels and annotations. */
type LeaseMetadata = (namespaced: boolean) => Manifest['metadata'];

function leaseMetadata({ role, namespace, leaseSuffix, labels, now, ttlSeconds, issuedBy }: GrantRequest, leaseId: string, name: string): LeaseMetadata {
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  return (namespaced) => ({
    name,
    ...(namespaced ? { namespace } : {}),
    labels: { ...role.spec.extraLabels, ...labels, ...leaseLabels(role.name, leaseSuffix) },
    annotations: {
      ...role.spec.extraAnnotations,
      [LEASE_ID_ANNOTATION]: leaseId,
      [EXPIRES_AT_ANNOTATION]: expiresAt,
      [ISSUED_BY_ANNOTATION]: issuedBy,
    },
  });
}

/** The anchor Secret: it names the lease's ServiceAccount and the kinds the rounds create. */
function anchorManifest(metadata: Manifest['metadata'], serviceAccountName: string, rounds: GrantRound[]): Manifest {
  metadata.annotations[SERVICE_ACCOUNT_ANNOTATION] = serviceAccountName;
  metadata.annotations[PLANNED_KINDS_ANNOTATION] = rounds.flatMap((round) => round.create.map((manifest) => manifest.kind)).join(',');
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque' };
}

/** What each mode creates after the anchor, round by round, and the ServiceAccount the token is for. */
function memberRounds(
  { role, namespace, clusterRoleBinding }: GrantRequest,
  name: string,
  metadata: LeaseMetadata,
): Pick<GrantPlan, 'serviceAccountName' | 'serviceAccountCreated' | 'bindingKind' | 'rounds'> {
  const spec = role.spec;
  const mode = roleMode(spec);
  if (mode === 'serviceAccount') return { serviceAccountName: spec.serviceAccount!, serviceAccountCreated: false, rounds: [{ create: [], requestToken: true }] };
  const serviceAccount: Manifest = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(true) };
  const bindingKind = clusterRoleBinding ? 'ClusterRoleBinding' : 'RoleBinding';
  const binding: Manifest = {
    apiVersion: `${RBAC}/v1`,
    kind: bindingKind,
    metadata: metadata(bindingKind === 'RoleBinding'),
    roleRef: { apiGroup: RBAC, kind: roleRefKind(spec), name: mode === 'rules' ? name : spec.kubernetesRole! },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  };
  const created = { serviceAccountName: name, serviceAccountCreated: true, bindingKind } as const;
  if (mode === 'kubernetesRole') return { ...created, rounds: [{ create: [serviceAccount, binding], requestToken: false }, { create: [], requestToken: true }] };
  const roleKind = spec.roleType ?? 'Role';
  const generatedRole: Manifest = { apiVersion: `${RBAC}/v1`, kind: roleKind, metadata: metadata(roleKind === 'Role'), rules: spec.rules };
  return {
    ...created,
    rounds: [
      { create: [serviceAccount, generatedRole], requestToken: false },
      { create: [binding], requestToken: true },
    ],
  };
}

/** The record of an applied plan: what revocation needs, with the token's real expiry. */
export function leaseRecordFor(
  plan: GrantPlan,
  facts: {
    role: RoleDefinition;
    issuer: { kubeconfig?: string; context: string; server: string; user: string; certificateAuthorityData?: string };
    issuedAt: Date;
    ttlSeconds: number;
    expiresAt: Date;
    objects: ObjectRef[];
  },
): LeaseRecord {
  return {
    id: plan.leaseId,
    role: facts.role.name,
    roleDigest: roleDigest(facts.role),
    namespace: plan.namespace,
    serviceAccountName: plan.serviceAccountName,
    serviceAccountCreated: plan.serviceAccountCreated,
    ...(plan.bindingKind ? { bindingKind: plan.bindingKind } : {}),
    issuedAt: facts.issuedAt.toISOString(),
    expiresAt: facts.expiresAt.toISOString(),
    ttlSeconds: facts.ttlSeconds,
    ...issuedOn(facts.issuer),
    issuedBy: facts.issuer.user,
    objects: facts.objects.map(bareRef),
  };
}

/**
 * Namespaced objects are owned by the anchor, so the garbage collector removes them with it;
 * cluster-scoped ones (which cannot be) carry its uid. Either ties them to their lease in a way
 * labels cannot: gc and revoke delete nothing else.
 */
export function ownedByAnchor(manifest: Manifest, anchor: ObjectRef & { uid: string }): Manifest {
  if (!manifest.metadata.namespace) {
    return { ...manifest, metadata: { ...manifest.metadata, annotations: { ...manifest.metadata.annotations, [ANCHOR_UID_ANNOTATION]: anchor.uid } } };
  }
  const owner: OwnerReference = { apiVersion: anchor.apiVersion, kind: anchor.kind, name: anchor.name, uid: anchor.uid };
  return { ...manifest, metadata: { ...manifest.metadata, ownerReferences: [owner] } };
}

/** A planned object as the issuance creates it: tied to the anchor, expiring by the API server's clock. */
export function leaseMember(manifest: Manifest, anchor: ObjectRef & { uid: string }, expiresAt: string): Manifest {
  return expiringAt(ownedByAnchor(manifest, anchor), expiresAt);
}

/** The manifest with another expiry (the API server's, once issuance has heard its clock). */
export function expiringAt(manifest: Manifest, expiresAt: string): Manifest {
  return { ...manifest, metadata: { ...manifest.metadata, annotations: { ...manifest.metadata.annotations, [EXPIRES_AT_ANNOTATION]: expiresAt } } };
}
