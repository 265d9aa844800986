// `kubectl tempcreds controller` issuing for real (#15), as processes of the built tool, on a
// control plane of its own (the controller watches every namespace's requests: it must not meet
// another test file's). The controller is a least-privilege identity (setup's issuer
// ServiceAccount plus request, role and Lease rights); the requester a client-certificate user
// with `use` on one role. Crash safety uses the test build's fault hook (kill-after:N).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REQUESTER_CLUSTER_ROLE, TEMPCREDS_API_VERSION as API_VERSION } from '../../src/core/delegation-names.ts';
import type { CredentialRequestSpec, CredentialRequestStatus } from '../../src/core/manifests/credential-request-crd.ts';
import { REQUEST_UID_LABEL } from '../../src/core/request-status.ts';
import { generateRequestKeyPair, openSealedToken, type RequestKeyPair } from '../../src/core/sealed-token.ts';
import { apiRequest, startCluster, stopCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import { waitFor } from '../helpers/cluster.ts';
import { allowRequests, controllerIdentity, createRequest, installRequestApi, whoAmI, type Requester } from '../helpers/delegation.ts';
import { PODS_READER_RULES, createNamespace, objectsLabelled, uniqueName } from '../helpers/fixtures.ts';
import { certificateUser, type Identity } from '../helpers/requesters.ts';
import { TEMPCREDS_BIN, tempcreds } from '../helpers/tempcreds.ts';

interface Controller {
  id: string;
  child: ChildProcess;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  address: string;
}

const RBAC = 'rbac.authorization.k8s.io';
const ROLES = `/apis/${API_VERSION}/credentialroles`;

let cluster: ClusterInfo;
let kubeconfig: string;
let leaseNamespace: string;
const controllers: Controller[] = [];

const admin = (method: string, path: string, body?: unknown) => apiRequest(cluster, { method, path, body, identity: 'admin' });
const trueCondition = (status: CredentialRequestStatus | undefined) => status?.conditions?.find((condition) => condition.status === 'True');

/** Stand-in CredentialRole CRD (any spec; the controller validates it) until the real manifest is installed by setup. */
const ROLE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'credentialroles.tempcreds.dev' },
  spec: {
    group: 'tempcreds.dev', scope: 'Cluster', names: { plural: 'credentialroles', singular: 'credentialrole', kind: 'CredentialRole', shortNames: ['cr', 'credrole'] },
    versions: [{ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

// 10 s: a leader whose renewals stall for its renew deadline (2/3 of it) on a loaded machine steps
// down mid-issuance, and the next one rolls that issuance back (Failed). Tests of failover pass 4s.
function startController(id: string, env: NodeJS.ProcessEnv = {}, args: string[] = ['--lease-duration', '10s']): Promise<Controller> {
  const child = spawn(TEMPCREDS_BIN, ['controller', '--kubeconfig', kubeconfig, '--namespace', leaseNamespace, '--health-addr', '127.0.0.1:0', '--id', id, ...args], {
    env: { ...process.env, KUBECTL_TEMPCREDS_HOME: mkdtempSync(join(tmpdir(), 'tempcreds-home-')), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const controller: Controller = { id, child, stderr: [], exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))), address: '' };
  controllers.push(controller);
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => controller.stderr.push(chunk));
  return waitFor(() => {
    const serving = controller.stderr.join('').split('\n').map((line) => { try { return JSON.parse(line) as { msg: string; address?: string }; } catch { return undefined; } }).find((line) => line?.msg.startsWith('serving /healthz'));
    if (child.exitCode !== null) throw new Error(`controller ${id} exited ${child.exitCode}: ${controller.stderr.join('')}`);
    return serving && Object.assign(controller, { address: String(serving.address) });
  }, { timeoutMs: 30_000, what: `controller ${id} to serve its probes` });
}

async function stop(controller: Controller): Promise<void> {
  if (controller.child.exitCode === null && controller.child.signalCode === null) controller.child.kill('SIGTERM');
  await controller.exited;
}

const metric = async (controller: Controller, name: string) => Number((await (await fetch(`http://${controller.address}/metrics`)).text()).match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm'))?.[1] ?? 'NaN');

describe('kubectl tempcreds controller: delegated issuance as a process', () => {
  const team = uniqueName('team');
  const elsewhere = uniqueName('elsewhere');
  const role = uniqueName('reader');
  let alice: Identity;
  let aliceIs: Requester;
  let keys: RequestKeyPair;
  const requests = `/apis/${API_VERSION}/namespaces/${team}/credentialrequests`;
  const spec = (extra: Partial<CredentialRequestSpec> = {}): CredentialRequestSpec => ({ role, namespace: team, ttl: '1h', requester: aliceIs, publicKey: keys.publicKey, ...extra });
  const read = async (name: string, namespace = team) => (await admin('GET', `/apis/${API_VERSION}/namespaces/${namespace}/credentialrequests/${name}`)).body as { metadata: { uid: string; finalizers?: string[] }; status?: CredentialRequestStatus };
  const settled = (name: string, timeoutMs = 30_000, namespace = team) =>
    waitFor(async () => {
      const request = await read(name, namespace);
      return trueCondition(request.status) && request;
    }, { timeoutMs, what: `request ${name} to be answered` });
  const podsStatus = async (token: string, namespace: string) => (await apiRequest(cluster, { path: `/api/v1/namespaces/${namespace}/pods`, token })).status;

  before(async () => {
    cluster = await startCluster();
    await createNamespace(team, {}, cluster);
    await createNamespace(elsewhere, {}, cluster);
    await installRequestApi(cluster);
    assert.ok([200, 201].includes((await admin('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', ROLE_CRD)).status));
    leaseNamespace = uniqueName('tempcreds-system');
    const controller = await controllerIdentity(cluster, [team, elsewhere], {
      namespace: leaseNamespace,
      extraRules: [
        { apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], verbs: ['get'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'], resourceNames: ['tempcreds-credentialrequests'], verbs: ['get'] },
      ],
    });
    kubeconfig = controller.kubeconfig;
    for (const [path, body] of [
      [`/apis/${RBAC}/v1/namespaces/${leaseNamespace}/roles`, { metadata: { name: 'leader-election' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['tempcreds-controller'], verbs: ['get', 'update'] }] }],
      [`/apis/${RBAC}/v1/namespaces/${leaseNamespace}/rolebindings`, { metadata: { name: 'leader-election' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'leader-election' }, subjects: [{ kind: 'ServiceAccount', namespace: leaseNamespace, name: 'controller' }] }],
      [ROLES, { apiVersion: API_VERSION, kind: 'CredentialRole', metadata: { name: role }, spec: { allowedNamespaces: [team], rules: PODS_READER_RULES, maxTtl: '2h' } }],
    ] as const) assert.equal((await admin('POST', path, body)).status, 201, path);
    alice = certificateUser(uniqueName('alice'), [], cluster);
    aliceIs = await whoAmI(alice);
    await allowRequests(team, alice, [role], cluster);
    await allowRequests(elsewhere, alice, [role], cluster);
    keys = await generateRequestKeyPair();
  });

  after(async () => {
    for (const controller of controllers) if (controller.child.exitCode === null && controller.child.signalCode === null) controller.child.kill('SIGKILL');
    await Promise.all(controllers.map(({ exited }) => exited));
    if (cluster) await stopCluster(cluster);
  });

  it('the controller identity is least privilege: it issues in the namespaces it serves, answers requests, reads roles — and nothing more', async () => {
    const user = `system:serviceaccount:${leaseNamespace}:controller`;
    const allowed = async (resourceAttributes: Record<string, string>) =>
      ((await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, resourceAttributes } })).body as { status: { allowed: boolean } }).status.allowed;
    for (const attributes of [
      { resource: 'serviceaccounts', subresource: 'token', verb: 'create', namespace: team },
      { group: 'tempcreds.dev', resource: 'credentialrequests', subresource: 'status', verb: 'update', namespace: team },
      { group: 'tempcreds.dev', resource: 'credentialroles', verb: 'get', name: role },
      // Whether a requester may still use its role, asked again before issuing.
      { group: 'authorization.k8s.io', resource: 'subjectaccessreviews', verb: 'create' },
    ] as Record<string, string>[]) assert.equal(await allowed(attributes), true, JSON.stringify(attributes));
    for (const attributes of [
      { resource: 'serviceaccounts', subresource: 'token', verb: 'create', namespace: 'kube-system' },
      { resource: 'secrets', verb: 'get', namespace: 'kube-system' },
      { group: 'tempcreds.dev', resource: 'credentialrequests', verb: 'create', namespace: team },
      { group: 'tempcreds.dev', resource: 'credentialroles', verb: 'update', name: role },
      { group: 'tempcreds.dev', resource: 'credentialroles', verb: 'use', name: role },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'create' },
    ] as Record<string, string>[]) assert.equal(await allowed(attributes), false, JSON.stringify(attributes));
  });

  it('no controller: the request stays pending; started later, it is issued exactly once — the token works where the role allows (200), not elsewhere (403)', async () => {
    const { name, uid } = await createRequest(alice, team, spec());
    assert.equal((await read(name)).status, undefined);
    const controller = await startController('replica-a');
    const issued = await settled(name);
    assert.equal(trueCondition(issued.status)!.type, 'Issued');
    const token = await openSealedToken(issued.status!.token!, keys.privateKey, uid);
    assert.equal(await podsStatus(token, team), 200);
    assert.equal(await podsStatus(token, elsewhere), 403);
    assert.equal((await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`, cluster)).filter((object) => object.startsWith('Secret ')).length, 1);
    assert.equal(await metric(controller, 'tempcreds_requests_total{outcome="issued"}'), 1);
    assert.ok(!controller.stderr.join('').includes(token), 'the token is never logged');
  });

  it('two controllers, 100 requests: exactly 100 leases, each request issued once', async () => {
    await startController('replica-b');
    const created: { name: string; uid: string }[] = [];
    for (let batch = 0; batch < 10; batch++) created.push(...(await Promise.all(Array.from({ length: 10 }, () => createRequest(alice, team, spec())))));
    const wanted = new Set(created.map(({ name }) => name));
    const answered = await waitFor(async () => {
      const listed = ((await admin('GET', requests)).body as { items: { metadata: { name: string; uid: string }; status?: CredentialRequestStatus }[] }).items.filter((item) => wanted.has(item.metadata.name));
      return listed.every((item) => trueCondition(item.status)) && listed.length === 100 && listed;
    }, { timeoutMs: 240_000, intervalMs: 1000, what: '100 requests to be answered' });
    assert.deepEqual(answered.map((request) => trueCondition(request.status)!.type), Array(100).fill('Issued'));
    const anchors = (await admin('GET', `/api/v1/namespaces/${team}/secrets?labelSelector=${encodeURIComponent(REQUEST_UID_LABEL)}`)).body as { items: { metadata: { labels: Record<string, string> } }[] };
    const byRequest = new Map<string, number>();
    for (const anchor of anchors.items) byRequest.set(anchor.metadata.labels[REQUEST_UID_LABEL]!, (byRequest.get(anchor.metadata.labels[REQUEST_UID_LABEL]!) ?? 0) + 1);
    for (const { uid } of created) assert.equal(byRequest.get(uid), 1, `request ${uid} has one lease`);
    assert.equal(new Set(answered.map((request) => request.status!.leaseId)).size, 100);
    const issuedCounts = await Promise.all(controllers.filter(({ child }) => child.exitCode === null).map((controller) => metric(controller, 'tempcreds_requests_total{outcome="issued"}')));
    assert.equal(issuedCounts.reduce((sum, count) => sum + count, 0), 101);
    const live = await Promise.all(controllers.filter(({ child }) => child.exitCode === null).map((controller) => metric(controller, 'tempcreds_live_leases')));
    assert.equal(Math.max(...live), 101);
  });

  it('deleting the request revokes the lease: 401 within 20 s, no labelled objects left, the request gone', async () => {
    const { name, uid } = await createRequest(alice, team, spec());
    const issued = await settled(name);
    const token = await openSealedToken(issued.status!.token!, keys.privateKey, uid);
    assert.equal(await podsStatus(token, team), 200);
    assert.equal((await alice.request({ method: 'DELETE', path: `${requests}/${name}` })).status, 200);
    await waitFor(async () => (await podsStatus(token, team)) === 401, { timeoutMs: 20_000, what: 'the token to get 401' });
    await waitFor(async () => (await admin('GET', `${requests}/${name}`)).status === 404, { what: 'the request to be gone' });
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`, cluster), []);
  });

  it('a denial: Denied with its reason, nothing created', async () => {
    // A namespace the role does not allow (the request is in it: a request asks for its own namespace).
    const { name, uid } = await createRequest(alice, elsewhere, spec({ namespace: elsewhere }));
    const denied = await settled(name, 30_000, elsewhere);
    assert.deepEqual(denied.status!.conditions!.map(({ type, status, reason }) => `${type}=${status}/${reason}`), ['Issued=False/NamespaceNotAllowed', 'Denied=True/NamespaceNotAllowed']);
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`, cluster), []);
  });

  it('a request for another namespace than its own, admitted while the policy binding was gone: the controller refuses it too (Denied, nothing created)', async () => {
    const binding = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/tempcreds-credentialrequests';
    assert.equal((await admin('DELETE', binding)).status, 200);
    // In `elsewhere`, for `team` (which the role allows): without the policy, only the controller stands in the way.
    let created: { name: string; uid: string };
    try {
      created = await createRequest(alice, elsewhere, spec());
    } finally {
      await installRequestApi(cluster);
    }
    const denied = await settled(created.name, 30_000, elsewhere);
    assert.deepEqual(denied.status!.conditions!.map(({ type, status, reason }) => `${type}=${status}/${reason}`), ['Issued=False/NamespaceNotAllowed', 'Denied=True/NamespaceNotAllowed']);
    assert.match(trueCondition(denied.status)!.message, new RegExp(`^spec.namespace ${team} is not the namespace the request is in \\(${elsewhere}\\)`));
    assert.equal(denied.status!.token, undefined);
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${created.uid}`, cluster), []);
    // The binding is back: such a request is refused at admission again.
    await waitFor(async () => (await alice.request({ method: 'POST', path: `/apis/${API_VERSION}/namespaces/${elsewhere}/credentialrequests?dryRun=All`, body: { apiVersion: API_VERSION, kind: 'CredentialRequest', metadata: { generateName: 'req-' }, spec: spec() } })).status === 403 || undefined, { what: 'the admission policy to be back' });
  });

  it('a grant revoked while the request waited (no controller running): not issued — Denied/RoleNotAllowed, nothing created; a requester still granted is issued', async () => {
    await Promise.all(controllers.map(stop));
    const bob = certificateUser(uniqueName('bob'), [], cluster);
    const bobIs = await whoAmI(bob);
    const tool = tempcreds(cluster.kubeconfig);
    assert.equal((await admin('POST', `/apis/${RBAC}/v1/namespaces/${team}/rolebindings`, { metadata: { name: uniqueName('bob-requests') }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: REQUESTER_CLUSTER_ROLE }, subjects: [{ apiGroup: RBAC, kind: 'User', name: bob.username }] })).status, 201);
    const granted = await tool.run(['role', 'grant', role, '--user', bob.username, '--context', 'admin']);
    assert.equal(granted.status, 0, granted.stderr);
    const bobs = await createRequest(bob, team, spec({ requester: bobIs }));
    const alices = await createRequest(alice, team, spec());
    const revoked = await tool.run(['role', 'revoke-grant', role, '--user', bob.username, '--context', 'admin']);
    assert.equal(revoked.status, 0, revoked.stderr);
    const mayUse = async () => ((await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: bobIs.username, groups: bobIs.groups, resourceAttributes: { group: 'tempcreds.dev', resource: 'credentialroles', name: role, verb: 'use' } } })).body as { status: { allowed: boolean } }).status.allowed;
    await waitFor(async () => !(await mayUse()) || undefined, { what: 'RBAC to see the revoked grant' });
    const controller = await startController('after-revoke');
    const denied = await settled(bobs.name);
    assert.deepEqual(denied.status!.conditions!.map(({ type, status, reason }) => `${type}=${status}/${reason}`), ['Issued=False/RoleNotAllowed', 'Denied=True/RoleNotAllowed']);
    assert.match(trueCondition(denied.status)!.message, new RegExp(`^${bob.username} may no longer use CredentialRole "${role}" \\(RBAC verb use on credentialroles/${role}, checked again before issuing\\)`));
    assert.equal(denied.status!.token, undefined);
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${bobs.uid}`, cluster), []);
    const issued = await settled(alices.name);
    assert.equal(trueCondition(issued.status)!.type, 'Issued');
    assert.equal(await podsStatus(await openSealedToken(issued.status!.token!, keys.privateKey, alices.uid), team), 200);
    await stop(controller);
  });

  it('expiry, by the API server\'s clock (the test build\'s hook: a day on): the controller revokes the lease (Revoked/Expired, the token dropped, nothing labelled left); with --retention 0s the cleaner then deletes the request', async () => {
    await Promise.all(controllers.map(stop));
    const dayOn = new Date(Date.now() + 86_400_000).toISOString();
    const controller = await startController('expiring', { KUBECTL_TEMPCREDS_TEST_SERVER_NOW: dayOn });
    const { name, uid } = await createRequest(alice, team, spec());
    // Issued first (its expiry is a day behind the hooked clock), then revoked at once.
    const revoked = await waitFor(async () => {
      const request = await read(name);
      return trueCondition(request.status)?.type === 'Revoked' && request;
    }, { timeoutMs: 60_000, what: 'the lease to expire' });
    assert.deepEqual(revoked.status!.conditions!.map(({ type, status, reason }) => `${type}=${status}/${reason}`), ['Issued=False/Expired', 'Revoked=True/Expired']);
    assert.equal(revoked.status!.token, undefined);
    await waitFor(async () => !(await read(name)).metadata.finalizers?.length, { what: 'the lease to be revoked' });
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`, cluster), []);
    await stop(controller);
    const cleaner = await startController('cleaner', { KUBECTL_TEMPCREDS_TEST_SERVER_NOW: dayOn }, ['--lease-duration', '10s', '--retention', '0s']);
    await waitFor(async () => (await admin('GET', `${requests}/${name}`)).status === 404, { what: 'the cleaner to delete the finished request' });
    await stop(cleaner);
  });

  it('SIGKILL at every step of an issuance: after a restart nothing is orphaned, and each request ends Issued (its objects all there, its token working) or Failed (nothing left)', async () => {
    await Promise.all(controllers.map(stop));
    // Counted calls: claim, finalizer, anchor, ServiceAccount + Role, binding + anchor mark + TokenRequest, the token write.
    const outcomes: string[] = [];
    for (let step = 1; step <= 9; step++) {
      const crashing = await startController('crash', { KUBECTL_TEMPCREDS_TEST_FAULT: `kill-after:${step}` }, ['--lease-duration', '4s']);
      const { name, uid } = await createRequest(alice, team, spec());
      assert.deepEqual(await crashing.exited, { code: null, signal: 'SIGKILL' }, `step ${step}`);
      const restarted = await startController('crash', {}, ['--lease-duration', '4s']);
      const answer = await settled(name);
      const type = trueCondition(answer.status)!.type;
      outcomes.push(`${step}:${type}`);
      // Failed is written first, then the lease revoked and the finalizer removed.
      await waitFor(async () => type === 'Issued' || !(await read(name)).metadata.finalizers?.length, { what: `step ${step}: the finalizer to go` });
      const left = await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`, cluster);
      if (type === 'Issued') {
        assert.equal(left.length, 4, `step ${step}: ${left.join(', ')}`);
        assert.equal(await podsStatus(await openSealedToken(answer.status!.token!, keys.privateKey, uid), team), 200);
      } else {
        assert.equal(type, 'Failed', `step ${step}`);
        assert.deepEqual(left, [], `step ${step}`);
        assert.equal(answer.status!.token, undefined);
      }
      await stop(restarted);
    }
    // Killed after the claim only: nothing existed, so the next controller issued it; after the token write it was done.
    assert.equal(outcomes[0], '1:Issued');
    assert.equal(outcomes[8], '9:Issued');
    assert.deepEqual(outcomes.slice(1, 8).map((outcome) => outcome.split(':')[1]), Array(7).fill('Failed'));
  });
});
