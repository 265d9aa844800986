// `kubectl tempcreds controller` as a real process (the built tool) against a real API server,
// as a least-privilege ServiceAccount: refusing to start without its CRDs and admission policy,
// probes and metrics, one leader among two replicas, takeover after SIGKILL, release on SIGTERM
// (a follower's SIGINT leaves the Lease alone),
// and the reconcile called once per change of a CredentialRequest (issuance itself: delegated-controller.test.ts).
//
// Its own control plane: CRDs and admission policies are cluster-wide, so the "not installed"
// case and this file's minimal stand-ins for them (the real manifests come with the
// CredentialRequest API) must not meet another test file's. The stand-ins: CRDs that keep any
// spec, and the policy refusing a requester who is not the sender.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { apiRequest, startCluster, stopCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import { waitFor } from '../helpers/cluster.ts';
import { TEMPCREDS_BIN, runProcess } from '../helpers/tempcreds.ts';

const SYSTEM = 'tempcreds-system';
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases/tempcreds-controller`;
const LEASE_SECONDS = 8;
const REQUESTS = '/apis/tempcreds.dev/v1alpha1';

interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

interface Replica {
  id: string;
  child: ChildProcess;
  lines: LogLine[];
  /** stderr lines that are not JSON log objects (there must be none). */
  other: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  address: string;
}

let cluster: ClusterInfo;
let kubeconfig: string;
const replicas: Replica[] = [];

async function admin(method: string, path: string, body?: unknown, contentType?: string) {
  return apiRequest(cluster, { method, path, body, identity: 'admin', ...(contentType ? { contentType } : {}) });
}

async function createAll(objects: { path: string; body: unknown }[]): Promise<void> {
  for (const { path, body } of objects) {
    const response = await admin('POST', path, body);
    assert.ok(response.status === 201 || response.status === 409, `POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  }
}

const crd = (plural: string, kind: string, scope: 'Cluster' | 'Namespaced', shortNames: string[]) => ({
  path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  body: {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.tempcreds.dev` },
    spec: {
      group: 'tempcreds.dev', scope, names: { plural, singular: kind.toLowerCase(), kind, shortNames },
      versions: [{
        name: 'v1alpha1', served: true, storage: true, subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      }],
    },
  },
});

const POLICY = [
  {
    path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'tempcreds-credentialrequests' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['tempcreds.dev'], apiVersions: ['*'], operations: ['CREATE'], resources: ['credentialrequests'] }] },
        validations: [{ expression: 'object.spec.requester.username == request.userInfo.username', message: 'spec.requester must be the sender' }],
      },
    },
  },
  {
    path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings',
    body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'tempcreds-credentialrequests' }, spec: { policyName: 'tempcreds-credentialrequests', validationActions: ['Deny'] } },
  },
];

/** The controller's identity: a ServiceAccount that may watch requests, write their status and hold its Lease — nothing else. */
async function controllerIdentity(): Promise<string> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await createAll([
    { path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM } } },
    { path: `/api/v1/namespaces/${SYSTEM}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tempcreds-controller' } } },
    {
      path: `${rbac}/clusterroles`,
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'tempcreds-controller' },
        rules: [
          { apiGroups: ['tempcreds.dev'], resources: ['credentialrequests'], verbs: ['get', 'list', 'watch', 'update'] },
          { apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], verbs: ['get'] },
          { apiGroups: ['tempcreds.dev'], resources: ['credentialrequests/status'], verbs: ['update', 'patch'] },
          { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'], resourceNames: ['tempcreds-credentialrequests'], verbs: ['get'] },
        ],
      },
    },
    {
      path: `${rbac}/clusterrolebindings`,
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'tempcreds-controller' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tempcreds-controller' }, subjects: [{ kind: 'ServiceAccount', name: 'tempcreds-controller', namespace: SYSTEM }] },
    },
    {
      path: `${rbac}/namespaces/${SYSTEM}/roles`,
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'tempcreds-controller-leader-election' },
        rules: [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['tempcreds-controller'], verbs: ['get', 'update'] },
        ],
      },
    },
    {
      path: `${rbac}/namespaces/${SYSTEM}/rolebindings`,
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tempcreds-controller-leader-election' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tempcreds-controller-leader-election' }, subjects: [{ kind: 'ServiceAccount', name: 'tempcreds-controller', namespace: SYSTEM }] },
    },
  ]);
  const response = await admin('POST', `/api/v1/namespaces/${SYSTEM}/serviceaccounts/tempcreds-controller/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } });
  assert.equal(response.status, 201);
  const file = join(mkdtempSync(join(tmpdir(), 'tempcreds-controller-')), 'kubeconfig');
  writeFileSync(file, yaml.dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'controller',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': readFileSync(cluster.caFile).toString('base64') } }],
    users: [{ name: 'controller', user: { token: (response.body as { status: { token: string } }).status.token } }],
    contexts: [{ name: 'controller', context: { cluster: 'local', user: 'controller' } }],
  }), { mode: 0o600 });
  return file;
}

function startReplica(id: string): Promise<Replica> {
  const child = spawn(TEMPCREDS_BIN, ['controller', '--kubeconfig', kubeconfig, '--health-addr', '127.0.0.1:0', '--id', id, '--lease-duration', `${LEASE_SECONDS}s`], {
    env: { ...process.env, KUBECTL_TEMPCREDS_HOME: mkdtempSync(join(tmpdir(), 'tempcreds-home-')) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const replica = { id, child, lines: [] as LogLine[], other: [] as string[], address: '' } as Replica;
  replica.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  replicas.push(replica);
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        replica.lines.push(JSON.parse(line) as LogLine);
      } catch {
        replica.other.push(line);
      }
    }
  });
  return waitFor(() => {
    const serving = replica.lines.find((line) => line.msg.startsWith('serving /healthz'));
    if (child.exitCode !== null) throw new Error(`replica ${id} exited ${child.exitCode}: ${replica.other.join(' ')}`);
    return serving && Object.assign(replica, { address: String(serving.address) });
  }, { timeoutMs: 30_000, what: `replica ${id} to serve its probes` });
}

const probe = async (replica: Replica, path: string) => {
  const response = await fetch(`http://${replica.address}${path}`);
  return { status: response.status, text: await response.text() };
};
const holder = async () => ((await admin('GET', LEASE_PATH)).body as { spec?: { holderIdentity?: string; leaseTransitions?: number } }).spec;
const reconciles = (replica: Replica, key: string) => replica.lines.filter((line) => line.msg === 'reconcile' && line.key === key).map((line) => line.resourceVersion);

describe('kubectl tempcreds controller', () => {
  before(async () => {
    cluster = await startCluster();
    kubeconfig = await controllerIdentity();
  });

  after(async () => {
    for (const { child } of replicas) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(replicas.map(({ exited }) => exited));
    if (cluster) await stopCluster(cluster);
  });

  it('its identity is least privilege: no tokens, no secrets, no RBAC writes, no requests outside the API it serves', async () => {
    const allowed = async (resourceAttributes: Record<string, string>) =>
      ((await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: `system:serviceaccount:${SYSTEM}:tempcreds-controller`, resourceAttributes } })).body as { status: { allowed: boolean } }).status.allowed;
    assert.equal(await allowed({ group: 'tempcreds.dev', resource: 'credentialrequests', verb: 'watch' }), true);
    assert.equal(await allowed({ group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: SYSTEM, name: 'tempcreds-controller' }), true);
    for (const attributes of [
      { resource: 'serviceaccounts', subresource: 'token', verb: 'create', namespace: 'default' },
      { resource: 'secrets', verb: 'get', namespace: SYSTEM },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'create' },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: 'kube-system', name: 'kube-scheduler' },
      { group: 'tempcreds.dev', resource: 'credentialrequests', verb: 'create', namespace: 'default' },
    ] as Record<string, string>[]) assert.equal(await allowed(attributes), false, JSON.stringify(attributes));
  });

  it('refuses to start (exit 1, the fix in one line) while the CRDs or the admission policy are missing', async () => {
    const run = () => runProcess(TEMPCREDS_BIN, ['controller', '--kubeconfig', kubeconfig, '--health-addr', '127.0.0.1:0'], { env: { ...process.env, KUBECTL_TEMPCREDS_HOME: mkdtempSync(join(tmpdir(), 'tempcreds-home-')) } });
    const bare = await run();
    assert.equal(bare.status, 1, bare.stderr);
    assert.equal(bare.stderr.trim().split('\n').length, 1, bare.stderr);
    assert.match(bare.stderr, /^error: refusing to start: the CRD credentialroles\.tempcreds\.dev, the CRD credentialrequests\.tempcreds\.dev, the ValidatingAdmissionPolicy tempcreds-credentialrequests, the ValidatingAdmissionPolicyBinding tempcreds-credentialrequests are missing .*; run kubectl tempcreds setup --controller$/m);

    await createAll([crd('credentialroles', 'CredentialRole', 'Cluster', ['cr', 'credrole']), crd('credentialrequests', 'CredentialRequest', 'Namespaced', ['credreq'])]);
    await waitFor(async () => {
      const served = await admin('GET', REQUESTS);
      return served.status === 200 && (served.body as { resources: unknown[] }).resources.length >= 2;
    }, { what: 'the CRDs to be served' });
    const noPolicy = await run();
    assert.equal(noPolicy.status, 1, noPolicy.stderr);
    assert.match(noPolicy.stderr, /^error: refusing to start: the ValidatingAdmissionPolicy tempcreds-credentialrequests, the ValidatingAdmissionPolicyBinding tempcreds-credentialrequests are missing \(without the admission policy a requester's identity could be forged\); run kubectl tempcreds setup --controller$/m);

    await createAll(POLICY.slice(0, 1));
    const noBinding = await run();
    assert.equal(noBinding.status, 1, noBinding.stderr);
    assert.match(noBinding.stderr, /the ValidatingAdmissionPolicyBinding tempcreds-credentialrequests is missing/);
    await createAll(POLICY.slice(1));
  });

  it('two replicas: both healthy and ready, exactly one leads (holds the Lease)', async () => {
    const [a, b] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
    for (const replica of [a!, b!]) {
      assert.deepEqual(await probe(replica, '/healthz'), { status: 200, text: 'ok\n' });
      await waitFor(async () => (await probe(replica, '/readyz')).status === 200, { what: `${replica.id} to be ready` });
    }
    const leader = await waitFor(async () => (await holder())?.holderIdentity, { what: 'a leader' });
    assert.ok(['replica-a', 'replica-b'].includes(leader), leader);
    const gauges = await Promise.all([a!, b!].map(async (replica) => (await probe(replica, '/metrics')).text.match(/^tempcreds_leader (\d)$/m)?.[1]));
    assert.deepEqual(gauges, leader === 'replica-a' ? ['1', '0'] : ['0', '1']);
    const metrics = (await probe(a!, '/metrics')).text;
    for (const family of ['tempcreds_requests_total{outcome="issued"} 0', 'tempcreds_issuance_seconds_bucket{le="+Inf"} 0', 'tempcreds_live_leases 0']) assert.ok(metrics.includes(family), family);
    assert.equal((await probe(a!, '/nothing')).status, 404);
  });

  it("the leader's reconcile sees a created request once, and once per change after; the follower's never", async () => {
    await createAll([{ path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ctrl-requests' } } }]);
    const create = async (name: string) => {
      const response = await admin('POST', `${REQUESTS}/namespaces/ctrl-requests/credentialrequests`, {
        apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRequest', metadata: { name },
        spec: { role: 'sample-app', namespace: 'demo', requester: { username: 'admin', uid: '', groups: ['system:masters'] }, publicKey: { kty: 'OKP', crv: 'X25519', x: 'x'.repeat(43) } },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return (response.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    };
    const leaderId = (await holder())!.holderIdentity;
    const leader = replicas.find(({ id }) => id === leaderId)!;
    const follower = replicas.find(({ id }) => id !== leaderId)!;
    const first = await create('req-one');
    await waitFor(() => reconciles(leader, 'ctrl-requests/req-one').length > 0, { what: 'the first reconcile' });
    const changed = await admin('PATCH', `${REQUESTS}/namespaces/ctrl-requests/credentialrequests/req-one`, { metadata: { labels: { changed: 'yes' } } }, 'application/merge-patch+json');
    assert.equal(changed.status, 200);
    const second = (changed.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await waitFor(() => reconciles(leader, 'ctrl-requests/req-one').includes(second), { what: 'the reconcile of the change' });
    // A later request, reconciled after both: by then a duplicate of either would have shown.
    await create('req-two');
    await waitFor(() => reconciles(leader, 'ctrl-requests/req-two').length > 0, { what: 'the second request' });
    // Once per version: the creation, the controller's own status writes (claimed, then denied: role sample-app does not exist), the change.
    const seen = reconciles(leader, 'ctrl-requests/req-one');
    assert.equal(seen[0], first);
    assert.deepEqual(seen, [...new Set(seen)]);
    assert.ok(seen.includes(second));
    const answered = (await admin('GET', `${REQUESTS}/namespaces/ctrl-requests/credentialrequests/req-one`)).body as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
    assert.deepEqual(answered.status?.conditions?.map(({ type, status, reason }) => `${type}=${status}/${reason}`), ['Issued=False/RoleNotFound', 'Denied=True/RoleNotFound']);
    assert.deepEqual(reconciles(follower, 'ctrl-requests/req-one'), []);
    assert.deepEqual(reconciles(follower, 'ctrl-requests/req-two'), []);
  });

  it('SIGKILL the leader: the other takes over once the Lease expires, and reconciles every request again', async () => {
    const before = (await holder())!;
    const leader = replicas.find(({ id }) => id === before.holderIdentity)!;
    const other = replicas.find(({ id }) => id !== before.holderIdentity)!;
    leader.child.kill('SIGKILL');
    await leader.exited;
    // Bounded by the lease duration plus two retry periods and the polling, never a fixed sleep.
    await waitFor(async () => (await holder())?.holderIdentity === other.id, { timeoutMs: (LEASE_SECONDS + 10) * 1000, intervalMs: 200, what: `${other.id} to take over` });
    assert.equal((await holder())!.leaseTransitions, (before.leaseTransitions ?? 0) + 1);
    await waitFor(() => reconciles(other, 'ctrl-requests/req-one').length >= 1 && reconciles(other, 'ctrl-requests/req-two').length >= 1, { what: 'the new leader to reconcile what exists' });
    for (const key of ['ctrl-requests/req-one', 'ctrl-requests/req-two']) assert.deepEqual(reconciles(other, key), [...new Set(reconciles(other, key))]);
    assert.match((await probe(other, '/metrics')).text, /^tempcreds_leader 1$/m);
    assert.equal((await probe(other, '/readyz')).status, 200);
  });

  it('SIGINT a follower: exits 0 and leaves the Lease to the leader', async () => {
    const leader = replicas.find(({ child }) => child.exitCode === null && child.signalCode === null)!;
    const follower = await startReplica('replica-c');
    await waitFor(async () => (await probe(follower, '/readyz')).status === 200, { what: 'replica-c to be ready' });
    follower.child.kill('SIGINT');
    assert.deepEqual(await follower.exited, { code: 0, signal: null });
    assert.equal((await holder())!.holderIdentity, leader.id);
    assert.ok(!follower.lines.some((line) => line.msg === 'released the Lease' || line.msg === 'reconcile'));
  });

  it('SIGTERM the leader: exits 0, releasing the Lease (no holder); every log line was a JSON object', async () => {
    const leader = replicas.find(({ child }) => child.exitCode === null && child.signalCode === null)!;
    assert.equal((await holder())!.holderIdentity, leader.id);
    leader.child.kill('SIGTERM');
    assert.deepEqual(await leader.exited, { code: 0, signal: null });
    assert.equal((await holder())!.holderIdentity, '');
    assert.ok(leader.lines.some((line) => line.msg === 'released the Lease'));
    for (const replica of replicas) {
      assert.deepEqual(replica.other.filter(Boolean), [], `${replica.id} wrote lines that are not JSON`);
      for (const line of replica.lines) assert.ok(['info', 'warn', 'error'].includes(line.level) && !Number.isNaN(Date.parse(line.time)), JSON.stringify(line));
    }
  });
});

describe('kubectl tempcreds controller: bad flags', () => {
  it('exit 2 with one line naming the flag, before touching a cluster', async () => {
    for (const [args, message] of [
      [['--health-addr', '8081'], /^error: --health-addr "8081" is not host:port/],
      [['--lease-duration', '1s'], /^error: --lease-duration "1s" must be a duration from 3s to 1h/],
      [['--lease-name', 'Bad_Name'], /^error: --lease-name "Bad_Name" must consist of lower case letters/],
      [['-n', 'a.b'], /^error: --namespace "a.b" must consist of lower case letters/],
      [['--id', 'two words'], /^error: --id must be 1 to 128 printable characters without spaces/],
    ] as const) {
      const result = await runProcess(TEMPCREDS_BIN, ['controller', '--kubeconfig', '/nonexistent', ...args], { env: { ...process.env, KUBECTL_TEMPCREDS_HOME: mkdtempSync(join(tmpdir(), 'tempcreds-home-')) } });
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});
