// What `doctor` (and completion) ask the API server as the issuer: discovery, who it is, what
// it may do, which namespaces exist.

import { withQuery } from '../core/api-paths.js';
import { ApiError } from '../core/errors.js';
import type { ResourceAccess } from '../core/issuer-checks.js';
import { LIST_PAGE_SIZE, type KubeApi, type KubeList } from './kube-api.js';

/** Whether core/v1 discovery offers `create` on serviceaccounts/token (TokenRequest). */
export async function supportsTokenRequest(api: KubeApi): Promise<boolean> {
  const resources = await api.request<{ resources: { name: string; verbs: string[] }[] }>('discover the core/v1 API', { method: 'GET', path: '/api/v1' });
  return resources.resources.some((resource) => resource.name === 'serviceaccounts/token' && resource.verbs.includes('create'));
}

/** The authenticated user name (SelfSubjectReview), undefined when the server cannot tell. */
export async function whoAmI(api: KubeApi): Promise<string | undefined> {
  try {
    const review = await api.request<{ status?: { userInfo?: { username?: string } } }>('review who the issuer is', {
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
export async function namespaceNames(api: KubeApi): Promise<string[]> {
  const list = await api.request<KubeList>('list namespaces', { method: 'GET', path: withQuery('/api/v1/namespaces', { limit: LIST_PAGE_SIZE }) });
  return list.items.map((namespace) => namespace.metadata?.name ?? '').filter(Boolean);
}

/** SelfSubjectAccessReview, cluster-wide or in the access's namespace. */
export async function canI(api: KubeApi, access: ResourceAccess): Promise<boolean> {
  const review = await api.request<{ status?: { allowed?: boolean } }>(`review access (${access.verb} ${access.resource})`, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { ...access } } },
  });
  return review.status?.allowed === true;
}
