// Delegated issuance from the requester's side (#15), through the built tool with --delegated:
// real non-admin requesters (a client-certificate user, a pipeline's ServiceAccount) with `use`
// on one role and the requester ClusterRole, nothing else; the controller a real process of the
// built tool, on a control plane of this file's own. Tokens are compared, never printed.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TEMPCREDS_API_VERSION as API_VERSION } from '../../src/core/delegation-names.ts';
import { apiRequest, stopCluster } from '../controlplane/cluster.ts';
import { waitFor } from '../helpers/cluster.ts';
import { delegationCluster, type ControllerProcess, type DelegationCluster } from '../helpers/controller-process.ts';
import { allowRequests } from '../helpers/delegation.ts';
import { PODS_READER_RULES, uniqueName } from '../helpers/fixtures.ts';
import { certificateUser, serviceAccountUser, type Identity } from '../helpers/requesters.ts';
import { runProcess, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const team = uniqueName('team');
const elsewhere = uniqueName('elsewhere');
const role = uniqueName('reader');
const forbiddenRole = uniqueName('admin-role');
let world: DelegationCluster;
let controller: ControllerProcess | undefined;
let alice: Identity;
let aliceTool: Tempcreds;

const requestsIn = async (namespace: string) => ((await world.admin('GET', `/apis/${API_VERSION}/namespaces/${namespace}/credentialrequests`)).body as { items: { metadata: { name: string; uid: string }; spec: { requester: { username: string } }; status?: { token?: string; leaseId?: string } }[] }).items;
const podsStatus = async (token: string, namespace: string) => (await apiRequest(world.cluster, { path: `/api/v1/namespaces/${namespace}/pods`, token })).status;
const delegated = (tool: Tempcreds, args: string[]) => tool.run([...args, '--delegated']);

describe('delegated issuance: the client, end to end', () => {
  before(async () => {
    world = await delegationCluster([team, elsewhere]);
    await world.createRole(role, { allowedNamespaces: [team], rules: PODS_READER_RULES, maxTtl: '2h' });
    await world.createRole(forbiddenRole, { allowedNamespaces: [team], rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
    alice = certificateUser(uniqueName('alice'), ['devs'], world.cluster);
    await allowRequests(team, alice, [role], world.cluster);
    aliceTool = tempcreds(alice.kubeconfig);
  });

  after(async () => {
    await controller?.stop();
    if (world) await stopCluster(world.cluster);
  });

  it('controller down: fails after the bounded wait with the message (exit 1) and deletes its pending request', async () => {
    const result = await delegated(aliceTool, ['issue', role, '-n', team, '--wait-timeout', '3s']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /no controller answered within 3s; is it running\? see `kubectl tempcreds doctor --delegated`/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.deepEqual(await requestsIn(team), [], 'the pending request is left behind');
  });

  it('a request pending while no controller runs is issued exactly once when one starts', async () => {
    const pending = delegated(aliceTool, ['issue', role, '-n', team, '-o', 'json', '--wait-timeout', '60s']);
    await waitFor(async () => (await requestsIn(team)).length === 1 || undefined, { what: 'the request to be created' });
    controller = await world.startController();
    const result = await pending;
    assert.equal(result.status, 0, result.stderr);
    const issued = JSON.parse(result.stdout) as { lease_id: string; service_account_token: string };
    assert.equal(await podsStatus(issued.service_account_token, team), 200);
    const requests = await requestsIn(team);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.status?.leaseId, issued.lease_id);
    // Exactly one lease: one anchor Secret labelled with the request's uid.
    const anchors = await world.admin('GET', `/api/v1/namespaces/${team}/secrets?labelSelector=${encodeURIComponent(`tempcreds.dev/request-uid=${requests[0]!.metadata.uid}`)}`);
    assert.equal((anchors.body as { items: unknown[] }).items.length, 1);
  });

  it('a requester with `use` on the role and no other rights gets a token: 200 where the role allows, 403 elsewhere', async () => {
    for (const [verb, resource] of [['create', 'serviceaccounts/token'], ['get', 'secrets'], ['create', 'rolebindings'], ['create', 'clusterrolebindings'], ['update', 'credentialrequests/status']] as const) {
      const canI = await runProcess('kubectl', ['--kubeconfig', alice.kubeconfig, 'auth', 'can-i', verb, resource, '-n', team], {});
      assert.equal(canI.stdout.trim(), 'no', `${alice.username} may ${verb} ${resource}`);
    }
    const result = await delegated(aliceTool, ['issue', role, '-n', team, '-o', 'token']);
    assert.equal(result.status, 0, result.stderr);
    const token = result.stdout.trim();
    assert.equal(await podsStatus(token, team), 200);
    assert.equal(await podsStatus(token, elsewhere), 403);
    assert.ok(!controller!.stderr.join('').includes(token), 'the controller logged the token');
  });

  it('doctor --delegated as the requester: the API, the policy and its rights (what it may not read, a warning)', async () => {
    const result = await delegated(aliceTool, ['doctor', '-n', team]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /OK\s+Delegation API\s+credentialrequests\.tempcreds\.dev is served/);
    assert.match(result.stdout, new RegExp(`OK\\s+Requester\\s+may use CredentialRole ${role}`));
    assert.match(result.stdout, /WARN\s+Controller\s+Lease .*may not read it/);
  });

  it('a pipeline (a ServiceAccount token) gets one the same way', async () => {
    const pipeline = await serviceAccountUser(team, uniqueName('ci'), world.cluster);
    await allowRequests(team, pipeline, [role], world.cluster);
    const result = await delegated(tempcreds(pipeline.kubeconfig), ['issue', role, '-n', team, '-o', 'token']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(await podsStatus(result.stdout.trim(), team), 200);
  });

  it('another user who may read the requests sees only ciphertext', async () => {
    const result = await delegated(aliceTool, ['issue', role, '-n', team, '-o', 'json']);
    assert.equal(result.status, 0, result.stderr);
    const { service_account_token: token } = JSON.parse(result.stdout) as { service_account_token: string };
    const bob = certificateUser(uniqueName('bob'), [], world.cluster);
    await allowRequests(team, bob, [], world.cluster);
    const seen = await waitFor(async () => {
      const answer = await bob.request({ path: `/apis/${API_VERSION}/namespaces/${team}/credentialrequests` });
      return answer.status === 200 ? JSON.stringify(answer.body) : undefined;
    }, { what: "bob's read of the requests" });
    assert.ok(!seen.includes(token), 'the token is readable in a request');
    assert.ok(!seen.includes(token.split('.')[1]!), 'the token\'s claims are readable in a request');
    assert.match(seen, /"token":"[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/);
  });

  it('denied by the controller (a namespace the role does not allow): exit 2 with its reason and message; the request deleted', async () => {
    await allowRequests(elsewhere, alice, [role], world.cluster);
    const result = await delegated(aliceTool, ['issue', role, '-n', elsewhere]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /denied: NamespaceNotAllowed: /);
    await waitFor(async () => (await requestsIn(elsewhere)).length === 0 || undefined, { what: 'the denied request to be deleted' });
  });

  it('without `use` on a role: refused at admission, exit 2, nothing created', async () => {
    const before = (await requestsIn(team)).length;
    const result = await delegated(aliceTool, ['issue', forbiddenRole, '-n', team]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`may not use CredentialRole ${forbiddenRole}.*role grant`));
    assert.equal((await requestsIn(team)).length, before);
  });

  it('revoke ID deletes the request: the token gets 401 within 20 s', async () => {
    const result = await delegated(aliceTool, ['issue', role, '-n', team, '-o', 'json']);
    assert.equal(result.status, 0, result.stderr);
    const { lease_id: id, service_account_token: token } = JSON.parse(result.stdout) as { lease_id: string; service_account_token: string };
    const listed = await delegated(aliceTool, ['lease', 'list', '-o', 'json']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { id: string; foundIn: string }[]).some((lease) => lease.id === id && lease.foundIn === 'local+cluster'), 'lease list --delegated shows the request');
    // From another machine (no record): found among the requester's requests in -n.
    const elsewhereTool = tempcreds(alice.kubeconfig);
    const second = JSON.parse((await delegated(aliceTool, ['issue', role, '-n', team, '-o', 'json'])).stdout) as { lease_id: string; service_account_token: string };
    const remote = await delegated(elsewhereTool, ['revoke', second.lease_id, '-n', team]);
    assert.equal(remote.status, 0, remote.stderr);
    await waitFor(async () => (await podsStatus(second.service_account_token, team)) === 401 || undefined, { timeoutMs: 20_000, what: 'the token revoked from another machine to get 401' });
    const revoked = await delegated(aliceTool, ['revoke', id]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`lease "${id}" revoked`));
    await waitFor(async () => (await podsStatus(token, team)) === 401 || undefined, { timeoutMs: 20_000, what: 'the revoked token to get 401' });
    await waitFor(async () => !(await requestsIn(team)).some((request) => request.status?.leaseId === id) || undefined, { what: 'the revoked request to be gone' });
  });

  it('run --delegated: the command gets the token; the lease is revoked (its request deleted) when it exits', async () => {
    const before = new Set((await requestsIn(team)).map((request) => request.metadata.uid));
    const result = await aliceTool.run(['run', role, '-n', team, '--delegated', '--', 'kubectl', 'auth', 'can-i', 'list', 'pods']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'yes');
    await waitFor(async () => (await requestsIn(team)).every((request) => before.has(request.metadata.uid)) || undefined, { what: "run's request to be deleted" });
  });

  it('the exec plugin through real kubectl: 32 parallel cold kubectl make exactly one request; a cache hit makes no API request', async () => {
    const tool = tempcreds(alice.kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' });
    const written = await delegated(tool, ['kubeconfig', role, '-n', team, '--context', alice.username, '--context-name', 'alice-delegated']);
    assert.equal(written.status, 0, written.stderr);
    const mine = async () => (await requestsIn(team)).filter((request) => request.spec.requester.username === alice.username).map((request) => request.metadata.uid);
    const before = new Set(await mine());
    const kubectlAs = () => runProcess('kubectl', ['--kubeconfig', alice.kubeconfig, '--context', 'alice-delegated', 'get', 'pods', '-o', 'name'], { env: tool.env });
    const cold = await Promise.all(Array.from({ length: 32 }, kubectlAs));
    cold.forEach((result) => assert.equal(result.status, 0, result.stderr));
    assert.equal((await mine()).filter((uid) => !before.has(uid)).length, 1, 'exactly one CredentialRequest for 32 cold kubectl');
    // Memos are written only for files older than 2 s; then the hit path serves.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await kubectlAs()).status, 0);
    const log = readFileSync(world.cluster.auditLog, 'utf8');
    assert.ok(log.includes(`"username":"${alice.username}"`), 'the audit log names the requester as this test looks for it');
    const mark = log.length;
    for (let i = 0; i < 3; i++) assert.equal((await kubectlAs()).status, 0);
    const byAlice = readFileSync(world.cluster.auditLog, 'utf8').slice(mark).split('\n').filter((line) => line.includes(`"username":"${alice.username}"`));
    assert.deepEqual(byAlice, [], 'a cache hit made API requests as the requester');
  });

  describe('a status the controller did not write for this request is refused (an admin writes it while no controller runs)', () => {
    type Stored = { metadata: { name: string; uid: string }; status?: Record<string, unknown> & { token?: string } };
    const path = (name: string) => `/apis/${API_VERSION}/namespaces/${team}/credentialrequests/${name}`;
    /** Starts an issuance, waits for its request, writes `forge(request, donor)` into its status as an admin; the issuance's result. */
    async function forged(forge: (request: Stored, donor: Stored) => Stored['status']) {
      await controller?.stop();
      controller = undefined;
      const donor = (await requestsIn(team)).find((request) => request.spec.requester.username === alice.username && request.status?.token) as Stored;
      const before = new Set((await requestsIn(team)).map((request) => request.metadata.uid));
      const pending = delegated(aliceTool, ['issue', role, '-n', team, '-o', 'token', '--wait-timeout', '60s']);
      const request = (await waitFor(async () => (await requestsIn(team)).find((each) => !before.has(each.metadata.uid)), { what: 'the request to be created' })) as Stored;
      const written = await world.admin('PUT', `${path(request.metadata.name)}/status`, { apiVersion: API_VERSION, kind: 'CredentialRequest', ...request, status: forge(request, donor) });
      assert.equal(written.status, 200, JSON.stringify(written.body));
      const result = await pending;
      await waitFor(async () => !(await requestsIn(team)).some((each) => each.metadata.uid === request.metadata.uid) || undefined, { what: 'the refused request to be deleted' });
      return result;
    }

    it('a status copied from another request: exit 1, the request deleted, nothing printed', async () => {
      const result = await forged((_request, donor) => donor.status);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /sealed for another request, not this one/);
      assert.equal(result.stdout, '');
    });

    it('a tampered token (the header rewritten to name this request): exit 1, the request deleted', async () => {
      const result = await forged((request, donor) => {
        const [header, ...rest] = donor.status!.token!.split('.');
        const claims = { ...JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')), 'tempcreds.dev/request-uid': request.metadata.uid };
        return { ...donor.status, token: [Buffer.from(JSON.stringify(claims)).toString('base64url'), ...rest].join('.') };
      });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /cannot be opened with this request's private key: it was tampered with/);
      assert.equal(result.stdout, '');
    });
  });
});
