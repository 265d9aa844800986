// RBAC for role grants (app/role-grants.ts): ClusterRoles and ClusterRoleBindings, read and
// written over the same connection as the cluster's roles (./cluster-roles.ts).

import { collectionPath, objectPath, withQuery } from '../core/api-paths.js';
import { ApiError } from '../core/errors.js';
import type { Manifest } from '../core/grant-plan.js';
import type { PolicyRule } from '../core/policy-rules.js';
import { subjectFrom, type RbacBinding, type RbacSubject } from '../core/role-grants.js';
import type { LiveGrantObject, RoleGrantPort } from '../app/ports.js';
import { requestOrExplain, type ClusterTarget } from './cluster-roles.js';
import type { KubeRequest } from './kube-connections.js';

interface RbacObject {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  rules?: PolicyRule[] | null;
  roleRef?: { kind: string; name: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[] | null;
}

const subjectsOf = (object: RbacObject): RbacSubject[] => (object.subjects ?? []).flatMap((raw) => subjectFrom(raw) ?? []);

export class ClusterRbac implements RoleGrantPort {
  constructor(private readonly target: () => Promise<ClusterTarget>) {}

  async read(kind: 'ClusterRole' | 'ClusterRoleBinding', name: string): Promise<LiveGrantObject | undefined> {
    try {
      const object = await this.call<RbacObject>(`read ${kind} ${name}`, { method: 'GET', path: objectPath({ kind, name }) });
      return { labels: object.metadata.labels ?? {}, resourceVersion: object.metadata.resourceVersion ?? '', subjects: subjectsOf(object) };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async write(manifest: Manifest, resourceVersion?: string): Promise<boolean> {
    const { kind, metadata } = manifest;
    try {
      if (resourceVersion === undefined) await this.call(`create ${kind} ${metadata.name}`, { method: 'POST', path: collectionPath({ kind }), body: manifest });
      else await this.call(`update ${kind} ${metadata.name}`, { method: 'PUT', path: objectPath({ kind, name: metadata.name }), body: { ...manifest, metadata: { ...metadata, resourceVersion } } });
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 409 || (error.status === 404 && resourceVersion !== undefined))) return false;
      throw error;
    }
  }

  async remove(kind: 'ClusterRole' | 'ClusterRoleBinding', name: string): Promise<void> {
    try {
      await this.call(`delete ${kind} ${name}`, { method: 'DELETE', path: objectPath({ kind, name }) });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }

  async listRbac(): Promise<{ clusterRoles: { name: string; rules: PolicyRule[] }[]; bindings: RbacBinding[] }> {
    const [roles, bindings] = await Promise.all([this.list('ClusterRole'), this.list('ClusterRoleBinding')]);
    return {
      clusterRoles: roles.map((role) => ({ name: role.metadata.name, rules: role.rules ?? [] })),
      bindings: bindings.flatMap((binding) => (binding.roleRef ? [{ name: binding.metadata.name, roleRef: binding.roleRef, subjects: subjectsOf(binding) }] : [])),
    };
  }

  private async list(kind: 'ClusterRole' | 'ClusterRoleBinding'): Promise<RbacObject[]> {
    const items: RbacObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.call<{ items?: RbacObject[]; metadata?: { continue?: string } }>(`list ${kind}s`, { method: 'GET', path: withQuery(collectionPath({ kind }), { limit: 500, continue: next }) });
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  private call<T = unknown>(action: string, request: KubeRequest): Promise<T> {
    return requestOrExplain<T>(this.target, action, request, 'grants are written by a cluster admin (create, update and delete on clusterroles and clusterrolebindings)');
  }
}
