// Delegated issuance fixtures (#15): the request API installed as setup installs it, a
// least-privilege controller identity (an issuer ServiceAccount made by `setup`, plus what the
// controller needs on CredentialRequests — nothing else), and requesters with `use` on roles.

import assert from 'node:assert/strict';
import type { Manifest } from '../../src/core/grant-plan.ts';
import type { CredentialRequestSpec } from '../../src/core/manifests/credential-request-crd.ts';
import { REQUESTER_CLUSTER_ROLE, TEMPCREDS_API_VERSION as API_VERSION } from '../../src/core/delegation-names.ts';
import { requestApiManifests } from '../../src/core/manifests/request-admission.ts';
import { toYaml } from '../../src/core/structured-text.ts';
import { apiRequest, type ClusterInfo } from '../controlplane/cluster.ts';
import { testCluster, waitFor } from './cluster.ts';
import { createNamespace, uniqueName } from './fixtures.ts';
import { setupServiceAccountIssuer } from './issuer.ts';
import type { Identity } from './requesters.ts';
import { runProcess } from './tempcreds.ts';

const RBAC = 'rbac.authorization.k8s.io';

export type Requester = CredentialRequestSpec['requester'];

async function admin(cluster: ClusterInfo, method: string, path: string, body?: unknown) {
  const answer = await apiRequest(cluster, { method, path, body, identity: 'admin' });
  assert.ok(answer.status === 200 || answer.status === 201 || answer.status === 409, `${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

/** The CRD, admission policy and requester ClusterRole, with server-side apply as setup will (idempotent; other files may apply them too). */
export async function installRequestApi(cluster: ClusterInfo = testCluster(), manifests: Manifest[] = requestApiManifests()): Promise<void> {
  const applied = await runProcess('kubectl', ['--kubeconfig', cluster.kubeconfig, '--context', 'admin', 'apply', '--server-side', '--field-manager=kubectl-tempcreds', '--force-conflicts', '-f', '-'], { input: manifests.map((manifest) => toYaml(manifest)).join('---\n') });
  assert.equal(applied.status, 0, applied.stderr);
}

/** What the controller may do with requests: read and watch them, write their status and finalizers, delete finished ones; ask whether a requester may still use its role. */
export const CONTROLLER_REQUEST_RULES = [
  { apiGroups: ['tempcreds.dev'], resources: ['credentialrequests'], verbs: ['get', 'list', 'watch', 'update', 'delete'] },
  { apiGroups: ['tempcreds.dev'], resources: ['credentialrequests/status'], verbs: ['update'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

/** The controller's identity: an issuer ServiceAccount for `namespaces` (setup, with its guard) in `namespace`, plus CONTROLLER_REQUEST_RULES. */
export async function controllerIdentity(cluster: ClusterInfo, namespaces: string[], { namespace = uniqueName('deleg-ctrl'), extraRules = [], setupFlags = [] }: { namespace?: string; extraRules?: unknown[]; setupFlags?: string[] } = {}): Promise<{ kubeconfig: string; username: string; namespace: string }> {
  const name = uniqueName('tc-deleg-ctrl');
  await createNamespace(namespace, {}, cluster);
  const { kubeconfig } = await setupServiceAccountIssuer(cluster, { namespace, account: 'controller', name, extra: ['--namespaces', namespaces.join(','), ...setupFlags] });
  const username = `system:serviceaccount:${namespace}:controller`;
  await admin(cluster, 'POST', `/apis/${RBAC}/v1/clusterroles`, { metadata: { name: `${name}-requests` }, rules: [...CONTROLLER_REQUEST_RULES, ...extraRules] });
  await admin(cluster, 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, {
    metadata: { name: `${name}-requests` },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: `${name}-requests` },
    subjects: [{ kind: 'ServiceAccount', namespace, name: 'controller' }],
  });
  return { kubeconfig, username, namespace };
}

/** The requester ClusterRole in `namespace` for `who`, and `use` on each of `roles`. */
export async function allowRequests(namespace: string, who: Identity, roles: string[], cluster: ClusterInfo = testCluster()): Promise<void> {
  const subject = who.username.startsWith('system:serviceaccount:')
    ? { kind: 'ServiceAccount', namespace: who.username.split(':')[2], name: who.username.split(':')[3] }
    : { apiGroup: RBAC, kind: 'User', name: who.username };
  const name = uniqueName('requesters');
  await admin(cluster, 'POST', `/apis/${RBAC}/v1/namespaces/${namespace}/rolebindings`, { metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: REQUESTER_CLUSTER_ROLE }, subjects: [subject] });
  await admin(cluster, 'POST', `/apis/${RBAC}/v1/clusterroles`, { metadata: { name }, rules: [{ apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], resourceNames: roles, verbs: ['use'] }] });
  await admin(cluster, 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, { metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name }, subjects: [subject] });
}

/** Who the API server says `identity` is: what a client states as spec.requester. */
export async function whoAmI(identity: Identity): Promise<Requester> {
  const answer = await identity.request({ method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  assert.equal(answer.status, 201);
  const { username, uid, groups } = (answer.body as { status: { userInfo: Requester } }).status.userInfo;
  return { username, ...(uid ? { uid } : {}), ...(groups ? { groups } : {}) };
}

/** Creates a request as `who` (waiting until RBAC and the policy admit it); its name and uid. */
export async function createRequest(who: Identity, namespace: string, spec: CredentialRequestSpec): Promise<{ name: string; uid: string }> {
  const path = `/apis/${API_VERSION}/namespaces/${namespace}/credentialrequests`;
  const body = { apiVersion: API_VERSION, kind: 'CredentialRequest', metadata: { generateName: 'req-' }, spec };
  const answer = await waitFor(async () => {
    const created = await who.request({ method: 'POST', path, body });
    if (created.status !== 201) throw new Error(`HTTP ${created.status} ${JSON.stringify(created.body)}`);
    return created.body as { metadata: { name: string; uid: string } };
  }, { what: `a CredentialRequest for role ${spec.role} to be admitted` });
  return { name: answer.metadata.name, uid: answer.metadata.uid };
}
