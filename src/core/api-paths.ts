// REST paths of the Kubernetes API for the kinds a lease creates: what the adapter requests,
// built in one place. Pure.

import { checkDns1123Label, checkPathSegmentName } from './kube-names.js';
import { deletionRound } from './lease.js';
import type { ObjectRef } from './object-ref.js';

/** The kinds a lease may create, by their plural resource name. */
const RESOURCES: Record<string, { apiVersion: string; resource: string; namespaced: boolean }> = {
  Secret: { apiVersion: 'v1', resource: 'secrets', namespaced: true },
  ServiceAccount: { apiVersion: 'v1', resource: 'serviceaccounts', namespaced: true },
  Role: { apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'roles', namespaced: true },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', namespaced: true },
  ClusterRole: { apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'clusterrolebindings', namespaced: false },
};

/** Every kind a lease may create. */
export const MANAGED_KINDS = Object.keys(RESOURCES);

/**
 * The order the kinds are listed in (gc acts page by page): anchors first, so every member's
 * anchor is known; then in deletion order, cluster-scoped kinds first within a round, so whether
 * the issuer may list them is known before the ServiceAccounts are reached.
 */
export const LISTING_ORDER = [...MANAGED_KINDS].sort((a, b) => {
  const rank = (kind: string) => (kind === 'Secret' ? -1 : deletionRound(kind) * 2 + (RESOURCES[kind]!.namespaced ? 1 : 0));
  return rank(a) - rank(b);
});

/** `/api/v1` for the core group, `/apis/GROUP/VERSION` for the others. */
export function groupPath(apiVersion: string): string {
  return apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
}

/** Kinds only `setup` creates (the issuer guard; with --controller its CRDs, namespace and Deployment), never a lease: not in MANAGED_KINDS. */
const SETUP_RESOURCES: typeof RESOURCES = {
  ValidatingAdmissionPolicy: { apiVersion: 'admissionregistration.k8s.io/v1', resource: 'validatingadmissionpolicies', namespaced: false },
  ValidatingAdmissionPolicyBinding: { apiVersion: 'admissionregistration.k8s.io/v1', resource: 'validatingadmissionpolicybindings', namespaced: false },
  // Served at v1 from Kubernetes 1.36, at v1beta1 before: setup gives the manifest's own version.
  MutatingAdmissionPolicy: { apiVersion: 'admissionregistration.k8s.io/v1', resource: 'mutatingadmissionpolicies', namespaced: false },
  MutatingAdmissionPolicyBinding: { apiVersion: 'admissionregistration.k8s.io/v1', resource: 'mutatingadmissionpolicybindings', namespaced: false },
  CustomResourceDefinition: { apiVersion: 'apiextensions.k8s.io/v1', resource: 'customresourcedefinitions', namespaced: false },
  Namespace: { apiVersion: 'v1', resource: 'namespaces', namespaced: false },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments', namespaced: true },
};

function resourceOf(kind: string): (typeof RESOURCES)[string] {
  const resource = RESOURCES[kind] ?? SETUP_RESOURCES[kind];
  if (!resource) throw new Error(`unsupported kind ${kind}`);
  return resource;
}

/** The API version a kind of lease object is served at. */
export function apiVersionOf(kind: string): string {
  return resourceOf(kind).apiVersion;
}

/**
 * A name as one path segment, or a throw: "." or ".." would climb to the collection (a DELETE
 * of `clusterroles/.` deletes every ClusterRole the caller may delete), "/" would add segments.
 */
function segment(what: string, name: string, problem: string | undefined): string {
  if (problem) throw new Error(`"${name}" is not a valid ${what} name: ${problem}`);
  return encodeURIComponent(name);
}

/** The collection an object is created in: namespaced kinds within their namespace; at `apiVersion` when given (a manifest's own). */
export function collectionPath(ref: Pick<ObjectRef, 'kind' | 'namespace'> & { apiVersion?: string }): string {
  const { resource, namespaced } = resourceOf(ref.kind);
  const apiVersion = ref.apiVersion ?? resourceOf(ref.kind).apiVersion;
  if (namespaced && !ref.namespace) throw new Error(`a ${ref.kind} needs a namespace`);
  return `${groupPath(apiVersion)}${namespaced ? `/namespaces/${segment('namespace', ref.namespace!, checkDns1123Label(ref.namespace!))}` : ''}/${resource}`;
}

/** One object, or one of its subresources (`token` of a ServiceAccount). */
export function objectPath(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'> & { apiVersion?: string }, subresource?: string): string {
  return `${collectionPath(ref)}/${segment(ref.kind, ref.name, checkPathSegmentName(ref.name))}${subresource ? `/${subresource}` : ''}`;
}

/** A namespace object (read for its labels). */
export function namespacePath(name: string): string {
  return `/api/v1/namespaces/${segment('namespace', name, checkDns1123Label(name))}`;
}

export function isNamespacedKind(kind: string): boolean {
  return resourceOf(kind).namespaced;
}

/** Every object of a kind across all namespaces. */
export function clusterWidePath(kind: string): string {
  const { apiVersion, resource } = resourceOf(kind);
  return `${groupPath(apiVersion)}/${resource}`;
}

/** A path with its query: undefined values are left out. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
