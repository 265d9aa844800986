// The CredentialRequest API for the controller (the request store port of
// app/reconcile-request.ts, and the access review of its requesters): read one request, replace its status through the status
// subresource and its finalizers through the main resource — each write carrying the
// resourceVersion it was decided on, so a stale writer gets a conflict instead of overwriting —
// and delete it by uid. Errors name the request, never its status (which holds the sealed token).

import { ApiError } from '../core/errors.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../core/kube-names.js';
import { CREDENTIAL_REQUESTS, CREDENTIAL_ROLES, TEMPCREDS_API_VERSION as API_VERSION, TEMPCREDS_GROUP, USE_VERB } from '../core/delegation-names.js';
import type { CredentialRequestStatus } from '../core/manifests/credential-request-crd.js';
import type { CredentialRequestObject, RequestStorePort } from '../app/reconcile-request.js';
import type { RequesterAccessPort } from '../app/ports.js';
import { KubeStatusError, type KubeConnection, type KubeRequest } from './kube-connections.js';
import type { WatchedObject } from './watch.js';

/** The path of one request; its namespace and name come from the API server, and are checked all the same. */
export function requestPath(namespace: string, name: string, subresource?: 'status'): string {
  const problem = checkDns1123Label(namespace) ?? checkDns1123Subdomain(name);
  if (problem) throw new ApiError(`not a CredentialRequest's namespace and name (${problem}): ${JSON.stringify(`${namespace}/${name}`)}`, undefined);
  return `/apis/${API_VERSION}/namespaces/${namespace}/${CREDENTIAL_REQUESTS}/${name}${subresource ? `/${subresource}` : ''}`;
}

/**
 * A watched request as the controller's cache keeps it: what reconciling reads and writes back,
 * without managedFields (the biggest part of metadata, growing with every writer) and without
 * the sealed token (no reconcile reads it, and every status write decided from the cache either
 * has no token yet or drops it). The rest of metadata stays: a finalizer write replaces the whole
 * object (the controller may update, not patch), so labels and annotations are written back.
 */
export function cachedRequest(object: WatchedObject): WatchedObject {
  const { managedFields: _managedFields, ...metadata } = (object.metadata ?? {}) as WatchedObject['metadata'] & { managedFields?: unknown };
  const { token: _sealed, ...status } = (object.status ?? {}) as CredentialRequestStatus;
  return { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec, ...(object.status ? { status } : {}) };
}

const describe = (request: { metadata: { namespace: string; name: string } }) => `CredentialRequest ${request.metadata.namespace}/${request.metadata.name}`;

export class CredentialRequestStore implements RequestStorePort, RequesterAccessPort {
  constructor(private readonly connection: KubeConnection) {}

  async mayUse(requester: { username: string; uid?: string; groups?: string[] }, role: string): Promise<boolean> {
    // The requester as admission authenticated it (the policy proved spec.requester); RBAC ignores `extra`.
    const spec = { user: requester.username, ...(requester.uid ? { uid: requester.uid } : {}), ...(requester.groups ? { groups: requester.groups } : {}), resourceAttributes: { group: TEMPCREDS_GROUP, resource: CREDENTIAL_ROLES, name: role, verb: USE_VERB } };
    const review = await this.call<{ status?: { allowed?: boolean } }>(`review whether ${requester.username} may use CredentialRole ${role}`, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    });
    return review.status?.allowed === true;
  }

  async get(namespace: string, name: string): Promise<CredentialRequestObject | undefined> {
    try {
      return await this.call<CredentialRequestObject>(`read CredentialRequest ${namespace}/${name}`, { method: 'GET', path: requestPath(namespace, name) });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  writeStatus(request: CredentialRequestObject, status: CredentialRequestStatus): Promise<CredentialRequestObject | 'conflict'> {
    // The status subresource ignores everything but status; the resourceVersion makes the write conditional.
    return this.conditional(`write the status of ${describe(request)}`, { method: 'PUT', path: requestPath(request.metadata.namespace, request.metadata.name, 'status'), body: { ...request, status } });
  }

  writeFinalizers(request: CredentialRequestObject, finalizers: string[]): Promise<CredentialRequestObject | 'conflict'> {
    // The whole object as read (labels, annotations kept); the main resource ignores status.
    return this.conditional(`update the finalizers of ${describe(request)}`, { method: 'PUT', path: requestPath(request.metadata.namespace, request.metadata.name), body: { ...request, metadata: { ...request.metadata, finalizers } } });
  }

  async delete(request: CredentialRequestObject): Promise<void> {
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: request.metadata.uid }, propagationPolicy: 'Background' };
    try {
      await this.call(`delete ${describe(request)}`, { method: 'DELETE', path: requestPath(request.metadata.namespace, request.metadata.name), body });
    } catch (error) {
      // Gone already, or another request now has its name: either way this one is done.
      if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return;
      throw error;
    }
  }

  /** A write that loses to a newer version (409) or a request gone (404): 'conflict', decided again on what is there now. */
  private async conditional(action: string, request: KubeRequest): Promise<CredentialRequestObject | 'conflict'> {
    try {
      return await this.call<CredentialRequestObject>(action, request);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 409 || error.status === 404)) return 'conflict';
      throw error;
    }
  }

  private async call<T>(action: string, request: KubeRequest): Promise<T> {
    try {
      return await this.connection.request<T>(request);
    } catch (error) {
      if (error instanceof KubeStatusError) {
        const hint = error.status === 403 ? ' — the controller\'s identity lacks this permission (see kubectl tempcreds setup --controller)' : '';
        throw new ApiError(`cannot ${action}: ${error.status} ${error.message}${hint}`, error.status, { cause: error });
      }
      throw new ApiError(`cannot ${action}: ${(error as Error).message}`, undefined, { cause: error });
    }
  }
}
