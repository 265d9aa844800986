// The API calls of issuance, preview, revocation and gc (the KubernetesPort): create the
// lease's objects, request its bound token, delete by uid, list what carries the lease labels.

import { LISTING_ORDER, apiVersionOf, clusterWidePath, collectionPath, isNamespacedKind, namespacePath, objectPath, withQuery } from '../core/api-paths.js';
import { ApiError } from '../core/errors.js';
import type { AggregatingClusterRole, Manifest, TokenSpec } from '../core/grant-plan.js';
import type { LabelSelector } from '../core/label-selector.js';
import { ISSUED_BY_ANNOTATION, PLANNED_KINDS_ANNOTATION, RESERVED_PREFIX, ROLE_LABEL, SERVICE_ACCOUNT_ANNOTATION, TOKEN_REQUESTED_ANNOTATION, type ManagedObject } from '../core/lease.js';
import { describeManifest, describeRef, refOf, type ObjectRef } from '../core/object-ref.js';
import type { PolicyRule } from '../core/policy-rules.js';
import type { CreatedRef, IssuedToken, KubernetesPort, ManagedListing } from '../app/ports.js';
import type { KubeRequest } from './kube-connections.js';
import { KubeApi, LIST_PAGE_SIZE, type KubeList, type KubeObject } from './kube-api.js';

export class KubeIssuanceApi extends KubeApi implements KubernetesPort {
  async create(manifest: Manifest, { dryRun = false }: { dryRun?: boolean } = {}): Promise<CreatedRef> {
    const { kind, metadata } = manifest;
    const path = collectionPath({ kind, namespace: metadata.namespace });
    const created = await this.request<KubeObject>(`${dryRun ? 'dry-run ' : ''}create ${describeManifest(manifest)}`, { method: 'POST', path: dryRun ? withQuery(path, { dryRun: 'All' }) : path, body: manifest });
    return { ...refOf(manifest), uid: created.metadata!.uid! };
  }

  async requestToken(spec: TokenSpec, boundTo: CreatedRef): Promise<IssuedToken> {
    const response = await this.request<{ status: { token: string; expirationTimestamp: string } }>(`request a token for ServiceAccount ${spec.namespace}/${spec.serviceAccountName}`, tokenRequest(spec, boundTo));
    return { token: response.status.token, expiresAt: new Date(response.status.expirationTimestamp) };
  }

  async dryRunTokenRequest(spec: TokenSpec, boundTo: CreatedRef): Promise<void> {
    const request = tokenRequest(spec, boundTo);
    // The answer is dropped unread: should a server ever mint a token here, it goes nowhere.
    await this.request(`dry-run request a token for ServiceAccount ${spec.namespace}/${spec.serviceAccountName}`, { ...request, path: withQuery(request.path, { dryRun: 'All' }) });
  }

  async roleRules({ kind, name, namespace }: { kind: 'Role' | 'ClusterRole'; name: string; namespace?: string }): Promise<PolicyRule[] | 'absent' | 'forbidden'> {
    try {
      const role = await this.request<{ rules?: PolicyRule[] | null }>(`read ${kind} ${namespace ? `${namespace}/` : ''}${name}`, { method: 'GET', path: objectPath({ kind, name, namespace }) });
      return role.rules ?? [];
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return 'absent';
      if (error instanceof ApiError && error.status === 403) return 'forbidden';
      throw error;
    }
  }

  async annotate(ref: ObjectRef, annotations: Record<string, string>): Promise<void> {
    if (ref.kind !== 'Secret' || !ref.namespace) throw new Error(`annotate supports namespaced Secrets only, not ${ref.kind}`);
    await this.request(`annotate Secret ${ref.namespace}/${ref.name}`, {
      method: 'PATCH',
      path: objectPath(ref),
      body: { metadata: { annotations } },
      contentType: 'application/merge-patch+json',
    });
  }

  async delete(ref: ObjectRef): Promise<'deleted' | 'absent' | 'replaced'> {
    // Background propagation: no deletionTimestamp lingers, so tokens die at once. The uid
    // precondition deletes exactly the object that was created, never a same-named successor.
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...(ref.uid ? { preconditions: { uid: ref.uid } } : {}), propagationPolicy: 'Background' };
    try {
      // Background propagation: no deletionTimestamp lingers (which would keep tokens valid ~60 s);
      // tokens then fail once the API server's ~10 s authentication cache forgets them.
      await this.request(`delete ${describeRef(ref)}`, { method: 'DELETE', path: objectPath(ref), body });
      return 'deleted';
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return 'absent';
      if (error instanceof ApiError && error.status === 409 && ref.uid) return 'replaced';
      throw error;
    }
  }

  async namespaceLabels(name: string): Promise<Record<string, string> | undefined> {
    try {
      const namespace = await this.request<KubeObject>(`read namespace ${name}`, { method: 'GET', path: namespacePath(name) });
      return namespace.metadata?.labels ?? {};
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async aggregatingClusterRoles(): Promise<AggregatingClusterRole[]> {
    const found: AggregatingClusterRole[] = [];
    let next: string | undefined;
    do {
      const page = await this.request<KubeList>('list ClusterRoles (to check aggregationRules)', {
        method: 'GET',
        path: withQuery(clusterWidePath('ClusterRole'), { limit: LIST_PAGE_SIZE, continue: next }),
      });
      for (const item of page.items) {
        // A null selector selects nothing, as in the API server's aggregation controller.
        const selectors = ((item.aggregationRule as { clusterRoleSelectors?: (LabelSelector | null)[] } | undefined)?.clusterRoleSelectors ?? []).filter((selector) => selector !== null);
        if (selectors.length > 0) found.push({ name: item.metadata?.name ?? '', selectors });
      }
      next = page.metadata?.continue || undefined;
    } while (next);
    return found;
  }

  async listManaged(selector: string, namespaces?: string[]): Promise<ManagedListing> {
    // The kinds (and namespaces) at once: one round of requests for the usual handful of leases.
    const lists = await Promise.all(
      listScopes(namespaces).map(async ({ kind, namespace }) => {
        const found: ManagedListing = { objects: [], unlisted: [] };
        for await (const page of this.pagesOf(kind, selector, namespace)) {
          found.objects.push(...page.objects);
          found.unlisted.push(...page.unlisted);
        }
        return found;
      }),
    );
    return { objects: lists.flatMap((list) => list.objects), unlisted: lists.flatMap((list) => list.unlisted) };
  }

  async *listManagedPages(selector: string, namespaces?: string[], kinds?: readonly string[]): AsyncGenerator<ManagedListing> {
    for (const { kind, namespace } of listScopes(namespaces, kinds)) yield* this.pagesOf(kind, selector, namespace);
  }

  /** One kind's matching objects, a page of LIST_PAGE_SIZE at a time; only the metadata a lease needs is kept. */
  private async *pagesOf(kind: string, selector: string, namespace?: string): AsyncGenerator<ManagedListing> {
    const shared = interner();
    let next: string | undefined;
    do {
      let page: { objects: ManagedObject[]; next?: string };
      try {
        page = await this.managedPage(kind, selector, namespace, next, shared);
      } catch (error) {
        // An issuer set up without --cluster-scoped may not list ClusterRoles, but another issuer's
        // leases may have some: said, not taken for none.
        if (!isNamespacedKind(kind) && error instanceof ApiError && error.status === 403) {
          yield { objects: [], unlisted: [kind] };
          return;
        }
        throw error;
      }
      next = page.next;
      yield { objects: page.objects, unlisted: [] };
    } while (next);
  }

  /**
   * One page, reduced to what a lease needs. The parsed list (~1 KB per object, managedFields
   * included) is dropped here, not held by the generator while its caller deletes the page.
   */
  private async managedPage(kind: string, selector: string, namespace: string | undefined, next: string | undefined, shared: (value: string) => string): Promise<{ objects: ManagedObject[]; next?: string }> {
    const page = await this.request<KubeList>(`list ${kind} objects${namespace ? ` in namespace ${namespace}` : ''} (${selector})`, {
      method: 'GET',
      path: withQuery(namespace ? collectionPath({ kind, namespace }) : clusterWidePath(kind), { labelSelector: selector, limit: LIST_PAGE_SIZE, continue: next }),
    });
    const objects = page.items.map(({ metadata }): ManagedObject => ({
      apiVersion: apiVersionOf(kind),
      kind,
      name: metadata?.name ?? '',
      ...(metadata?.namespace ? { namespace: shared(metadata.namespace) } : {}),
      ...(metadata?.uid ? { uid: metadata.uid } : {}),
      labels: ownKeys(metadata?.labels, shared),
      annotations: ownKeys(metadata?.annotations, shared),
      ...(metadata?.creationTimestamp ? { creationTimestamp: new Date(metadata.creationTimestamp).toISOString() } : {}),
      ...(metadata?.ownerReferences ? { owners: metadata.ownerReferences.flatMap((owner) => owner.uid ?? []) } : {}),
    }));
    return { objects, ...(page.metadata?.continue ? { next: page.metadata.continue } : {}) };
  }
}

/** Values that repeat from lease to lease (not ids, uids or times): one copy each per listing. */
const REPEATED_VALUES = new Set([ROLE_LABEL, SERVICE_ACCOUNT_ANNOTATION, ISSUED_BY_ANNOTATION, PLANNED_KINDS_ANNOTATION, TOKEN_REQUESTED_ANNOTATION]);

/**
 * The tool's own labels or annotations (RESERVED_PREFIX: all it reads of a listed object), repeated
 * values shared: gc keeps every anchor of the cluster until its last page.
 */
function ownKeys(map: Record<string, string> | undefined, shared: (value: string) => string): Record<string, string> {
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) {
    if (key.startsWith(RESERVED_PREFIX)) own[key] = REPEATED_VALUES.has(key) ? shared(value) : value;
  }
  return own;
}

/** The first copy of each value it is given. */
function interner(): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => {
    const known = seen.get(value);
    if (known !== undefined) return known;
    seen.set(value, value);
    return value;
  };
}

/** A TokenRequest bound to the lease's anchor. */
function tokenRequest(spec: TokenSpec, boundTo: CreatedRef): KubeRequest {
  return {
    method: 'POST',
    path: objectPath({ kind: 'ServiceAccount', namespace: spec.namespace, name: spec.serviceAccountName }, 'token'),
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        expirationSeconds: spec.expirationSeconds,
        audiences: spec.audiences,
        boundObjectRef: { apiVersion: boundTo.apiVersion, kind: boundTo.kind, name: boundTo.name, uid: boundTo.uid },
      },
    },
  };
}

/** What to list, in LISTING_ORDER (of `kinds`, when given): each kind cluster-wide, or each namespaced kind in each namespace. */
function listScopes(namespaces: string[] | undefined, kinds: readonly string[] = LISTING_ORDER): { kind: string; namespace?: string }[] {
  return LISTING_ORDER.filter((kind) => kinds.includes(kind)).flatMap((kind) => (namespaces && isNamespacedKind(kind) ? namespaces.map((namespace) => ({ kind, namespace })) : [{ kind }]));
}
