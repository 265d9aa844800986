// The Kubernetes API, through @kubernetes/client-node — the only module that imports it
// (it costs ~650 ms to load, so callers import this module lazily, only when the API is
// really needed). Every request has a timeout; API errors become one-line messages.

import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  createConfiguration,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { ApiError, invalidInput, operationFailed } from '../core/errors.js';
import type { Manifest, TokenSpec } from '../core/grant-plan.js';
import type { ObjectRef } from '../core/lease.js';
import type { CreatedRef, IssuedToken, IssuerIdentity, KubernetesPort } from '../app/ports.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

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

export class KubeClient implements KubernetesPort {
  readonly issuer: IssuerIdentity;
  private readonly core: CoreV1Api;
  private readonly rbac: RbacAuthorizationV1Api;

  constructor(config: KubeConfig, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
    const cluster = config.getCurrentCluster()!;
    const contextName = config.getCurrentContext();
    const context = config.getContextObject(contextName);
    this.issuer = { context: contextName, cluster: context?.cluster ?? cluster.name, server: cluster.server, user: config.getCurrentUser()!.name };
    const timeout = {
      pre: async (request: RequestContext) => {
        request.setSignal(AbortSignal.timeout(timeoutMs));
        return request;
      },
      post: async (response: ResponseContext) => response,
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: config },
      promiseMiddleware: [timeout],
    });
    this.core = new CoreV1Api(configuration);
    this.rbac = new RbacAuthorizationV1Api(configuration);
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

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toKubeError(action, this.issuer, error);
    }
  }
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
