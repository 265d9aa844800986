// Roles stored in the cluster as CredentialRole objects (core/manifests/credential-role-crd.ts),
// behind the same repository port as the local files (app/roles.ts). Every read judges the object
// with the tool's validator (core/role-condition.ts) and, when its Ready condition changed,
// writes it through the status subresource (best effort: a reader without
// credentialroles/status rights still reads). Writes use the object's resourceVersion, so two
// writers never lose an update: the one that read an old version retries on the new one.

import { withQuery } from '../core/api-paths.js';
import { ApiError, invalidInput, operationFailed } from '../core/errors.js';
import { CREDENTIAL_ROLE_KIND, CREDENTIAL_ROLES, crdName, TEMPCREDS_API_VERSION, TEMPCREDS_GROUP } from '../core/delegation-names.js';
import { isRoleObject, judgeRoleObject, type JudgedRole, type RoleObject } from '../core/role-condition.js';
import { checkRoleSpec, roleNameProblem, type RoleDefinition } from '../core/role-spec.js';
import type { Manifest } from '../core/grant-plan.js';
import type { RoleRepository } from '../app/ports.js';
import type { KubeConnection, KubeRequest } from './kube-connections.js';

const COLLECTION = `/apis/${TEMPCREDS_API_VERSION}/${CREDENTIAL_ROLES}`;
/** Who server-side apply records as the owner of what setup applies. */
const FIELD_MANAGER = 'kubectl-tempcreds';
const CONFLICT_RETRIES = 5;

const NOT_INSTALLED = `the CredentialRole CRD (${crdName(CREDENTIAL_ROLES)}) is not installed in this cluster: an admin installs it with "kubectl tempcreds setup" (or kubectl apply -f deploy/crds/${crdName(CREDENTIAL_ROLES)}.yaml), or use local roles (--roles local)`;

/** A connection to the API server and who it is, for messages. */
export interface ClusterTarget {
  connection: KubeConnection;
  /** The kubeconfig context, for messages: "in the cluster of context X". */
  context: string;
  /** Maps an API failure to a one-line error (kube.ts's toKubeError for this identity). */
  toError(action: string, error: unknown): Error;
}

export class ClusterRoleStore implements RoleRepository {
  constructor(private readonly target: () => Promise<ClusterTarget>) {}

  /** Where the roles are, for messages. */
  async where(): Promise<string> {
    return `the cluster of context "${(await this.target()).context}"`;
  }

  async get(name: string): Promise<RoleDefinition | undefined> {
    const object = await this.read(name);
    if (!object) return undefined;
    const judged = await this.judged(object);
    if (!judged.role) {
      throw operationFailed(`CredentialRole "${name}" in ${await this.where()} is not valid (${judged.problems.join('; ')}); fix it with "kubectl edit credentialrole ${name}" or "kubectl tempcreds role apply -f FILE --roles cluster"`);
    }
    return judged.role;
  }

  async list(): Promise<{ roles: RoleDefinition[]; unreadable: string[] }> {
    const roles: RoleDefinition[] = [];
    const unreadable: string[] = [];
    for (const judged of await this.judgedAll()) {
      if (judged.role) roles.push(judged.role);
      else unreadable.push(`CredentialRole "${judged.name}" is not valid (Ready=False): ${judged.problems.join('; ')}`);
    }
    return { roles, unreadable };
  }

  /** Every object, judged (its status written when that changed); doctor reports those not Ready. */
  async judgedAll(): Promise<JudgedRole[]> {
    const judged: JudgedRole[] = [];
    let next: string | undefined;
    do {
      let page: { items?: unknown[]; metadata?: { continue?: string } };
      try {
        page = await this.call('list CredentialRoles', { method: 'GET', path: withQuery(COLLECTION, { limit: 500, continue: next }) });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) throw new ApiError(`cannot list CredentialRoles: ${NOT_INSTALLED}`, 404, { cause: error });
        throw error;
      }
      for (const item of page.items ?? []) if (isRoleObject(item)) judged.push(await this.judged(item));
      next = page.metadata?.continue || undefined;
    } while (next);
    return judged;
  }

  async update(name: string, change: (current: RoleDefinition | undefined) => RoleDefinition): Promise<RoleDefinition> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.read(name);
      // An object the validator refuses is replaced like a missing one: that is how it gets fixed.
      const currentRole = current ? checkRoleSpec(name, current.spec).role : undefined;
      const next = change(currentRole);
      const body = { apiVersion: TEMPCREDS_API_VERSION, kind: CREDENTIAL_ROLE_KIND, metadata: { name, ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}) }, spec: next.spec };
      try {
        const written = await this.call<RoleObject>(`${current ? 'update' : 'create'} CredentialRole "${name}"`, current ? { method: 'PUT', path: this.path(name), body } : { method: 'POST', path: COLLECTION, body });
        await this.judged(written);
        return next;
      } catch (error) {
        // Someone else wrote it between our read and write: judge their version afresh.
        if (error instanceof ApiError && error.status === 409 && attempt < CONFLICT_RETRIES) continue;
        if (error instanceof ApiError && error.status === 404 && (await this.crdMissing())) throw new ApiError(`cannot ${current ? 'update' : 'create'} CredentialRole "${name}": ${NOT_INSTALLED}`, 404, { cause: error });
        if (error instanceof ApiError && error.status === 404 && attempt < CONFLICT_RETRIES) continue;
        throw error;
      }
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.call(`delete CredentialRole "${name}"`, { method: 'DELETE', path: this.path(name) });
      return true;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      if (await this.crdMissing()) throw new ApiError(`cannot delete CredentialRole "${name}": ${NOT_INSTALLED}`, 404, { cause: error });
      return false;
    }
  }

  /** The object, or undefined when there is none. */
  private async read(name: string): Promise<RoleObject | undefined> {
    try {
      const object = await this.call<unknown>(`read CredentialRole "${name}"`, { method: 'GET', path: this.path(name) });
      if (!isRoleObject(object)) throw operationFailed(`the API server answered CredentialRole "${name}" with something that is not one`);
      return object;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      if (await this.crdMissing()) throw new ApiError(`cannot read CredentialRole "${name}": ${NOT_INSTALLED}`, 404, { cause: error });
      return undefined;
    }
  }

  /** Judges the object and writes its status when that changed. */
  private async judged(object: RoleObject): Promise<JudgedRole> {
    const judged = judgeRoleObject(object, new Date());
    if (judged.statusChanged) {
      try {
        await this.call(`write the status of CredentialRole "${judged.name}"`, {
          method: 'PATCH',
          path: `${this.path(judged.name)}/status`,
          body: { metadata: { resourceVersion: object.metadata.resourceVersion }, status: judged.status },
          contentType: 'application/merge-patch+json',
        });
      } catch (error) {
        // Not allowed to write status (403), or the object changed meanwhile (409: its next reader writes it).
        if (!(error instanceof ApiError && (error.status === 403 || error.status === 409 || error.status === 404))) throw error;
      }
    }
    return judged;
  }

  /** The versions of the tempcreds.dev group the API server serves (discovery), undefined when none. */
  async servedVersions(): Promise<string[] | undefined> {
    try {
      const group = await this.call<{ versions?: { version: string }[] }>('discover the tempcreds.dev API group', { method: 'GET', path: `/apis/${TEMPCREDS_GROUP}` });
      return (group.versions ?? []).map(({ version }) => version);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** A 404 for a role: is it the role that is missing, or the whole resource type? */
  private async crdMissing(): Promise<boolean> {
    try {
      const resources = await this.call<{ resources?: { name: string }[] }>('discover the tempcreds.dev API', { method: 'GET', path: `/apis/${TEMPCREDS_API_VERSION}` });
      return !resources.resources?.some((resource) => resource.name === CREDENTIAL_ROLES);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return true;
      throw error;
    }
  }

  /** A name that is not a role name (`../x`) never becomes a path. */
  private path(name: string): string {
    const problem = roleNameProblem(name);
    if (problem) throw invalidInput(problem);
    return `${COLLECTION}/${name}`;
  }

  private call<T>(action: string, request: KubeRequest): Promise<T> {
    return requestOrExplain<T>(this.target, action, request, `ask a cluster admin for RBAC on ${crdName(CREDENTIAL_ROLES)} (reading needs get and list; writing create, update and delete)`);
  }
}

/** One request as the cluster target; a 403 says what to ask for (`forbiddenHint`), other errors are translated as usual. */
export async function requestOrExplain<T>(target: () => Promise<ClusterTarget>, action: string, request: KubeRequest, forbiddenHint: string): Promise<T> {
  const { connection, toError } = await target();
  try {
    return await connection.request<T>(request);
  } catch (error) {
    const failure = toError(action, error);
    if (failure instanceof ApiError && failure.status === 403) throw new ApiError(`cannot ${action}: 403 ${(error as Error).message}; ${forbiddenHint}`, 403, { cause: error });
    throw failure;
  }
}

/** The CRD installer `setup` uses: server-side apply, so re-running (also after an upgrade) converges. */
export async function applyCrd(target: ClusterTarget, crd: Manifest): Promise<'created' | 'configured' | 'unchanged'> {
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  const call = async <T>(action: string, request: KubeRequest): Promise<T> => {
    try {
      return await target.connection.request<T>(request);
    } catch (error) {
      throw target.toError(action, error);
    }
  };
  let before: string | undefined;
  try {
    before = (await call<RoleObject>(`read CustomResourceDefinition ${crd.metadata.name}`, { method: 'GET', path })).metadata.resourceVersion;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const applied = await call<RoleObject>(`apply CustomResourceDefinition ${crd.metadata.name}`, {
    method: 'PATCH',
    path: withQuery(path, { fieldManager: FIELD_MANAGER, force: 'true' }),
    body: crd,
    contentType: 'application/apply-patch+yaml',
  });
  // Established: the API server serves the new type (a role written right after setup must not 404).
  for (let waited = 0; waited < 10_000; waited += 100) {
    const current = await call<{ status?: { conditions?: { type: string; status: string }[] } }>(`read CustomResourceDefinition ${crd.metadata.name}`, { method: 'GET', path });
    if (current.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return before === undefined ? 'created' : before === applied.metadata.resourceVersion ? 'unchanged' : 'configured';
}


/** The cluster of the global --kubeconfig/--context (else the current context), connected on first use. */
export function clusterTarget({ kubeconfig, context, timeoutMs }: { kubeconfig?: string; context?: string; timeoutMs?: number }): () => Promise<ClusterTarget> {
  let target: Promise<ClusterTarget> | undefined;
  return () =>
    (target ??= import('./kube.js').then(({ loadKubeConfig, toKubeError, KubeConnection }) => {
      const config = loadKubeConfig({ kubeconfig, context });
      const cluster = config.getCurrentCluster();
      if (!cluster) throw operationFailed(`the kubeconfig context "${config.getCurrentContext()}" names no cluster; choose another with --context`);
      const identity = { context: config.getCurrentContext(), cluster: cluster.name, server: cluster.server, user: config.getCurrentUser()?.name ?? '' };
      return {
        connection: new KubeConnection(config, cluster.server, timeoutMs ?? 15_000),
        context: identity.context,
        toError: (action: string, error: unknown) => toKubeError(action, identity, error),
      };
    }));
}
