// The Kubernetes API for the use cases: the kubeconfig (loaded by @kubernetes/client-node, the
// only module that imports it, so callers import this one lazily, only when the API is really
// needed) and the dozen requests a lease needs, over ./kube-connections. Every request has a
// timeout; API errors become one-line messages.

import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LISTING_ORDER, apiVersionOf, clusterWidePath, collectionPath, isNamespacedKind, namespacePath, objectPath, withQuery } from '../core/api-paths.js';
import { canonicalJson } from '../core/digest.js';
import { ApiError, TempcredsError, invalidInput, operationFailed } from '../core/errors.js';
import { KubeConnection, KubeStatusError, KubeTimeoutError, type KubeRequest } from './kube-connections.js';
import { kubeconfigPaths } from './kubeconfig.js';
import type { AggregatingClusterRole, Manifest, TokenSpec } from '../core/grant-plan.js';
import type { LabelSelector } from '../core/label-selector.js';
import { describeRef, type ManagedObject, type ObjectRef } from '../core/lease.js';
import type { CreatedRef, IssuedToken, IssuerCheckPort, IssuerIdentity, IssuerSetupPort, KubernetesPort, ManagedListing } from '../app/ports.js';
import type { ResourceAccess } from '../core/issuer-checks.js';
import type { PolicyRule } from '../core/policy-rules.js';
import { GUARD_DENIAL } from '../core/issuer-setup.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  timeoutMs?: number;
  /**
   * `kubeconfig` is what a lease recorded, not what this command line chose: its files that this
   * process's KUBECONFIG does not name are loaded only if they are this user's (see loadFile).
   */
  recorded?: boolean;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const LIST_PAGE_SIZE = 500;

/** The metadata this tool reads from objects. */
interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  resourceVersion?: string;
  ownerReferences?: { uid?: string }[];
}

interface KubeObject {
  apiVersion?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

interface KubeList {
  items: KubeObject[];
  metadata?: { continue?: string };
}

/**
 * The kubeconfig path(s) a target loads, absolute, as KUBECONFIG lists them (a lease records
 * them, so it is revoked through the same files); undefined for ~/.kube/config.
 */
export function kubeconfigSource(target: KubeTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const paths = (target.kubeconfig ?? env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return paths.length > 0 ? paths.map((path) => resolve(path)).join(delimiter) : undefined;
}

export function loadKubeConfig(target: KubeTarget): KubeConfig {
  let config = new KubeConfig();
  try {
    const recorded = (target.kubeconfig ?? '').split(delimiter).filter(Boolean);
    const chosen = new Set(kubeconfigPaths(undefined, process.env).map((path) => resolve(path)));
    const load = (path: string) => loadFile(path, target.recorded === true && !chosen.has(resolve(path)));
    // Several files (a lease's recorded KUBECONFIG) merge as kubectl merges KUBECONFIG.
    if (recorded.length > 1) config = mergedAsKubectl(recorded, load);
    else if (target.kubeconfig) config = load(target.kubeconfig);
    else if (process.env.KUBECONFIG) config = mergedAsKubectl(kubeconfigPaths(undefined, process.env), load);
    else config.loadFromDefault();
  } catch (error) {
    if (error instanceof TempcredsError) throw error;
    throw invalidInput(`cannot load the kubeconfig${target.kubeconfig ? ` ${target.kubeconfig}` : ''}: ${(error as Error).message}`);
  }
  if (target.context) {
    if (!config.getContextObject(target.context)) {
      throw invalidInput(`context "${target.context}" is not in the kubeconfig (see: kubectl config get-contexts)`);
    }
    config.setCurrentContext(target.context);
  }
  if (!config.getCurrentCluster() || !config.getCurrentUser()) {
    throw invalidInput('the kubeconfig has no usable current context: pass --context, or set one with kubectl config use-context');
  }
  return config;
}

/**
 * One kubeconfig file. `ownOnly` (a path a lease recorded, which nobody chose for this command):
 * it must be a regular file of this user's that no one else may write — in a shared directory
 * another user may have put one there since, and its exec plugin would run as this user. The
 * open file is checked and read (not the path twice), so it cannot be swapped in between.
 */
function loadFile(path: string, ownOnly: boolean): KubeConfig {
  const config = new KubeConfig();
  if (!ownOnly) {
    config.loadFromFile(path);
    return config;
  }
  // O_NONBLOCK: a FIFO put there must not hang the background gc (it is refused below).
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    const uid = process.getuid?.();
    const problem = !info.isFile()
      ? 'it is not a regular file'
      : uid !== undefined && info.uid !== uid
        ? `it belongs to uid ${info.uid}, not to you (uid ${uid})`
        : info.mode & 0o022
          ? `others may write to it (mode ${(info.mode & 0o777).toString(8)})`
          : undefined;
    if (problem) {
      throw operationFailed(`refusing to load the kubeconfig ${path} a lease recorded: ${problem}, and its exec plugin would run as you; pass --kubeconfig naming the issuer's kubeconfig to revoke the lease (its record is kept)`);
    }
    config.loadFromString(readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
  config.makePathsAbsolute(dirname(path));
  return config;
}

/**
 * KUBECONFIG's files merged by client-go's rules, so the tool talks to the cluster kubectl would:
 * missing files are skipped, and the first file to set the current context or define a name wins.
 * (client-node's loadFromDefault takes the last file's current context and refuses a name defined twice.)
 */
function mergedAsKubectl(paths: string[], load: (path: string) => KubeConfig): KubeConfig {
  const files = paths.filter((path) => existsSync(path)).map(load);
  if (files.length === 0) throw new Error(`no file that KUBECONFIG names exists (${paths.join(delimiter)})`);
  const firstOfEachName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Set<string>();
    return lists.flat().filter((item) => !seen.has(item.name) && seen.add(item.name));
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstOfEachName(files.map((file) => file.clusters)),
    users: firstOfEachName(files.map((file) => file.users)),
    contexts: firstOfEachName(files.map((file) => file.contexts)),
    currentContext: files.map((file) => file.currentContext).find(Boolean) ?? '',
  });
  return merged;
}

export class KubeClient implements KubernetesPort, IssuerSetupPort, IssuerCheckPort {
  readonly issuer: IssuerIdentity;
  private readonly connection: KubeConnection;
  private readonly serverClock: (observed: Date) => Date;

  /** `serverClock` lets the test build fake the API server's clock (see faults.ts). */
  constructor(
    config: KubeConfig,
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    { kubeconfig, serverClock = (observed) => observed }: { kubeconfig?: string; serverClock?: (observed: Date) => Date } = {},
  ) {
    const cluster = config.getCurrentCluster()!;
    const contextName = config.getCurrentContext();
    const context = config.getContextObject(contextName);
    const caData = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
    this.serverClock = serverClock;
    this.issuer = {
      ...(kubeconfig ? { kubeconfig } : {}),
      context: contextName,
      cluster: context?.cluster ?? cluster.name,
      server: cluster.server,
      user: config.getCurrentUser()!.name,
      ...(caData ? { certificateAuthorityData: caData } : {}),
      ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
      ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
      ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    };
    this.connection = new KubeConnection(config, cluster.server, timeoutMs);
  }

  async create(manifest: Manifest, { dryRun = false }: { dryRun?: boolean } = {}): Promise<CreatedRef> {
    const { kind, metadata } = manifest;
    const path = collectionPath({ kind, namespace: metadata.namespace });
    const created = await this.call<KubeObject>(`${dryRun ? 'dry-run ' : ''}create ${describe(manifest)}`, { method: 'POST', path: dryRun ? withQuery(path, { dryRun: 'All' }) : path, body: manifest });
    return { apiVersion: manifest.apiVersion, kind, name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}), uid: created.metadata!.uid! };
  }

  async requestToken(spec: TokenSpec, boundTo: CreatedRef): Promise<IssuedToken> {
    const response = await this.call<{ status: { token: string; expirationTimestamp: string } }>(`request a token for ServiceAccount ${spec.namespace}/${spec.serviceAccountName}`, tokenRequest(spec, boundTo));
    return { token: response.status.token, expiresAt: new Date(response.status.expirationTimestamp) };
  }

  async dryRunTokenRequest(spec: TokenSpec, boundTo: CreatedRef): Promise<void> {
    const request = tokenRequest(spec, boundTo);
    // The answer is dropped unread: should a server ever mint a token here, it goes nowhere.
    await this.call(`dry-run request a token for ServiceAccount ${spec.namespace}/${spec.serviceAccountName}`, { ...request, path: withQuery(request.path, { dryRun: 'All' }) });
  }

  async roleRules({ kind, name, namespace }: { kind: 'Role' | 'ClusterRole'; name: string; namespace?: string }): Promise<PolicyRule[] | 'absent' | 'forbidden'> {
    try {
      const role = await this.call<{ rules?: PolicyRule[] | null }>(`read ${kind} ${namespace ? `${namespace}/` : ''}${name}`, { method: 'GET', path: objectPath({ kind, name, namespace }) });
      return role.rules ?? [];
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return 'absent';
      if (error instanceof ApiError && error.status === 403) return 'forbidden';
      throw error;
    }
  }

  async annotate(ref: ObjectRef, annotations: Record<string, string>): Promise<void> {
    if (ref.kind !== 'Secret' || !ref.namespace) throw new Error(`annotate supports namespaced Secrets only, not ${ref.kind}`);
    await this.call(`annotate Secret ${ref.namespace}/${ref.name}`, {
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
      await this.call(`delete ${describeRef(ref)}`, { method: 'DELETE', path: objectPath(ref), body });
      return 'deleted';
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return 'absent';
      if (error instanceof ApiError && error.status === 409 && ref.uid) return 'replaced';
      throw error;
    }
  }

  async serverNow(): Promise<Date> {
    if (!this.connection.serverNow()) await this.serverVersion();
    const now = this.connection.serverNow();
    if (!now) throw operationFailed(`the API server at ${this.issuer.server} sent no Date header, so its time is unknown (lease expiry goes by the server's clock)`);
    return this.serverClock(now);
  }

  async namespaceLabels(name: string): Promise<Record<string, string> | undefined> {
    try {
      const namespace = await this.call<KubeObject>(`read namespace ${name}`, { method: 'GET', path: namespacePath(name) });
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
      const page = await this.call<KubeList>('list ClusterRoles (to check aggregationRules)', {
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

  async *listManagedPages(selector: string, namespaces?: string[]): AsyncGenerator<ManagedListing> {
    for (const { kind, namespace } of listScopes(namespaces)) yield* this.pagesOf(kind, selector, namespace);
  }

  /** One kind's matching objects, a page of LIST_PAGE_SIZE at a time; only the metadata a lease needs is kept. */
  private async *pagesOf(kind: string, selector: string, namespace?: string): AsyncGenerator<ManagedListing> {
    let next: string | undefined;
    do {
      let page: KubeList;
      try {
        page = await this.call<KubeList>(`list ${kind} objects${namespace ? ` in namespace ${namespace}` : ''} (${selector})`, {
          method: 'GET',
          path: withQuery(namespace ? collectionPath({ kind, namespace }) : clusterWidePath(kind), { labelSelector: selector, limit: LIST_PAGE_SIZE, continue: next }),
        });
      } catch (error) {
        // An issuer set up without --cluster-scoped may not list ClusterRoles, but another issuer's
        // leases may have some: said, not taken for none.
        if (!isNamespacedKind(kind) && error instanceof ApiError && error.status === 403) {
          yield { objects: [], unlisted: [kind] };
          return;
        }
        throw error;
      }
      const objects = page.items.map(({ metadata }): ManagedObject => ({
        apiVersion: apiVersionOf(kind),
        kind,
        name: metadata?.name ?? '',
        ...(metadata?.namespace ? { namespace: metadata.namespace } : {}),
        ...(metadata?.uid ? { uid: metadata.uid } : {}),
        labels: metadata?.labels ?? {},
        annotations: metadata?.annotations ?? {},
        ...(metadata?.creationTimestamp ? { creationTimestamp: new Date(metadata.creationTimestamp).toISOString() } : {}),
        ...(metadata?.ownerReferences ? { owners: metadata.ownerReferences.flatMap((owner) => owner.uid ?? []) } : {}),
      }));
      yield { objects, unlisted: [] };
      next = page.metadata?.continue || undefined;
    } while (next);
  }

  // --- setup and doctor ---

  async apply(manifest: Manifest): Promise<'created' | 'configured' | 'unchanged'> {
    const { kind, metadata } = manifest;
    const { name } = metadata;
    try {
      await this.create(manifest);
      return 'created';
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    }
    if (kind === 'ServiceAccount') return 'unchanged'; // an existing ServiceAccount keeps its secrets and annotations
    const fields = APPLIED_FIELDS[kind];
    if (!fields) throw operationFailed(`cannot apply ${describe(manifest)}: unsupported kind`);
    const path = objectPath({ kind, name, namespace: metadata.namespace });
    const current = await this.call<KubeObject>(`read ${describe(manifest)}`, { method: 'GET', path });
    if (sameContent(current, manifest, fields)) return 'unchanged';
    const currentRoleRef = current.roleRef as { kind: string; name: string } | undefined;
    if (kind.endsWith('RoleBinding') && canonicalJson(currentRoleRef) !== canonicalJson(manifest.roleRef)) {
      throw operationFailed(`${describe(manifest)} exists and binds another role (${currentRoleRef?.kind} ${currentRoleRef?.name}), which cannot be changed: delete it or choose another --name`);
    }
    await this.call(`update ${describe(manifest)}`, { method: 'PUT', path, body: withVersion(manifest, current) });
    return 'configured';
  }

  async labelsOf(manifest: Manifest): Promise<Record<string, string> | undefined> {
    try {
      const current = await this.call<KubeObject>(`read ${describe(manifest)}`, { method: 'GET', path: objectPath({ kind: manifest.kind, name: manifest.metadata.name, namespace: manifest.metadata.namespace }) });
      return current.metadata?.labels ?? {};
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async serverVersion(): Promise<string> {
    return (await this.call<{ gitVersion: string }>('read the server version', { method: 'GET', path: '/version' })).gitVersion;
  }

  async supportsTokenRequest(): Promise<boolean> {
    const resources = await this.call<{ resources: { name: string; verbs: string[] }[] }>('discover the core/v1 API', { method: 'GET', path: '/api/v1' });
    return resources.resources.some((resource) => resource.name === 'serviceaccounts/token' && resource.verbs.includes('create'));
  }

  async whoAmI(): Promise<string | undefined> {
    try {
      const review = await this.call<{ status?: { userInfo?: { username?: string } } }>('review who the issuer is', {
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      });
      return review.status?.userInfo?.username;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return undefined; // before Kubernetes 1.28, or forbidden
      throw error;
    }
  }

  /** For completion: every namespace's name (needs list on namespaces, which the issuer rules do not grant). */
  async namespaceNames(): Promise<string[]> {
    const list = await this.call<KubeList>('list namespaces', { method: 'GET', path: withQuery('/api/v1/namespaces', { limit: LIST_PAGE_SIZE }) });
    return list.items.map((namespace) => namespace.metadata?.name ?? '').filter(Boolean);
  }

  async canI(access: ResourceAccess): Promise<boolean> {
    const review = await this.call<{ status?: { allowed?: boolean } }>(`review access (${access.verb} ${access.resource})`, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { ...access } } },
    });
    return review.status?.allowed === true;
  }

  private async call<T = unknown>(action: string, request: KubeRequest): Promise<T> {
    try {
      return await this.connection.request<T>(request);
    } catch (error) {
      throw toKubeError(action, this.issuer, error);
    }
  }
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

/** What to list, in LISTING_ORDER: each kind cluster-wide, or each namespaced kind in each namespace. */
function listScopes(namespaces: string[] | undefined): { kind: string; namespace?: string }[] {
  return LISTING_ORDER.flatMap((kind) => (namespaces && isNamespacedKind(kind) ? namespaces.map((namespace) => ({ kind, namespace })) : [{ kind }]));
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

function describe(manifest: Manifest): string {
  return describeRef({ ...manifest.metadata, kind: manifest.kind, apiVersion: manifest.apiVersion });
}

export function toKubeError(action: string, issuer: IssuerIdentity, error: unknown): Error {
  if (error instanceof ApiError) return error;
  if (error instanceof KubeStatusError) {
    const status = error.status;
    const message = error.message;
    let hint = '';
    if (status === 403 && /attempting to grant RBAC permissions not currently held|escalat/i.test(message)) {
      hint = `; this is Kubernetes' RBAC escalation prevention: the issuer "${issuer.user}" may only grant permissions it holds itself, unless it has the "escalate" verb on roles/clusterroles (and "bind" to bind roles it does not hold) — grant them to the issuer (kubectl tempcreds setup) or narrow the role's rules`;
    } else if (status === 403 && GUARD_DENIAL.test(message)) {
      // The guard's own message says what to do; "lacks this permission" would send the reader to RBAC.
      hint = '; this is the issuer guard (kubectl tempcreds setup --help)';
    } else if (status === 403) {
      hint = `; the issuer "${issuer.user}" (context "${issuer.context}") lacks this permission — see kubectl tempcreds setup`;
    } else if (status === 401) {
      hint = `; the issuer's credentials for context "${issuer.context}" were rejected — refresh them`;
    }
    return new ApiError(`cannot ${action}: ${status} ${message}${hint}`, status, { cause: error, details: error.details });
  }
  if (error instanceof KubeTimeoutError) {
    return new ApiError(`cannot ${action}: the API server at ${issuer.server} did not answer in time; check that it is up and reachable`, undefined, { cause: error });
  }
  const cause = error as Error & { code?: string };
  if (cause?.code && /CERT|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(cause.code)) {
    return new ApiError(`cannot ${action}: the API server at ${issuer.server} did not prove its identity (${cause.message}); check the cluster's certificate-authority and tls-server-name in the kubeconfig`, undefined, { cause: error });
  }
  if (cause?.code) {
    return new ApiError(`cannot ${action}: cannot reach the API server at ${issuer.server} (${cause.code ?? cause.message}); check that it is up and that --context names the right cluster`, undefined, { cause: error });
  }
  return operationFailed(`cannot ${action}: ${cause?.message ?? String(error)}`, error);
}
