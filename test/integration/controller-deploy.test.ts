// `kubectl tempcreds setup --controller` against a real API server: what it prints passes a
// server-side dry run object by object (the Deployment too), applying twice changes nothing the
// second time, and the controller's ServiceAccount holds exactly what issuance needs — asked as
// that ServiceAccount (SelfSubjectRulesReview) and proven by the controller process itself,
// running with that ServiceAccount's token. This server serves MutatingAdmissionPolicy, so setup
// also applies the request stamp, and a request without a requester is stamped and issued.
//
// Its own control plane: the controller's namespace, Lease and CRDs are cluster-wide names, and a
// controller process of another test file must not take this one's Lease.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { apiRequest, startCluster, stopCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import type { CredentialRequestSpec, CredentialRequestStatus } from '../../src/core/manifests/credential-request-crd.ts';
import { generateRequestKeyPair, openSealedToken } from '../../src/core/sealed-token.ts';
import { waitFor } from '../helpers/cluster.ts';
import { allowRequests, createRequest, whoAmI } from '../helpers/delegation.ts';
import { PODS_READER_RULES } from '../helpers/fixtures.ts';
import { certificateUser } from '../helpers/requesters.ts';
import { runProcess, TEMPCREDS_BIN, tempcreds, type RunResult } from '../helpers/tempcreds.ts';

const SYSTEM = 'tempcreds-system';
const SERVED = ['team-a', 'team-b'];

type ResourceRule = { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] };

let cluster: ClusterInfo;
let controllerKubeconfig: string;
const children: ChildProcess[] = [];

const admin = (method: string, path: string, body?: unknown) => apiRequest(cluster, { method, path, body, identity: 'admin' });
const kubectl = (args: string[], input?: string): Promise<RunResult> => runProcess('kubectl', ['--kubeconfig', cluster.kubeconfig, '--context', 'admin', ...args], { input });
const setup = (args: string[]): Promise<RunResult> => tempcreds(cluster.kubeconfig).run(['setup', '--controller', '--namespaces', SERVED.join(','), ...args]);

/** A kubeconfig authenticating as the controller's ServiceAccount, as its Pod would (a TokenRequest token). */
async function controllerIdentity(): Promise<string> {
  const response = await admin('POST', `/api/v1/namespaces/${SYSTEM}/serviceaccounts/tempcreds-controller/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  assert.equal(response.status, 201);
  const file = join(mkdtempSync(join(tmpdir(), 'tempcreds-deploy-')), 'kubeconfig');
  writeFileSync(file, yaml.dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'controller',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': readFileSync(cluster.caFile).toString('base64') } }],
    users: [{ name: 'controller', user: { token: (response.body as { status: { token: string } }).status.token } }],
    contexts: [{ name: 'controller', context: { cluster: 'local', user: 'controller' } }],
  }), { mode: 0o600 });
  return file;
}

/** What the controller's ServiceAccount may do in `namespace`, as it asks the API server itself. */
async function rulesIn(namespace: string): Promise<ResourceRule[]> {
  const answer = await runProcess('kubectl', ['--kubeconfig', controllerKubeconfig, 'create', '--validate=false', '-o', 'json', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } }),
  });
  assert.equal(answer.status, 0, answer.stderr);
  const status = (JSON.parse(answer.stdout) as { status: { resourceRules: ResourceRule[]; incomplete: boolean } }).status;
  assert.equal(status.incomplete, false);
  return status.resourceRules;
}

/** The verbs `rules` allow on group/resource (any name, or only `resourceNames` when they say so). */
const verbsOn = (rules: ResourceRule[], group: string, resource: string) =>
  rules.filter((rule) => (rule.apiGroups ?? []).some((each) => each === group || each === '*') && (rule.resources ?? []).some((each) => each === resource || each === '*')).map((rule) => `${[...rule.verbs].sort().join(',')}${rule.resourceNames ? ` on ${rule.resourceNames.join(',')}` : ''}`);

describe('setup --controller: the controller as a Deployment, least privilege', () => {
  before(async () => {
    cluster = await startCluster();
    for (const namespace of SERVED) assert.equal((await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })).status, 201);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (cluster) await stopCluster(cluster);
  });

  it('flags that name another issuer are refused before any cluster access: exit 2, one line', async () => {
    for (const flags of [['--user', 'alice'], ['--service-account', 'ns/issuer'], ['--name', 'other'], ['--image', 'two words']]) {
      const refused = await setup([...flags, '--context', 'admin']);
      assert.equal(refused.status, 2, refused.stderr);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(flags[0]!));
    }
    assert.equal((await admin('GET', `/api/v1/namespaces/${SYSTEM}`)).status, 404, 'nothing created');
  });

  it('--print: every object, the Deployment too, passes a server-side dry run, which creates nothing', async () => {
    const printed = await setup(['--print']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /^# The controller image \(deploy\/controller\/Dockerfile\):\n#   .*\n(#.*\n)*#   ENTRYPOINT \["node", "\/opt\/kubectl-tempcreds\/bin\/kubectl-tempcreds"\]/m);
    const documents = yaml.loadAll(printed.stdout).filter(Boolean) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[];
    for (const kind of ['CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment']) {
      assert.ok(documents.some((document) => document.kind === kind), `prints a ${kind}`);
    }
    // A dry run stores nothing, so the objects in the controller's namespace need that namespace first.
    assert.equal((await kubectl(['create', 'namespace', SYSTEM])).status, 0);
    assert.match(printed.stdout, /^---\n# Only where the API server serves MutatingAdmissionPolicy \(setup --controller applies it only there\).*\n(#.*\n)*apiVersion: admissionregistration.k8s.io\/v1\nkind: MutatingAdmissionPolicy\n/m);
    for (const printedDocument of documents) {
      // The request stamp is printed at v1 (Kubernetes 1.36); this 1.35 server serves the same fields at v1beta1.
      const document = printedDocument.kind.startsWith('MutatingAdmissionPolicy') ? { ...printedDocument, apiVersion: 'admissionregistration.k8s.io/v1beta1' } : printedDocument;
      const dryRun = await kubectl(['apply', '--server-side', '--field-manager=kubectl-tempcreds', '--dry-run=server', '-f', '-'], JSON.stringify(document));
      assert.equal(dryRun.status, 0, `${document.kind} ${document.metadata.name}: ${dryRun.stderr}`);
      assert.match(dryRun.stdout, /serverside-applied \(server dry run\)/);
    }
    assert.equal((await admin('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/credentialrequests.tempcreds.dev')).status, 404, 'the dry run created nothing');
    assert.equal((await admin('GET', `/apis/apps/v1/namespaces/${SYSTEM}/deployments/tempcreds-controller`)).status, 404);
  });

  it('applies with server-side apply; the second run changes nothing', async () => {
    const first = await setup(['--context', 'admin']);
    assert.equal(first.status, 0, first.stderr);
    const lines = first.stdout.split('\n').filter((line) => / (created|configured|unchanged)$/.test(line));
    assert.ok(lines.includes('deployment.apps/tempcreds-controller -n tempcreds-system created'), first.stdout);
    assert.ok(lines.includes('namespace/tempcreds-system configured'), 'the namespace made by hand gains the labels');
    for (const kind of ['mutatingadmissionpolicy', 'mutatingadmissionpolicybinding']) {
      assert.ok(lines.includes(`${kind}.admissionregistration.k8s.io/tempcreds-credentialrequests-stamp created`), `this server serves MutatingAdmissionPolicy: the stamp's ${kind} is applied`);
    }
    assert.equal((await admin('GET', '/apis/admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicies/tempcreds-credentialrequests-stamp')).status, 200);
    const second = await setup(['--context', 'admin']);
    assert.equal(second.status, 0, second.stderr);
    const again = second.stdout.split('\n').filter((line) => / (created|configured|unchanged)$/.test(line));
    assert.equal(again.length, lines.length);
    assert.deepEqual(again.filter((line) => !line.endsWith(' unchanged')), []);
    const deployment = (await admin('GET', `/apis/apps/v1/namespaces/${SYSTEM}/deployments/tempcreds-controller`)).body as { metadata: { managedFields: { manager: string; operation: string }[] } };
    assert.ok(deployment.metadata.managedFields.some(({ manager, operation }) => manager === 'kubectl-tempcreds' && operation === 'Apply'));
    controllerKubeconfig = await controllerIdentity();
  });

  it('its ServiceAccount is least privilege (SelfSubjectRulesReview): Secrets and tokens only where it serves, no wildcard, no RBAC beyond its namespaces, its Lease by name', async () => {
    for (const namespace of ['kube-system', 'default', SYSTEM]) {
      const rules = await rulesIn(namespace);
      assert.deepEqual(verbsOn(rules, '', 'secrets'), [], `no secrets in ${namespace}`);
      assert.deepEqual(verbsOn(rules, '', 'serviceaccounts/token'), [], `no tokens in ${namespace}`);
      assert.deepEqual(verbsOn(rules, 'rbac.authorization.k8s.io', 'roles'), [], `no roles in ${namespace}`);
      assert.ok(rules.every((rule) => !rule.verbs.includes('*') && !(rule.resources ?? []).includes('*')), `no wildcard in ${namespace}: ${JSON.stringify(rules)}`);
    }
    for (const namespace of SERVED) {
      const rules = await rulesIn(namespace);
      assert.deepEqual(verbsOn(rules, '', 'secrets'), ['create,delete,get,list,patch']);
      assert.deepEqual(verbsOn(rules, '', 'serviceaccounts/token'), ['create']);
    }
    const system = await rulesIn(SYSTEM);
    assert.deepEqual(verbsOn(system, 'coordination.k8s.io', 'leases').sort(), ['create', 'get,update on tempcreds-controller']);
    const anywhere = await rulesIn('default');
    assert.deepEqual(verbsOn(anywhere, 'rbac.authorization.k8s.io', 'clusterroles'), [], 'no ClusterRoles without --cluster-scoped');
    assert.deepEqual(verbsOn(anywhere, 'rbac.authorization.k8s.io', 'clusterrolebindings'), []);
    assert.deepEqual(verbsOn(anywhere, 'tempcreds.dev', 'credentialrequests'), ['delete,get,list,update,watch']);
    assert.deepEqual(verbsOn(anywhere, 'tempcreds.dev', 'credentialrequests/status'), ['update']);
    assert.deepEqual(verbsOn(anywhere, 'admissionregistration.k8s.io', 'validatingadmissionpolicies'), ['get on tempcreds-credentialrequests']);
    // Whether a requester may still use its role (asked before issuing).
    assert.deepEqual(verbsOn(anywhere, 'authorization.k8s.io', 'subjectaccessreviews'), ['create']);
  });

  it('the controller process, with that ServiceAccount\'s token, issues a request end to end: its token works where the role allows (200), not elsewhere (403)', async () => {
    const child = spawn(TEMPCREDS_BIN, ['controller', '--kubeconfig', controllerKubeconfig, '--health-addr', '127.0.0.1:0', '--id', 'deploy-test'], {
      env: { ...process.env, KUBECTL_TEMPCREDS_HOME: mkdtempSync(join(tmpdir(), 'tempcreds-home-')) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const address = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`the controller exited ${child.exitCode}: ${log}`);
      return /"msg":"serving \/healthz[^\n]*"address":"([^"]+)"/.exec(log)?.[1];
    }, { timeoutMs: 30_000, what: 'the controller to serve its probes' });
    await waitFor(async () => (await fetch(`http://${address}/readyz`)).status === 200, { timeoutMs: 30_000, what: 'the controller to be ready' });
    await waitFor(async () => ((await admin('GET', `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases/tempcreds-controller`)).body as { spec?: { holderIdentity?: string } }).spec?.holderIdentity === 'deploy-test', { timeoutMs: 30_000, what: 'the controller to lead' });

    // A role of generated rules: the issuance creates an anchor, a ServiceAccount, a Role, a RoleBinding and a token.
    const role = 'deploy-e2e';
    assert.equal((await admin('POST', '/apis/tempcreds.dev/v1alpha1/credentialroles', { apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRole', metadata: { name: role }, spec: { allowedNamespaces: [SERVED[0]], rules: PODS_READER_RULES, maxTtl: '2h' } })).status, 201);
    const alice = certificateUser('alice-deploy', [], cluster);
    await allowRequests(SERVED[0]!, alice, [role], cluster);
    const keys = await generateRequestKeyPair();
    const { name, uid } = await createRequest(alice, SERVED[0]!, { role, namespace: SERVED[0]!, ttl: '1h', requester: await whoAmI(alice), publicKey: keys.publicKey });
    const status = await waitFor(async () => {
      const request = (await admin('GET', `/apis/tempcreds.dev/v1alpha1/namespaces/${SERVED[0]}/credentialrequests/${name}`)).body as { status?: CredentialRequestStatus };
      const settled = request.status?.conditions?.find((condition) => condition.status === 'True');
      if (settled && settled.type !== 'Issued') throw new Error(`${settled.type}: ${settled.reason} ${settled.message}`);
      return settled && request.status;
    }, { timeoutMs: 60_000, what: 'the request to be issued' });
    const token = await openSealedToken(status.token!, keys.privateKey, uid);
    assert.equal((await apiRequest(cluster, { path: `/api/v1/namespaces/${SERVED[0]}/pods`, token })).status, 200);
    assert.equal((await apiRequest(cluster, { path: `/api/v1/namespaces/${SERVED[1]}/pods`, token })).status, 403);
    assert.doesNotMatch(log, /\b403\b|forbidden/i, 'no request of the controller was refused');
  });

  it('where served, a request without spec.requester is stamped by the API server with its creator and issued', async () => {
    const bob = certificateUser('bob-deploy', ['deployers'], cluster);
    await allowRequests(SERVED[0]!, bob, ['deploy-e2e'], cluster);
    const keys = await generateRequestKeyPair();
    // No requester: the spec type requires one, the API server fills it in.
    const { name, uid } = await createRequest(bob, SERVED[0]!, { role: 'deploy-e2e', namespace: SERVED[0]!, ttl: '1h', publicKey: keys.publicKey } as CredentialRequestSpec);
    const request = await waitFor(async () => {
      const current = (await admin('GET', `/apis/tempcreds.dev/v1alpha1/namespaces/${SERVED[0]}/credentialrequests/${name}`)).body as { spec: CredentialRequestSpec; status?: CredentialRequestStatus };
      const settled = current.status?.conditions?.find((condition) => condition.status === 'True');
      if (settled && settled.type !== 'Issued') throw new Error(`${settled.type}: ${settled.reason} ${settled.message}`);
      return settled && current;
    }, { timeoutMs: 60_000, what: 'the stamped request to be issued' });
    assert.deepEqual(request.spec.requester, await whoAmI(bob));
    const token = await openSealedToken(request.status!.token!, keys.privateKey, uid);
    assert.equal((await apiRequest(cluster, { path: `/api/v1/namespaces/${SERVED[0]}/pods`, token })).status, 200);
  });
});
