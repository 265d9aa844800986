// `setup`'s writes (as an admin): apply the issuer's objects like kubectl apply, comparing only
// the fields setup sets, or (`setup --controller`) with server-side apply; and read the labels
// that tell whether an object is setup's.

import { groupPath, objectPath, withQuery } from '../core/api-paths.js';
import { canonicalJson } from '../core/digest.js';
import { ApiError, operationFailed } from '../core/errors.js';
import type { Manifest } from '../core/grant-plan.js';
import { describeManifest } from '../core/object-ref.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import type { KubeIssuanceApi } from './kube-issuance.js';

/** Creates the object, or replaces it when its content differs, like kubectl apply. */
export async function applyManifest(api: KubeIssuanceApi, manifest: Manifest): Promise<'created' | 'configured' | 'unchanged'> {
  const { kind, metadata } = manifest;
  const { name } = metadata;
  try {
    await api.create(manifest);
    return 'created';
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
  }
  if (kind === 'ServiceAccount') return 'unchanged'; // an existing ServiceAccount keeps its secrets and annotations
  const fields = APPLIED_FIELDS[kind];
  if (!fields) throw operationFailed(`cannot apply ${describeManifest(manifest)}: unsupported kind`);
  const path = objectPath({ kind, name, namespace: metadata.namespace });
  const current = await api.request<KubeObject>(`read ${describeManifest(manifest)}`, { method: 'GET', path });
  if (sameContent(current, manifest, fields)) return 'unchanged';
  const currentRoleRef = current.roleRef as { kind: string; name: string } | undefined;
  if (kind.endsWith('RoleBinding') && canonicalJson(currentRoleRef) !== canonicalJson(manifest.roleRef)) {
    throw operationFailed(`${describeManifest(manifest)} exists and binds another role (${currentRoleRef?.kind} ${currentRoleRef?.name}), which cannot be changed: delete it or choose another --name`);
  }
  await api.request(`update ${describeManifest(manifest)}`, { method: 'PUT', path, body: withVersion(manifest, current) });
  return 'configured';
}

/** Where the manifest's object lives, at the manifest's own API version (a kind may be served at several). */
const manifestPath = (manifest: Manifest): string => objectPath({ apiVersion: manifest.apiVersion, kind: manifest.kind, name: manifest.metadata.name, namespace: manifest.metadata.namespace });

/** The first of `apiVersions` (group/version, preferred first) at which discovery shows `kind`, or undefined. */
export async function servedApiVersion<V extends string>(api: KubeApi, kind: string, apiVersions: readonly V[]): Promise<V | undefined> {
  for (const apiVersion of apiVersions) {
    try {
      const list = await api.request<{ resources: { name: string; kind: string }[] }>(`discover ${apiVersion}`, { method: 'GET', path: groupPath(apiVersion) });
      if (list.resources.some((resource) => resource.kind === kind && !resource.name.includes('/'))) return apiVersion;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  return undefined;
}

/** The live object's labels, or undefined when it does not exist. */
export async function labelsOf(api: KubeApi, manifest: Manifest): Promise<Record<string, string> | undefined> {
  try {
    const current = await api.request<KubeObject>(`read ${describeManifest(manifest)}`, { method: 'GET', path: manifestPath(manifest) });
    return current.metadata?.labels ?? {};
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** What apply compares and replaces, by kind (setup applies only these). */
const APPLIED_FIELDS: Record<string, string[]> = {
  ClusterRole: ['rules'],
  ClusterRoleBinding: ['roleRef', 'subjects'],
  Role: ['rules'],
  RoleBinding: ['roleRef', 'subjects'],
  ValidatingAdmissionPolicy: ['spec'],
  ValidatingAdmissionPolicyBinding: ['spec'],
};

/** Whether the live object already has the manifest's labels and these fields. */
function sameContent(current: KubeObject, manifest: Manifest, fields: string[]): boolean {
  const labelsHeld = Object.entries(manifest.metadata.labels).every(([key, value]) => current.metadata?.labels?.[key] === value);
  return labelsHeld && fields.every((field) => holds(current[field] ?? null, manifest[field] ?? null));
}

/** `actual` says everything `desired` says; fields the API server defaulted (e.g. a policy's matchPolicy) are ignored. */
function holds(actual: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) return Array.isArray(actual) && actual.length === desired.length && desired.every((item, index) => holds(actual[index], item));
  if (desired !== null && typeof desired === 'object') {
    return actual !== null && typeof actual === 'object' && !Array.isArray(actual) && Object.entries(desired).every(([key, value]) => holds((actual as Record<string, unknown>)[key], value));
  }
  return actual === desired;
}

/** The manifest as a replacement of the live object: its metadata kept, its resourceVersion checked. */
function withVersion(manifest: Manifest, current: KubeObject): Manifest {
  return { ...manifest, metadata: { ...current.metadata, ...manifest.metadata, labels: { ...current.metadata?.labels, ...manifest.metadata.labels }, resourceVersion: current.metadata?.resourceVersion } } as Manifest;
}

/** Who server-side apply records as the owner of the fields setup sets. */
const FIELD_MANAGER = 'kubectl-tempcreds';

/**
 * Server-side apply (`setup --controller`): the API server merges the fields this manager owns,
 * so a second run changes nothing (same resourceVersion: 'unchanged'); `force` takes over fields
 * another manager set (setup has already refused objects that are not its own). A CRD is waited
 * for until it is served: the Deployment applied after it must not find it missing.
 */
export async function serverSideApply(api: KubeApi, manifest: Manifest): Promise<'created' | 'configured' | 'unchanged'> {
  const path = manifestPath(manifest);
  let before: string | undefined;
  try {
    before = (await api.request<KubeObject>(`read ${describeManifest(manifest)}`, { method: 'GET', path })).metadata?.resourceVersion;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const applied = await api.request<KubeObject>(`apply ${describeManifest(manifest)}`, {
    method: 'PATCH',
    path: withQuery(path, { fieldManager: FIELD_MANAGER, force: 'true' }),
    body: manifest,
    contentType: 'application/apply-patch+yaml',
  });
  if (manifest.kind === 'CustomResourceDefinition') await established(api, manifest, path);
  return before === undefined ? 'created' : before === applied.metadata?.resourceVersion ? 'unchanged' : 'configured';
}

async function established(api: KubeApi, manifest: Manifest, path: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    const current = await api.request<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(`read ${describeManifest(manifest)}`, { method: 'GET', path });
    if (current.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw operationFailed(`${describeManifest(manifest)} was applied but is not served after 10 s: check it with kubectl get crd ${manifest.metadata.name} -o yaml, then run setup again`);
}
