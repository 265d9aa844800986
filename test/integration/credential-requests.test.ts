// The CredentialRequest API on the real API server (#15): the CRD, its admission policy and the
// requester ClusterRole, installed as setup will (server-side apply, as the admin); requests by a
// person (client certificate) and a pipeline (ServiceAccount token) that hold only the requester
// role and `use` on one role. Nothing here issues a token: the controller is another part.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { generateRequestKeyPair, openSealedToken, sealToken } from '../../src/core/sealed-token.ts';
import type { RequestPublicKey } from '../../src/core/request-public-key.ts';
import type { CredentialRequestSpec } from '../../src/core/manifests/credential-request-crd.ts';
import { REQUESTER_CLUSTER_ROLE, TEMPCREDS_API_VERSION } from '../../src/core/delegation-names.ts';
import { requestApiManifests } from '../../src/core/manifests/request-admission.ts';
import { toYaml } from '../../src/core/structured-text.ts';
import { apiRequest, kubectl, waitFor } from '../helpers/cluster.ts';
import { createNamespace, uniqueName } from '../helpers/fixtures.ts';
import { certificateUser, serviceAccountUser, type Identity } from '../helpers/requesters.ts';

const RBAC = 'rbac.authorization.k8s.io';
const manifestsYaml = requestApiManifests().map((manifest) => toYaml(manifest)).join('---\n');

type Requester = CredentialRequestSpec['requester'];
// Bodies are Kubernetes objects and Status answers, read field by field.
type Answer = { status: number; body: any };

async function admin(method: string, path: string, body?: unknown, contentType?: string): Promise<Answer> {
  return apiRequest({ method, path, body, contentType, identity: 'admin' });
}

/** A request as `who`, its answer read field by field. */
const call = (who: Identity, request: Parameters<Identity['request']>[0]): Promise<Answer> => who.request(request);

async function created(answer: Answer, what: string): Promise<void> {
  assert.ok(answer.status === 201 || answer.status === 200, `${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Who the API server says `identity` is: what a client states as spec.requester. */
async function whoAmI(identity: Identity): Promise<Requester> {
  const answer = await call(identity, { method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  assert.equal(answer.status, 201);
  const { username, uid, groups } = (answer.body as { status: { userInfo: Requester } }).status.userInfo;
  return { username, ...(uid ? { uid } : {}), ...(groups ? { groups } : {}) };
}

describe('the CredentialRequest API: admission, schema and requester rights', () => {
  const ns = uniqueName('credreq');
  const roleX = uniqueName('role-x');
  const roleY = uniqueName('role-y');
  const team = uniqueName('team');
  let alice: Identity;
  let pipeline: Identity;
  let aliceIs: Requester;
  let pipelineIs: Requester;
  let publicKey: RequestPublicKey;
  const requests = `/apis/${TEMPCREDS_API_VERSION}/namespaces/${ns}/credentialrequests`;
  const spec = (requester: Requester, extra: Partial<CredentialRequestSpec> = {}): CredentialRequestSpec => ({ role: roleX, namespace: ns, ttl: '1h', requester, publicKey, ...extra });
  const body = (value: unknown) => ({ apiVersion: TEMPCREDS_API_VERSION, kind: 'CredentialRequest', metadata: { generateName: 'req-' }, spec: value });
  const create = (who: Identity, value: unknown, dryRun = false) => call(who, { method: 'POST', path: `${requests}${dryRun ? '?dryRun=All' : ''}`, body: body(value) });
  /** spec.role of every request in the namespace, as the admin sees them. */
  const storedRoles = async () => ((await admin('GET', requests)).body.items as { spec: { role: string } }[]).map((item) => item.spec.role).sort();

  before(async () => {
    await createNamespace(ns);
    alice = certificateUser(uniqueName('alice'), [team]);
    pipeline = await serviceAccountUser(ns, 'pipeline');
    [aliceIs, pipelineIs] = [await whoAmI(alice), await whoAmI(pipeline)];
    publicKey = (await generateRequestKeyPair()).publicKey;
  });

  it('every manifest passes a server-side dry run, then installs with server-side apply, idempotently', async () => {
    const dryRun = await kubectl(['apply', '--server-side', '--field-manager=kubectl-tempcreds', '--force-conflicts', '--dry-run=server', '-f', '-'], { context: 'admin', input: manifestsYaml });
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.match(dryRun.stdout, /customresourcedefinition.* serverside-applied \(server dry run\)/);
    for (let round = 0; round < 2; round++) {
      const applied = await kubectl(['apply', '--server-side', '--field-manager=kubectl-tempcreds', '--force-conflicts', '-f', '-'], { context: 'admin', input: manifestsYaml });
      assert.equal(applied.status, 0, applied.stderr);
      assert.equal(applied.stdout.match(/serverside-applied/g)?.length, requestApiManifests().length);
    }
    // The requester role in the namespace, `use` on role X for the team and the pipeline, nothing on Y.
    await created(await admin('POST', `/apis/${RBAC}/v1/namespaces/${ns}/rolebindings`, {
      metadata: { name: 'requesters' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: REQUESTER_CLUSTER_ROLE },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: alice.username }, { kind: 'ServiceAccount', namespace: ns, name: 'pipeline' }],
    }), 'requesters binding');
    await created(await admin('POST', `/apis/${RBAC}/v1/clusterroles`, { metadata: { name: `use-${roleX}` }, rules: [{ apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], resourceNames: [roleX], verbs: ['use'] }] }), 'use ClusterRole');
    await created(await admin('POST', `/apis/${RBAC}/v1/clusterrolebindings`, {
      metadata: { name: `use-${roleX}` },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: `use-${roleX}` },
      subjects: [{ apiGroup: RBAC, kind: 'Group', name: team }, { kind: 'ServiceAccount', namespace: ns, name: 'pipeline' }],
    }), 'use binding');
    // The CRD is served, RBAC and the policy loaded a moment after they are written: wait (dry runs, nothing stored).
    await waitFor(async () => ((await create(alice, spec(aliceIs), true)).status === 201 ? true : undefined), { timeoutMs: 20_000, what: 'a dry-run request for role X to be admitted' });
    await waitFor(async () => ((await create(alice, spec(aliceIs, { role: roleY }), true)).status === 403 ? true : undefined), { timeoutMs: 20_000, what: 'the admission policy to refuse role Y' });
  });

  it('a person with `use` on role X (through a group) creates a request for X, not for Y: refused at admission, explained, nothing created', async () => {
    const answer = await create(alice, spec(aliceIs));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.spec.requester, aliceIs);
    const refused = await create(alice, spec(aliceIs, { role: roleY }));
    assert.equal(refused.status, 403);
    assert.match(
      refused.body.message,
      new RegExp(`^credentialrequests.tempcreds.dev "req-\\w+" is forbidden: ValidatingAdmissionPolicy 'tempcreds-credentialrequests' with binding 'tempcreds-credentialrequests' denied request: ` +
        `${alice.username} may not use CredentialRole ${roleY} \\(RBAC verb use on credentialroles/${roleY}\\): ask an admin to run kubectl tempcreds role grant ${roleY} --user ${alice.username}$`),
    );
    assert.deepEqual(await storedRoles(), [roleX]);
  });

  it('a pipeline (ServiceAccount token) likewise; the fix names --serviceaccount', async () => {
    assert.equal((await create(pipeline, spec(pipelineIs))).status, 201);
    const refused = await create(pipeline, spec(pipelineIs, { role: roleY }));
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, new RegExp(`system:serviceaccount:${ns}:pipeline may not use CredentialRole ${roleY} .*role grant ${roleY} --serviceaccount ${ns}/pipeline$`));
    assert.deepEqual(await storedRoles(), [roleX, roleX]);
  });

  it('a requester bound only in its namespace asks for tokens in another: refused at admission, explained, nothing created', async () => {
    const other = uniqueName('credreq-other');
    await createNamespace(other);
    const refused = await create(alice, spec(aliceIs, { namespace: other }));
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, new RegExp(`denied request: spec.namespace ${other} is not the namespace the request is created in \\(${ns}\\): a request gets tokens for its own namespace only; create it in namespace ${other} \\(kubectl tempcreds does\\)$`));
    // Where it would have to be created, RBAC refuses (the requester role is bound in ${ns} only).
    const there = await call(alice, { method: 'POST', path: `/apis/${TEMPCREDS_API_VERSION}/namespaces/${other}/credentialrequests`, body: body(spec(aliceIs, { namespace: other })) });
    assert.equal(there.status, 403);
    assert.deepEqual(await storedRoles(), [roleX, roleX]);
    assert.deepEqual((await admin('GET', `/apis/${TEMPCREDS_API_VERSION}/namespaces/${other}/credentialrequests`)).body.items, []);
  });

  it('refuses a forged requester: another user, an added group, a missing group, a uid that is not the caller\'s', async () => {
    const forgeries: [string, Identity, Requester][] = [
      ['another user', alice, { ...aliceIs, username: 'bob' }],
      ['the pipeline, stated by alice', alice, pipelineIs],
      ['alice, claiming system:masters', alice, { ...aliceIs, groups: [...aliceIs.groups!, 'system:masters'] }],
      ['alice, leaving her team out', alice, { ...aliceIs, groups: aliceIs.groups!.filter((group) => group !== team) }],
      ['alice, with a uid', alice, { ...aliceIs, uid: 'f00d' }],
      ['the pipeline, without its uid', pipeline, { username: pipelineIs.username, groups: pipelineIs.groups! }],
    ];
    for (const [what, who, requester] of forgeries) {
      const answer = await create(who, spec(requester));
      assert.equal(answer.status, 403, `${what}: HTTP ${answer.status}`);
      assert.match(answer.body.message, new RegExp(`denied request: spec.requester must be exactly the user creating the request \\(${who.username}, with the uid and groups a SelfSubjectReview returns\\)`), what);
    }
    assert.deepEqual(await storedRoles(), [roleX, roleX]);
  });

  it('the API server refuses an oversize spec or a bad key, naming the field', async () => {
    const { publicKey: p256 } = await generateRequestKeyPair('P-256');
    const cases: [string, unknown, RegExp][] = [
      ['17 audiences', spec(aliceIs, { audiences: Array.from({ length: 17 }, (_, index) => `aud-${index}`) }), /spec.audiences: Too many: 17: must have at most 16 items/],
      ['a role name over 63 characters', spec(aliceIs, { role: 'r'.repeat(64) }), /spec.role: Too long/],
      ['a role name that is no DNS label', spec(aliceIs, { role: 'Role_X' }), /spec.role in body should match/],
      ['a namespace that is no DNS label', spec(aliceIs, { namespace: '../kube-system' }), /spec.namespace in body should match/],
      ['a TTL that is no duration', spec(aliceIs, { ttl: 'forever' }), /spec.ttl in body should match/],
      ['a username of 513 characters', spec({ ...aliceIs, username: 'u'.repeat(513) }), /spec.requester.username: Too long/],
      ['no public key', { ...spec(aliceIs), publicKey: undefined }, /spec.publicKey: Required value/],
      ['the private key', spec(aliceIs, { publicKey: { ...publicKey, d: publicKey.x } as unknown as RequestPublicKey }), /publicKey contains the private key "d": this key is no longer secret; generate a new key pair/],
      ['X25519 with a y', spec(aliceIs, { publicKey: { ...publicKey, y: publicKey.x } as RequestPublicKey }), /publicKey must be \{kty: OKP, crv: X25519, x\} or \{kty: EC, crv: P-256, x, y\}/],
      ['P-256 without y', spec(aliceIs, { publicKey: { ...p256, y: undefined } as unknown as RequestPublicKey }), /publicKey must be \{kty: OKP, crv: X25519, x\} or \{kty: EC, crv: P-256, x, y\}/],
      ['an RSA key', spec(aliceIs, { publicKey: { kty: 'RSA', crv: 'X25519', x: publicKey.x } as unknown as RequestPublicKey }), /spec.publicKey.kty: Unsupported value: "RSA"/],
      ['a short coordinate', spec(aliceIs, { publicKey: { ...publicKey, x: 'abc' } }), /spec.publicKey.x in body should match/],
    ];
    for (const [what, value, message] of cases) {
      const answer = await create(alice, value);
      assert.equal(answer.status, 422, `${what}: HTTP ${answer.status}`);
      assert.match(answer.body.message, message, what);
    }
    // A P-256 key is accepted as well as X25519.
    const p256Request = await create(alice, spec(aliceIs, { publicKey: p256 }), true);
    assert.equal(p256Request.status, 201, JSON.stringify(p256Request.body));
    assert.deepEqual(await storedRoles(), [roleX, roleX]);
  });

  it('the spec cannot be changed after create, not even by an admin; requesters cannot update at all', async () => {
    const made = await create(alice, spec(aliceIs));
    assert.equal(made.status, 201);
    const path = `${requests}/${made.body.metadata.name}`;
    const patch = { spec: { ttl: '2h', namespace: 'kube-system' } };
    const byAdmin = await admin('PATCH', path, patch, 'application/merge-patch+json');
    assert.equal(byAdmin.status, 422);
    assert.match(byAdmin.body.message, /spec: Invalid value: spec is immutable: delete the request and create a new one/);
    const byAlice = await call(alice, { method: 'PATCH', path, body: patch, contentType: 'application/merge-patch+json' });
    assert.equal(byAlice.status, 403);
    assert.equal((await admin('GET', path)).body.spec.ttl, '1h');
  });

  it('status holds only a sealed token, written through the status subresource, never by a requester', async () => {
    const { publicKey: key, privateKey } = await generateRequestKeyPair();
    const made = await create(alice, spec(aliceIs, { publicKey: key }));
    assert.equal(made.status, 201);
    const { name, uid } = made.body.metadata as { name: string; uid: string };
    const status = `${requests}/${name}/status`;
    const merge = 'application/merge-patch+json';
    // A plaintext (a JWT has three parts) is refused by the schema, so no writer can store one, and the refusal does not echo it.
    const plaintext = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(uid).toString('base64url')}.c2ln`;
    const plain = await admin('PATCH', status, { status: { token: plaintext } }, merge);
    assert.equal(plain.status, 422);
    assert.match(plain.body.message, /status.token: Invalid value: .*must be a compact JWE \(ECDH-ES, A256GCM\) sealed to spec.publicKey: a token is never stored in plaintext/);
    assert.ok(!JSON.stringify(plain.body).includes(plaintext), 'the refusal quotes the plaintext token');
    const byAlice = await call(alice, { method: 'PATCH', path: status, body: { status: { token: 'x' } }, contentType: merge });
    assert.equal(byAlice.status, 403);
    const secret = `tok.${uid}`;
    const sealed = await sealToken(secret, key, uid);
    const conditions = [{ type: 'Issued', status: 'True', reason: 'Issued', message: 'issued', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }];
    const written = await admin('PATCH', status, { status: { token: sealed, leaseId: `${roleX}/abcdefghijkl`, expiresAt: '2030-01-01T00:00:00Z', conditions, observedGeneration: 1 } }, merge);
    assert.equal(written.status, 200, JSON.stringify(written.body));
    // What the requester reads back opens with its key for this request only.
    const read = await call(alice, { path: `${requests}/${name}` });
    assert.equal(await openSealedToken(read.body.status.token, privateKey, uid), secret);
    const printed = spawnSync('kubectl', ['--kubeconfig', alice.kubeconfig, 'get', 'credreq', '-n', ns, name, '--no-headers', '-o', 'custom-columns=STATUS:.status.conditions[0].type'], { encoding: 'utf8' });
    assert.equal(printed.stdout.trim(), 'Issued');
  });

  it('prints role, target namespace, status and expiry', async () => {
    const table = spawnSync('kubectl', ['--kubeconfig', alice.kubeconfig, 'get', 'credentialrequests', '-n', ns], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout.split('\n')[0]!, /^NAME\s+ROLE\s+TARGET\s+STATUS\s+EXPIRES\s+AGE$/);
    assert.match(table.stdout, new RegExp(`${roleX}\\s+${ns}\\s+Issued\\s+2030-01-01T00:00:00Z`));
  });

  it('a requester deletes (revokes) only its own requests; the controller, admins and the namespace controller may delete any', async () => {
    const theirs = await create(pipeline, spec(pipelineIs));
    assert.equal(theirs.status, 201);
    const path = `${requests}/${theirs.body.metadata.name}`;
    const byAlice = await call(alice, { method: 'DELETE', path });
    assert.equal(byAlice.status, 403);
    assert.match(byAlice.body.message, new RegExp(`denied request: ${alice.username} may delete only its own CredentialRequests \\(deleting one revokes its lease\\); this one belongs to system:serviceaccount:${ns}:pipeline$`));
    assert.equal((await admin('GET', path)).status, 200);
    assert.equal((await call(pipeline, { method: 'DELETE', path })).status, 200);
    assert.equal((await admin('GET', path)).status, 404);
    // A namespace with a request in it still goes away: the namespace controller deletes every request.
    const doomed = uniqueName('credreq-doomed');
    await created(await admin('POST', '/api/v1/namespaces', { metadata: { name: doomed } }), 'namespace');
    const adminIs = (await admin('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })).body.status.userInfo as Requester;
    await created(await admin('POST', `/apis/${TEMPCREDS_API_VERSION}/namespaces/${doomed}/credentialrequests`, body(spec({ username: adminIs.username, groups: adminIs.groups! }, { namespace: doomed }))), 'request by the admin');
    assert.equal((await admin('DELETE', `/api/v1/namespaces/${doomed}`)).status, 200);
    await waitFor(async () => ((await admin('GET', `/api/v1/namespaces/${doomed}`)).status === 404 ? true : undefined), { timeoutMs: 60_000, what: `namespace ${doomed} to be deleted with its request` });
  });

  it('requesters hold nothing that issues or grants: no tokens, no secrets, no RBAC writes (SelfSubjectRulesReview, kubectl auth can-i)', async () => {
    for (const who of [alice, pipeline]) {
      const review = await call(who, { method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } } });
      assert.equal(review.status, 201);
      const rules = (review.body as { status: { resourceRules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[] } }).status.resourceRules;
      const granted = rules.flatMap((rule) => (rule.apiGroups ?? ['']).flatMap((group) => (rule.resources ?? []).map((resource) => `${group}/${resource}${rule.resourceNames ? `/${rule.resourceNames.join(',')}` : ''}: ${rule.verbs.join(',')}`)));
      // The requester role, `use` on role X and what every authenticated user may (reviews of itself).
      assert.deepEqual(
        granted.filter((rule) => !/^authorization\.k8s\.io\/self|^authentication\.k8s\.io\/selfsubjectreviews/.test(rule)).sort(),
        [`tempcreds.dev/credentialrequests: create,get,list,watch,delete`, `tempcreds.dev/credentialroles/${roleX}: use`].sort(),
        who.username,
      );
      const canI = (...args: string[]) => spawnSync('kubectl', ['--kubeconfig', who.kubeconfig, 'auth', 'can-i', ...args, '-n', ns], { encoding: 'utf8' }).stdout.trim();
      for (const args of [['create', 'serviceaccounts', '--subresource=token'], ['get', 'secrets'], ['list', 'secrets'], ['create', 'rolebindings'], ['create', 'clusterrolebindings'], ['bind', 'clusterroles'], ['escalate', 'roles'], ['patch', 'credentialrequests.tempcreds.dev', '--subresource=status'], ['patch', 'credentialrequests.tempcreds.dev']]) {
        assert.equal(canI(...args), 'no', `${who.username} can ${args.join(' ')}`);
      }
      assert.equal(canI('create', 'credentialrequests.tempcreds.dev'), 'yes');
      // kubectl resolves a resource through discovery, and credentialroles is another part's CRD: ask the authorizer directly.
      for (const [role, allowed] of [[roleX, true], [roleY, false]] as const) {
        const access = await call(who, { method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: 'tempcreds.dev', resource: 'credentialroles', name: role, verb: 'use' } } } });
        assert.equal(access.body.status.allowed, allowed, `${who.username} use ${role}`);
      }
    }
  });
});
