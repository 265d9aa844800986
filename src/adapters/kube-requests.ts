// The CredentialRequest API as a requester uses it (#15): who the API server says I am, create a
// request, wait for its answer on a watch (no polling loop), delete and list requests. Loaded
// lazily with the Kubernetes client, like ./kube.ts.

import { withQuery } from '../core/api-paths.js';
import {
  CREDENTIAL_REQUESTS,
  CREDENTIAL_ROLES,
  REQUESTER_CLUSTER_ROLE,
  REQUESTS_POLICY as REQUEST_POLICY_NAME,
  TEMPCREDS_API_VERSION as API_VERSION,
  TEMPCREDS_GROUP as API_GROUP,
  USE_VERB,
  crdName,
} from '../core/delegation-names.js';
import { ApiError, invalidInput } from '../core/errors.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../core/kube-names.js';
import type { RequestObject, RequestRef } from '../core/delegated-request.js';
import type { DelegationCheckPort } from '../app/doctor-delegated.js';
import type { Requester, RequesterPort, WaitResult } from '../app/request-lease.js';
import { KubeApi, LIST_PAGE_SIZE, type KubeList } from './kube-api.js';
import { KubeStatusError, type KubeRequest } from './kube-connections.js';

function requestsPath(namespace: string | undefined, name?: string): string {
  const problem = (namespace === undefined ? undefined : checkDns1123Label(namespace)) ?? (name === undefined ? undefined : checkDns1123Subdomain(name));
  if (problem) throw invalidInput(`not a CredentialRequest's namespace and name (${problem}): ${JSON.stringify(`${namespace}/${name}`)}`);
  return `/apis/${API_VERSION}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${CREDENTIAL_REQUESTS}${name === undefined ? '' : `/${name}`}`;
}

const statusOf = (error: unknown) => (error instanceof ApiError ? error.status : undefined);

export class RequesterApi extends KubeApi implements RequesterPort, DelegationCheckPort {
  get requester() {
    return this.issuer;
  }

  /** As KubeApi's, but a 403 names what a requester lacks (not the issuer's rights). */
  override async request<T = unknown>(action: string, request: KubeRequest): Promise<T> {
    try {
      return await super.request<T>(action, request);
    } catch (error) {
      const cause = error instanceof ApiError && error.cause instanceof KubeStatusError ? error.cause : undefined;
      if (cause?.status !== 403) throw error;
      throw new ApiError(`cannot ${action}: 403 ${cause.message} — as a requester, context "${this.issuer.context}" needs ClusterRole ${REQUESTER_CLUSTER_ROLE} bound in the request's namespace (ask an admin)`, 403, { cause });
    }
  }

  async whoAmI(): Promise<Requester> {
    const review = await this.request<{ status?: { userInfo?: Partial<Requester> } }>('ask the API server who this context is (SelfSubjectReview)', {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    const { username, uid, groups } = review.status?.userInfo ?? {};
    if (!username) throw new ApiError(`the API server at ${this.issuer.server} did not say who context "${this.issuer.context}" is (SelfSubjectReview): a delegated request states its requester`, undefined);
    return { username, ...(uid ? { uid } : {}), ...(groups?.length ? { groups } : {}) };
  }

  async create(namespace: string, body: unknown): Promise<RequestObject> {
    try {
      return await this.request<RequestObject>(`create a CredentialRequest in namespace ${namespace}`, { method: 'POST', path: requestsPath(namespace), body });
    } catch (error) {
      // Refused before anything exists (admission: no `use` on the role; RBAC; the schema): the
      // requester must change something, so exit 2 — with the API server's own explanation.
      const cause = error instanceof ApiError && error.cause instanceof KubeStatusError ? error.cause : undefined;
      if (cause?.status === 404) throw invalidInput(`the cluster does not serve ${crdName(CREDENTIAL_REQUESTS)}: delegated issuance needs kubectl tempcreds setup --controller (see kubectl tempcreds doctor --delegated)`);
      // The admission policy's 403 says the fix itself (role grant); RBAC's is explained by request().
      if (cause && (cause.status === 403 || cause.status === 422)) throw invalidInput(cause.status === 403 && !cause.message.includes(REQUEST_POLICY_NAME) ? (error as Error).message : `cannot create a CredentialRequest in namespace ${namespace}: ${cause.message}`);
      throw error;
    }
  }

  async get(ref: RequestRef): Promise<RequestObject | undefined> {
    try {
      const found = await this.request<RequestObject>(`read CredentialRequest ${ref.namespace}/${ref.name}`, { method: 'GET', path: requestsPath(ref.namespace, ref.name) });
      return found.metadata.uid === ref.uid ? found : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Watches the one request (a field selector on its name) from `fromVersion` until `decide`
   * answers, it is deleted, or `timeoutMs` pass. A watch the server ends early is resumed from
   * the last version seen; one too old to resume (410 Gone) reads the request and goes on from it.
   */
  async waitFor<T>(ref: RequestRef, fromVersion: string, decide: (request: RequestObject) => T | undefined, timeoutMs: number): Promise<WaitResult<T>> {
    const deadline = performance.now() + timeoutMs;
    const path = requestsPath(ref.namespace);
    let version = fromVersion;
    while (performance.now() < deadline) {
      const outcome = await new Promise<WaitResult<T> | 'ended' | 'stale'>((resolve, reject) => {
        let settled = false;
        let abort: (() => void) | undefined;
        const finish = (value: WaitResult<T> | 'ended' | 'stale') => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          abort?.();
          resolve(value);
        };
        const timer = setTimeout(() => finish('timeout'), Math.max(0, deadline - performance.now()));
        const remaining = Math.max(1, Math.ceil((deadline - performance.now()) / 1000));
        // On the connections the create went out on: no new TLS context or handshake before the answer can arrive.
        this.connection
          .watch<RequestObject & { code?: number }>(
            withQuery(path, { watch: 1, fieldSelector: `metadata.name=${ref.name}`, resourceVersion: version, allowWatchBookmarks: 'true', timeoutSeconds: remaining }),
            (type, object) => {
              if (type === 'ERROR') return finish(object.code === 410 ? 'stale' : 'ended');
              if (object.metadata?.resourceVersion) version = object.metadata.resourceVersion;
              if (type === 'BOOKMARK' || object.metadata?.uid !== ref.uid) return;
              if (type === 'DELETED') return finish('gone');
              const decided = decide(object);
              if (decided !== undefined) finish({ answer: decided });
            },
            (error: unknown) => (error && !settled ? (settled = true, clearTimeout(timer), reject(error)) : finish('ended')),
          )
          .then((watch) => {
            abort = () => watch.abort();
            if (settled) watch.abort();
          }, (error: unknown) => {
            if (!settled) {
              settled = true;
              clearTimeout(timer);
              reject(error);
            }
          });
      }).catch((error: unknown) => {
        throw new ApiError(`cannot watch CredentialRequest ${ref.namespace}/${ref.name}: ${(error as Error).message}`, error instanceof KubeStatusError ? error.status : undefined, { cause: error });
      });
      if (outcome !== 'ended' && outcome !== 'stale') return outcome;
      // Read it again: its current version is the next watch's start, and it may already be decided.
      const current = await this.get(ref);
      if (!current) return 'gone';
      const decided = decide(current);
      if (decided !== undefined) return { answer: decided };
      version = current.metadata.resourceVersion ?? version;
    }
    return 'timeout';
  }

  async delete(ref: RequestRef): Promise<'deleted' | 'absent'> {
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: ref.uid }, propagationPolicy: 'Background' };
    try {
      await this.request(`delete CredentialRequest ${ref.namespace}/${ref.name}`, { method: 'DELETE', path: requestsPath(ref.namespace, ref.name), body });
      return 'deleted';
    } catch (error) {
      // Gone, or another request took its name (a 409 on the uid precondition): this one is gone.
      if (statusOf(error) === 404 || statusOf(error) === 409) return 'absent';
      throw error;
    }
  }

  async list(namespace: string | undefined): Promise<RequestObject[]> {
    const items: RequestObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.request<KubeList & { metadata?: { continue?: string } }>(`list CredentialRequests${namespace ? ` in namespace ${namespace}` : ''}`, {
        method: 'GET',
        path: withQuery(requestsPath(namespace), { limit: LIST_PAGE_SIZE, continue: next }),
      });
      items.push(...(page.items as unknown as RequestObject[]));
      next = page.metadata?.continue;
    } while (next);
    return items;
  }

  async servedResources(groupVersion: string): Promise<string[] | undefined> {
    const found = await this.read(`/apis/${groupVersion}`);
    return typeof found === 'string' ? undefined : ((found.resources ?? []) as { name: string }[]).map((resource) => resource.name);
  }

  async read(path: string): Promise<Record<string, unknown> | 'absent' | 'forbidden'> {
    try {
      return await super.request<Record<string, unknown>>(`read ${path}`, { method: 'GET', path });
    } catch (error) {
      if (statusOf(error) === 404) return 'absent';
      if (statusOf(error) === 403) return 'forbidden';
      throw error;
    }
  }

  async mayRequestIn(namespace: string): Promise<boolean> {
    const review = await this.request<{ status?: { allowed?: boolean } }>(`review access (create ${CREDENTIAL_REQUESTS} in ${namespace})`, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: API_GROUP, resource: CREDENTIAL_REQUESTS, namespace, verb: 'create' } } },
    });
    return review.status?.allowed === true;
  }

  /** The CredentialRole names this identity may `use`, from its rules (RBAC's `use` is cluster-wide: any namespace shows them). */
  async usableRoles(namespace: string): Promise<string[]> {
    const review = await this.request<{ status?: { resourceRules?: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[] } }>('review rules (SelfSubjectRulesReview)', {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
    });
    const matches = (list: string[] | undefined, value: string) => (list ?? []).some((each) => each === '*' || each === value);
    const rules = (review.status?.resourceRules ?? []).filter((rule) => matches(rule.verbs, USE_VERB) && matches(rule.apiGroups, API_GROUP) && matches(rule.resources, CREDENTIAL_ROLES));
    return [...new Set(rules.flatMap((rule) => (rule.resourceNames?.length ? rule.resourceNames : ['*'])))].sort();
  }
}
