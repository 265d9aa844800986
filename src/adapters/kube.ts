// The Kubernetes API, through @kubernetes/client-node — the only module that imports it
// (it costs ~650 ms to load, so callers import this module lazily, only when the API is
// really needed). Every request has a timeout; API errors become one-line messages.

import { readFileSync } from 'node:fs';
import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  setHeaderOptions,
  type RequestContext,
  type V1ObjectMeta,
  type ResponseContext,
} from '@kubernetes/client-node';
import { canonicalJson } from '../core/digest.js';
import { ApiError, invalidInput, operationFailed } from '../core/errors.js';
import { reusingConnections } from './kube-connections.js';
import type { Manifest, TokenSpec } from '../core/grant-plan.js';
import type { ManagedObject, ObjectRef } from '../core/lease.js';
import type { CreatedRef, IssuedToken, IssuerCheckPort, IssuerIdentity, IssuerSetupPort, KubernetesPort } from '../app/ports.js';
import type { ResourceAccess } from '../core/issuer-checks.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const LIST_PAGE_SIZE = 500;

interface KubeList {
  items: { metadata?: V1ObjectMeta }[];
  metadata?: { _continue?: string };
}

interface ManagedKind {
  apiVersion: string;
  kind: string;
  list(page: { labelSelector: string; limit: number; _continue?: string }): Promise<KubeList>;
}

export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const config = new KubeConfig();
  try {
    if (target.kubeconfig) config.loadFromFile(target.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
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

export class KubeClient implements KubernetesPort, IssuerSetupPort, IssuerCheckPort {
  readonly issuer: IssuerIdentity;
  private readonly core: CoreV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  private readonly configuration: ReturnType<typeof createConfiguration>;

  constructor(config: KubeConfig, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
    const cluster = config.getCurrentCluster()!;
    const contextName = config.getCurrentContext();
    const context = config.getContextObject(contextName);
    const caData = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
    this.issuer = {
      context: contextName,
      cluster: context?.cluster ?? cluster.name,
      server: cluster.server,
      user: config.getCurrentUser()!.name,
      ...(caData ? { certificateAuthorityData: caData } : {}),
      ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
    };
    const timeout = {
      pre: async (request: RequestContext) => {
        request.setSignal(AbortSignal.timeout(timeoutMs));
        return request;
      },
      post: async (response: ResponseContext) => response,
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: reusingConnections(config, cluster.server) },
      promiseMiddleware: [timeout],
    });
    this.core = new CoreV1Api(configuration);
    this.rbac = new RbacAuthorizationV1Api(configuration);
    this.configuration = configuration;
  }

  async create(manifest: Manifest): Promise<CreatedRef> {
    const { kind, metadata } = manifest;
    const namespace = metadata.namespace ?? '';
    const body = manifest as never;
    const created = await this.call(`create ${describe(manifest)}`, () => {
      switch (kind) {
        case 'Secret':
          return this.core.createNamespacedSecret({ namespace, body });
        case 'ServiceAccount':
          return this.core.createNamespacedServiceAccount({ namespace, body });
        case 'Role':
          return this.rbac.createNamespacedRole({ namespace, body });
        case 'RoleBinding':
          return this.rbac.createNamespacedRoleBinding({ namespace, body });
        case 'ClusterRole':
          return this.rbac.createClusterRole({ body });
        case 'ClusterRoleBinding':
          return this.rbac.createClusterRoleBinding({ body });
        default:
          throw new Error(`unsupported kind ${kind}`);
      }
    });
    return { apiVersion: manifest.apiVersion, kind, name: metadata.name, ...(metadata.namespace ? { namespace } : {}), uid: created.metadata!.uid! };
  }

  async requestToken(spec: TokenSpec, boundTo: CreatedRef): Promise<IssuedToken> {
    const response = await this.call(`request a token for ServiceAccount ${spec.namespace}/${spec.serviceAccountName}`, () =>
      this.core.createNamespacedServiceAccountToken({
        name: spec.serviceAccountName,
        namespace: spec.namespace,
        body: {
          spec: {
            expirationSeconds: spec.expirationSeconds,
            audiences: spec.audiences,
            boundObjectRef: { apiVersion: boundTo.apiVersion, kind: boundTo.kind, name: boundTo.name, uid: boundTo.uid },
          },
        },
      }),
    );
    return { token: response.status!.token, expiresAt: new Date(response.status!.expirationTimestamp) };
  }

  async annotate(ref: ObjectRef, annotations: Record<string, string>): Promise<void> {
    if (ref.kind !== 'Secret' || !ref.namespace) throw new Error(`annotate supports namespaced Secrets only, not ${ref.kind}`);
    const { name, namespace } = ref;
    await this.call(`annotate Secret ${namespace}/${name}`, () =>
      this.core.patchNamespacedSecret({ name, namespace, body: { metadata: { annotations } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
  }

  async delete(ref: ObjectRef): Promise<'deleted' | 'absent'> {
    const { kind, name } = ref;
    const namespace = ref.namespace ?? '';
    // Background propagation: no deletionTimestamp lingers, so tokens die at once.
    const propagationPolicy = 'Background';
    try {
      await this.call(`delete ${kind} ${namespace ? `${namespace}/` : ''}${name}`, () => {
        switch (kind) {
          case 'Secret':
            return this.core.deleteNamespacedSecret({ name, namespace, propagationPolicy });
          case 'ServiceAccount':
            return this.core.deleteNamespacedServiceAccount({ name, namespace, propagationPolicy });
          case 'Role':
            return this.rbac.deleteNamespacedRole({ name, namespace, propagationPolicy });
          case 'RoleBinding':
            return this.rbac.deleteNamespacedRoleBinding({ name, namespace, propagationPolicy });
          case 'ClusterRole':
            return this.rbac.deleteClusterRole({ name, propagationPolicy });
          case 'ClusterRoleBinding':
            return this.rbac.deleteClusterRoleBinding({ name, propagationPolicy });
          default:
            throw new Error(`unsupported kind ${kind}`);
        }
      });
      return 'deleted';
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return 'absent';
      throw error;
    }
  }

  async namespaceLabels(name: string): Promise<Record<string, string> | undefined> {
    try {
      const namespace = await this.call(`read namespace ${name}`, () => this.core.readNamespace({ name }));
      return namespace.metadata?.labels ?? {};
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async listManaged(selector: string): Promise<ManagedObject[]> {
    // The kinds at once: one round of requests for the usual handful of leases.
    const lists = await Promise.all(
      this.managedKinds().map(async (kind) => {
        const found: ManagedObject[] = [];
        for await (const page of this.pagesOf(kind, selector)) found.push(...page);
        return found;
      }),
    );
    return lists.flat();
  }

  async *listManagedPages(selector: string): AsyncGenerator<ManagedObject[]> {
    for (const kind of this.managedKinds()) yield* this.pagesOf(kind, selector);
  }

  private managedKinds(): ManagedKind[] {
    return [
      { apiVersion: 'v1', kind: 'Secret', list: (page) => this.core.listSecretForAllNamespaces(page) },
      { apiVersion: 'v1', kind: 'ServiceAccount', list: (page) => this.core.listServiceAccountForAllNamespaces(page) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', list: (page) => this.rbac.listRoleForAllNamespaces(page) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', list: (page) => this.rbac.listRoleBindingForAllNamespaces(page) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', list: (page) => this.rbac.listClusterRole(page) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', list: (page) => this.rbac.listClusterRoleBinding(page) },
    ];
  }

  /** One kind's matching objects, a page of LIST_PAGE_SIZE at a time; only the metadata a lease needs is kept. */
  private async *pagesOf({ apiVersion, kind, list }: ManagedKind, selector: string): AsyncGenerator<ManagedObject[]> {
    let next: string | undefined;
    do {
      const page = await this.call(`list ${kind} objects (${selector})`, () => list({ labelSelector: selector, limit: LIST_PAGE_SIZE, ...(next ? { _continue: next } : {}) }));
      yield page.items.map(({ metadata }) => ({
        apiVersion,
        kind,
        name: metadata?.name ?? '',
        ...(metadata?.namespace ? { namespace: metadata.namespace } : {}),
        ...(metadata?.uid ? { uid: metadata.uid } : {}),
        labels: metadata?.labels ?? {},
        annotations: metadata?.annotations ?? {},
        ...(metadata?.creationTimestamp ? { creationTimestamp: new Date(metadata.creationTimestamp).toISOString() } : {}),
      }));
      next = page.metadata?._continue || undefined;
    } while (next);
  }

  // --- setup and doctor ---

  async apply(manifest: Manifest): Promise<'created' | 'configured' | 'unchanged'> {
    const { kind, metadata } = manifest;
    const { name } = metadata;
    const namespace = metadata.namespace ?? '';
    try {
      await this.create(manifest);
      return 'created';
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    }
    const body = manifest as never;
    switch (kind) {
      case 'ServiceAccount':
        return 'unchanged'; // an existing ServiceAccount keeps its secrets and annotations
      case 'ClusterRole': {
        const current = await this.call(`read ${describe(manifest)}`, () => this.rbac.readClusterRole({ name }));
        if (sameContent(current, manifest, ['rules'])) return 'unchanged';
        await this.call(`update ${describe(manifest)}`, () => this.rbac.replaceClusterRole({ name, body: withVersion(body, current) }));
        return 'configured';
      }
      case 'ClusterRoleBinding': {
        const current = await this.call(`read ${describe(manifest)}`, () => this.rbac.readClusterRoleBinding({ name }));
        if (sameContent(current, manifest, ['roleRef', 'subjects'])) return 'unchanged';
        if (canonicalJson(current.roleRef) !== canonicalJson(manifest.roleRef)) {
          throw operationFailed(`ClusterRoleBinding ${name} exists and binds another role (${current.roleRef.kind} ${current.roleRef.name}), which cannot be changed: delete it or choose another --name`);
        }
        await this.call(`update ${describe(manifest)}`, () => this.rbac.replaceClusterRoleBinding({ name, body: withVersion(body, current) }));
        return 'configured';
      }
      default:
        throw operationFailed(`cannot apply ${kind} ${namespace ? `${namespace}/` : ''}${name}: unsupported kind`);
    }
  }

  async serverVersion(): Promise<string> {
    return (await this.call('read the server version', () => new VersionApi(this.configuration).getCode())).gitVersion;
  }

  async supportsTokenRequest(): Promise<boolean> {
    const resources = await this.call('discover the core/v1 API', () => this.core.getAPIResources());
    return resources.resources.some((resource) => resource.name === 'serviceaccounts/token' && resource.verbs.includes('create'));
  }

  async whoAmI(): Promise<string | undefined> {
    try {
      const review = await this.call('review who the issuer is', () =>
        new AuthenticationV1Api(this.configuration).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } }),
      );
      return review.status?.userInfo?.username;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return undefined; // before Kubernetes 1.28, or forbidden
      throw error;
    }
  }

  /** For completion: every namespace's name (needs list on namespaces, which the issuer rules do not grant). */
  async namespaceNames(): Promise<string[]> {
    const list = await this.call('list namespaces', () => this.core.listNamespace({ limit: LIST_PAGE_SIZE }));
    return list.items.map((namespace) => namespace.metadata?.name ?? '').filter(Boolean);
  }

  async canI(access: ResourceAccess): Promise<boolean> {
    const review = await this.call(`review access (${access.verb} ${access.resource})`, () =>
      new AuthorizationV1Api(this.configuration).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { ...access } } } }),
    );
    return review.status?.allowed === true;
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toKubeError(action, this.issuer, error);
    }
  }
}

/** Whether the live object already has the manifest's labels and these fields. */
function sameContent(current: { metadata?: V1ObjectMeta } & object, manifest: Manifest, fields: string[]): boolean {
  const live = current as Record<string, unknown>;
  const labelsHeld = Object.entries(manifest.metadata.labels).every(([key, value]) => current.metadata?.labels?.[key] === value);
  return labelsHeld && fields.every((field) => canonicalJson(live[field] ?? null) === canonicalJson(manifest[field] ?? null));
}

function withVersion<T>(body: T, current: { metadata?: V1ObjectMeta }): T {
  const manifest = body as unknown as Manifest;
  return { ...manifest, metadata: { ...current.metadata, ...manifest.metadata, labels: { ...current.metadata?.labels, ...manifest.metadata.labels }, resourceVersion: current.metadata?.resourceVersion } } as unknown as T;
}

function describe(manifest: Manifest): string {
  const { kind, metadata } = manifest;
  return `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message;
}

export function toKubeError(action: string, issuer: IssuerIdentity, error: unknown): Error {
  if (error instanceof ApiError) return error;
  if (error instanceof ApiException) {
    const status = error.code;
    const message = statusMessage(error.body) ?? error.message;
    let hint = '';
    if (status === 403 && /attempting to grant RBAC permissions not currently held|escalat/i.test(message)) {
      hint = `; this is Kubernetes' RBAC escalation prevention: the issuer "${issuer.user}" may only grant permissions it holds itself, unless it has the "escalate" verb on roles/clusterroles (and "bind" to bind roles it does not hold) — grant them to the issuer (kubectl tempcreds setup) or narrow the role's rules`;
    } else if (status === 403) {
      hint = `; the issuer "${issuer.user}" (context "${issuer.context}") lacks this permission — see kubectl tempcreds setup`;
    } else if (status === 401) {
      hint = `; the issuer's credentials for context "${issuer.context}" were rejected — refresh them`;
    }
    return new ApiError(`cannot ${action}: ${status} ${message}${hint}`, status, { cause: error });
  }
  const cause = error as Error & { code?: string; type?: string; name?: string };
  if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError' || cause?.type === 'aborted') {
    return new ApiError(`cannot ${action}: the API server at ${issuer.server} did not answer in time; check that it is up and reachable`, undefined, { cause: error });
  }
  if (cause?.code || cause?.type === 'system') {
    return new ApiError(`cannot ${action}: cannot reach the API server at ${issuer.server} (${cause.code ?? cause.message}); check that it is up and that --context names the right cluster`, undefined, { cause: error });
  }
  return operationFailed(`cannot ${action}: ${cause?.message ?? String(error)}`, error);
}
