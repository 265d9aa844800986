import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { reconcileRequest, type CredentialRequestObject, type ReconcileDeps, type RequestStorePort, type RoleLookup } from '../../src/app/reconcile-request.ts';
import type { CredentialRequestSpec, CredentialRequestStatus } from '../../src/core/manifests/credential-request-crd.ts';
import { REQUEST_UID_LABEL, REVOKE_FINALIZER } from '../../src/core/request-status.ts';
import type { RoleDefinition } from '../../src/core/role-spec.ts';
import { generateRequestKeyPair, openSealedToken, type RequestKeyPair } from '../../src/core/sealed-token.ts';
import { FIXED_BYTES, FIXED_SUFFIX, FakeKube, NOW, RULES, role, secondsAfter } from './fakes.ts';

const UID = '0b6c5a52-8f1e-4c3a-9d2e-1f0a7b6c5d4e';
const HOUR = 3_600_000;

/** The request API in memory: resourceVersions count up, and a write on an old one conflicts, like the API server's. */
class FakeRequests implements RequestStorePort {
  stored: CredentialRequestObject | undefined;
  readonly writes: string[] = [];
  private version = 1;

  constructor(request: CredentialRequestObject) {
    this.stored = structuredClone(request);
  }

  async get(): Promise<CredentialRequestObject | undefined> {
    return structuredClone(this.stored);
  }

  private replace(request: CredentialRequestObject, change: (stored: CredentialRequestObject) => void, what: string): CredentialRequestObject | 'conflict' {
    if (!this.stored || this.stored.metadata.resourceVersion !== request.metadata.resourceVersion) {
      this.writes.push(`${what}: conflict`);
      return 'conflict';
    }
    change(this.stored);
    this.stored.metadata.resourceVersion = String(++this.version);
    this.writes.push(what);
    return structuredClone(this.stored);
  }

  async writeStatus(request: CredentialRequestObject, status: CredentialRequestStatus) {
    const reasons = (status.conditions ?? []).map((condition) => `${condition.type}=${condition.status}/${condition.reason}`).join(',');
    return this.replace(request, (stored) => void (stored.status = structuredClone(status)), `status ${reasons}`);
  }

  async writeFinalizers(request: CredentialRequestObject, finalizers: string[]) {
    const result = this.replace(request, (stored) => void (stored.metadata.finalizers = [...finalizers]), `finalizers [${finalizers.join(',')}]`);
    // Like the API server: a deleted object goes once its last finalizer does.
    if (result !== 'conflict' && finalizers.length === 0 && this.stored?.metadata.deletionTimestamp) this.stored = undefined;
    return result;
  }

  async delete(request: CredentialRequestObject): Promise<void> {
    this.writes.push(`delete ${request.metadata.name}`);
    if (this.stored?.metadata.finalizers?.length) this.stored.metadata.deletionTimestamp = NOW.toISOString();
    else this.stored = undefined;
  }

  /** What a requester (or kubectl delete) does: marks it deleted, the finalizer keeps it. */
  markDeleted(): void {
    this.stored!.metadata.deletionTimestamp = NOW.toISOString();
    this.stored!.metadata.resourceVersion = String(++this.version);
  }

  get conditions(): string[] {
    return (this.stored?.status?.conditions ?? []).map((condition) => `${condition.type}=${condition.status}/${condition.reason}`);
  }
}

let keys: RequestKeyPair;
before(async () => {
  keys = await generateRequestKeyPair();
});

const reader = role('reader', { rules: RULES, maxTtl: '2h', defaultAudiences: ['vault'] });

/** A request in its target namespace (as the client creates it), unless `requestNamespace` says otherwise. */
function request(spec: Partial<CredentialRequestSpec> = {}, status?: CredentialRequestStatus, requestNamespace?: string): CredentialRequestObject {
  const full: CredentialRequestSpec = { role: 'reader', namespace: 'dev', requester: { username: 'alice' }, publicKey: keys.publicKey, ...spec };
  return {
    metadata: { name: 'req-1', namespace: requestNamespace ?? full.namespace, uid: UID, resourceVersion: '1', generation: 1 },
    spec: full,
    ...(status ? { status } : {}),
  };
}

function fixture(object: CredentialRequestObject, { roles = [reader], invalid = {}, serverNow = NOW, mayUse = true }: { roles?: RoleDefinition[]; invalid?: Record<string, string>; serverNow?: Date; mayUse?: boolean } = {}) {
  const clock = { server: serverNow };
  const kube = new FakeKube(undefined, () => clock.server);
  const requests = new FakeRequests(object);
  /** The access reviews asked: requester and role. */
  const reviews: string[] = [];
  const deps: ReconcileDeps = {
    requests,
    kube,
    access: {
      mayUse: async (requester, role) => {
        reviews.push(`${requester.username} use ${role}`);
        return mayUse;
      },
    },
    getRole: async (name): Promise<RoleLookup> => (invalid[name] ? { invalid: invalid[name]! } : (roles.find((each) => each.name === name) && { role: roles.find((each) => each.name === name)! })),
    now: () => NOW,
    randomBytes: (count) => FIXED_BYTES.subarray(0, count),
    retentionMs: HOUR,
  };
  /** Reconciles what is stored now, as the informer hands it over after each change. */
  const reconcile = async () => reconcileRequest(deps, (await requests.get())!);
  return { deps, kube, requests, clock, reconcile, reviews };
}

const liveObjects = (kube: FakeKube) => [...kube.objects.keys()].sort();
const creates = (kube: FakeKube) => kube.calls.filter((call) => call.op === 'create').length;

describe('reconcileRequest: issuance', () => {
  it('claims a lease id, adds the finalizer before anything exists, issues with the claimed id, and writes the token sealed to the request', async () => {
    const { kube, requests, reconcile } = fixture(request({ ttl: '1h' }));
    const result = await reconcile();
    assert.equal(result.did, 'issued');
    assert.deepEqual(requests.writes, ['status Issued=Unknown/Issuing', `finalizers [${REVOKE_FINALIZER}]`, 'status Issued=True/Issued']);
    const status = requests.stored!.status!;
    assert.equal(status.leaseId, `reader/${FIXED_SUFFIX}`);
    assert.equal(status.expiresAt, secondsAfter(NOW, 3600).toISOString());
    assert.equal(result.requeueAfterMs, HOUR);
    // Sealed: nothing of the token in the status but the JWE; the requester's key opens it for this request only.
    const token = await openSealedToken(status.token!, keys.privateKey, UID);
    assert.match(token, /^token-of-tc-reader-abcdefghijkl-bound-to-uid-1$/);
    assert.ok(!JSON.stringify(requests.stored).includes(token));
    await assert.rejects(openSealedToken(status.token!, keys.privateKey, 'another-uid'), /sealed for another request/);
    // Every object carries the lease's labels and the request's uid.
    for (const manifest of kube.createdManifests) {
      assert.equal(manifest.metadata.labels[REQUEST_UID_LABEL], UID);
      assert.equal(manifest.metadata.labels['tempcreds.dev/lease'], FIXED_SUFFIX);
    }
    assert.deepEqual(liveObjects(kube), ['Role dev/tc-reader-abcdefghijkl', 'RoleBinding dev/tc-reader-abcdefghijkl', 'Secret dev/tc-reader-abcdefghijkl', 'ServiceAccount dev/tc-reader-abcdefghijkl']);
  });

  it('is idempotent: an issued request that has not expired writes nothing and asks to be looked at again at expiry', async () => {
    const { requests, kube, reconcile, clock } = fixture(request());
    await reconcile();
    const writes = requests.writes.length;
    clock.server = secondsAfter(NOW, 600);
    assert.deepEqual(await reconcile(), { did: 'waiting', requeueAfterMs: 50 * 60_000 });
    assert.equal(requests.writes.length, writes);
    assert.equal(creates(kube), 4);
  });

  it('two controllers reconciling the same version: the second claim conflicts, and the lease is issued once', async () => {
    const { deps, kube, requests } = fixture(request());
    const seen = (await requests.get())!;
    const [first, second] = [await reconcileRequest(deps, seen), await reconcileRequest(deps, seen)];
    assert.equal(first.did, 'issued');
    assert.equal(second.did, 'conflict');
    assert.equal(creates(kube), 4);
    assert.equal(kube.calls.filter((call) => call.op === 'requestToken').length, 1);
  });

  it('a request claimed but never given the finalizer (the controller stopped in between) is issued by the next one', async () => {
    const { requests, reconcile } = fixture(request());
    const { deps: other } = fixture(request());
    other.requests = requests;
    other.afterApiCall = async (step) => {
      if (step === 'claim') throw new Error('killed');
    };
    await assert.rejects(reconcileRequest(other, (await requests.get())!), /killed/);
    assert.deepEqual(requests.conditions, ['Issued=Unknown/Issuing']);
    assert.equal((await reconcile()).did, 'issued');
    assert.equal(requests.stored!.status!.leaseId, `reader/${FIXED_SUFFIX}`);
  });

  it('writes nothing once this replica stopped leading', async () => {
    const { deps, requests } = fixture(request());
    const leading = new AbortController();
    leading.abort();
    deps.signal = leading.signal;
    await assert.rejects(reconcileRequest(deps, (await requests.get())!), /stopped leading/);
    assert.deepEqual(requests.writes, []);
  });
});

describe('reconcileRequest: denials (local issuance\'s decisions, and what only delegation refuses): nothing created, no finalizer', () => {
  const bindable = role('binder', { rules: RULES, roleType: 'ClusterRole' });
  const selected = role('selected', { rules: RULES, allowedNamespaces: [], namespaceSelector: { matchLabels: { team: 'a' } } });
  const cases: { name: string; spec?: Partial<CredentialRequestSpec>; requestNamespace?: string; reason: string; message: RegExp; invalid?: Record<string, string>; mayUse?: boolean }[] = [
    // Admission checked `use` at create; a grant revoked since (the request waited) refuses it now.
    { name: 'a requester no longer allowed to use the role', mayUse: false, reason: 'RoleNotAllowed', message: /^alice may no longer use CredentialRole "reader" \(RBAC verb use on credentialroles\/reader, checked again before issuing\): nothing was issued; ask an admin for a grant/ },
    // Admission refuses it; one admitted while the policy was missing or older is refused here.
    { name: 'a namespace other than the request\'s own', spec: { namespace: 'dev' }, requestNamespace: 'team', reason: 'NamespaceNotAllowed', message: /spec.namespace dev is not the namespace the request is in \(team\): a request gets tokens for its own namespace only/ },
    { name: 'unknown role', spec: { role: 'nope' }, reason: 'RoleNotFound', message: /CredentialRole "nope" does not exist/ },
    { name: 'invalid role', spec: { role: 'broken' }, invalid: { broken: 'maxTtl must be a duration' }, reason: 'RoleNotReady', message: /not valid \(maxTtl must be a duration\)/ },
    { name: 'TTL over the role\'s max', spec: { ttl: '3h' }, reason: 'TtlTooLong', message: /longer than role "reader"'s maxTtl 2h/ },
    { name: 'TTL under what TokenRequest accepts', spec: { ttl: '5m' }, reason: 'InvalidSpec', message: /too short/ },
    { name: 'namespace not allowed', spec: { namespace: 'prod' }, reason: 'NamespaceNotAllowed', message: /namespace "prod" is not in role "reader"'s allowed namespaces/ },
    { name: 'namespace not matching the selector', spec: { role: 'selected', namespace: 'dev' }, reason: 'NamespaceNotAllowed', message: /does not match its selector/ },
    { name: 'namespace that does not exist', spec: { role: 'selected', namespace: 'ghost' }, reason: 'NamespaceNotAllowed', message: /namespace "ghost" does not exist/ },
    { name: 'cluster role binding not allowed', spec: { role: 'binder', clusterRoleBinding: true }, reason: 'ClusterRoleBindingNotAllowed', message: /does not allow --cluster-role-binding/ },
    { name: 'audience the role does not name', spec: { audiences: ['https://evil.example'] }, reason: 'AudienceNotAllowed', message: /does not allow audience https:\/\/evil.example: it allows only vault/ },
    { name: 'a key with its private part', spec: { publicKey: { kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43), d: 'B'.repeat(43) } as never }, reason: 'InvalidPublicKey', message: /private key "d"/ },
  ];
  for (const { name, spec, requestNamespace, reason, message, invalid, mayUse } of cases) {
    it(`${name} → Denied/${reason}`, async () => {
      const { kube, requests, reconcile } = fixture(request(spec, undefined, requestNamespace), { roles: [reader, bindable, selected], ...(invalid ? { invalid } : {}), ...(mayUse !== undefined ? { mayUse } : {}) });
      const result = await reconcile();
      assert.deepEqual(result, { did: 'denied', reason });
      assert.deepEqual(requests.conditions, [`Issued=False/${reason}`, `Denied=True/${reason}`]);
      assert.match(requests.stored!.status!.conditions!.find((condition) => condition.type === 'Denied')!.message, message);
      assert.equal(creates(kube), 0);
      assert.deepEqual(requests.stored!.metadata.finalizers ?? [], []);
      assert.equal(requests.stored!.status!.token, undefined);
    });
  }

  it('asks RBAC, as the requester of the spec, whether it may still use the role: once, before anything is created', async () => {
    const { reviews, reconcile } = fixture(request({ requester: { username: 'alice', uid: 'u-1', groups: ['team'] } }));
    assert.equal((await reconcile()).did, 'issued');
    assert.deepEqual(reviews, ['alice use reader']);
  });

  it('an audience the role names is granted', async () => {
    const { kube, reconcile } = fixture(request({ audiences: ['vault'] }));
    assert.equal((await reconcile()).did, 'issued');
    const token = kube.calls.find((call) => call.op === 'requestToken');
    assert.deepEqual(token?.op === 'requestToken' && token.spec.audiences, ['vault']);
  });
});

describe('reconcileRequest: failures, deletion, expiry, the cleaner', () => {
  it('a failed issuance is rolled back: Failed with the reason, no objects, no finalizer', async () => {
    const { kube, requests, reconcile } = fixture(request());
    kube.failToken = true;
    const result = await reconcile();
    assert.equal(result.did, 'failed');
    assert.deepEqual(requests.conditions, ['Issued=False/IssuanceFailed', 'Failed=True/IssuanceFailed']);
    assert.match(requests.stored!.status!.conditions![1]!.message, /cannot request a token: 403 forbidden; rolled back the 4 object\(s\)/);
    assert.deepEqual(liveObjects(kube), []);
    assert.deepEqual(requests.stored!.metadata.finalizers, []);
  });

  it('an issuance interrupted after the finalizer (a crash) is failed first, then its objects are found by label and deleted', async () => {
    const { kube, requests, reconcile } = fixture(request());
    await reconcile();
    // What a crash just before the token write leaves: the claim, the finalizer, every object, no token.
    const { token: _token, expiresAt: _expiresAt, ...claimed } = requests.stored!.status!;
    requests.stored!.status = { ...claimed, conditions: [{ type: 'Issued', status: 'Unknown', reason: 'Issuing', message: '', lastTransitionTime: NOW.toISOString() }] };
    assert.equal(liveObjects(kube).length, 4);
    const result = await reconcile();
    assert.equal(result.did, 'failed');
    assert.deepEqual(requests.conditions, ['Issued=False/IssuanceFailed', 'Failed=True/IssuanceFailed']);
    assert.match(requests.stored!.status!.conditions![1]!.message, /interrupted/);
    assert.deepEqual(liveObjects(kube), []);
    assert.deepEqual(requests.stored!.metadata.finalizers, []);
  });

  it('the request changed while its lease was issued (another controller failed it): the lease is rolled back', async () => {
    const { deps, kube, requests, reconcile } = fixture(request());
    deps.afterApiCall = async (step) => {
      if (step === 'request token') {
        const stored = requests.stored!;
        requests.stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: `${stored.metadata.resourceVersion}-other` } };
      }
    };
    assert.equal((await reconcile()).did, 'conflict');
    assert.deepEqual(liveObjects(kube), []);
  });

  it('deleting an issued request revokes its lease, then removes the finalizer', async () => {
    const { kube, requests, reconcile } = fixture(request());
    await reconcile();
    requests.markDeleted();
    const result = await reconcile();
    assert.equal(result.did, 'released');
    assert.deepEqual(liveObjects(kube), []);
    assert.equal(requests.stored, undefined);
    const listed = kube.calls.find((call) => call.op === 'listManaged');
    assert.deepEqual(listed, { op: 'listManaged', selector: `app.kubernetes.io/managed-by=kubectl-tempcreds,tempcreds.dev/role=reader,tempcreds.dev/lease=${FIXED_SUFFIX},${REQUEST_UID_LABEL}=${UID}`, namespaces: ['dev'] });
  });

  it('deleting the request leaves objects no anchor vouches for (labels copied onto another object)', async () => {
    const { kube, requests, reconcile } = fixture(request());
    await reconcile();
    const labels = { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': 'reader', 'tempcreds.dev/lease': FIXED_SUFFIX, [REQUEST_UID_LABEL]: UID };
    kube.put({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'precious', namespace: 'dev', uid: 'precious-uid', labels, annotations: {} });
    requests.markDeleted();
    const result = await reconcile();
    assert.equal(result.did, 'released');
    assert.deepEqual(liveObjects(kube), ['ServiceAccount dev/precious']);
    assert.match(result.warnings!.join('\n'), /ServiceAccount dev\/precious claims lease .* not deleted/);
  });

  it('a copied anchor cannot block the revocation (a lease of an existing ServiceAccount, nothing owned to tell them apart): the anchor whose uid the status records is deleted, the copy left alone', async () => {
    const deployer = role('deployer', { serviceAccount: 'app' });
    const { kube, requests, reconcile } = fixture(request({ role: 'deployer' }), { roles: [reader, deployer] });
    assert.equal((await reconcile()).did, 'issued');
    const [anchorKey, anchor] = [...kube.objects].find(([, object]) => object.kind === 'Secret')!;
    assert.equal(requests.stored!.status!.anchorUid, anchor.uid);
    kube.put({ ...kube.metadata.get(anchorKey)!, name: 'copy', uid: 'copy-uid' });
    requests.markDeleted();
    const result = await reconcile();
    assert.equal(result.did, 'released');
    assert.deepEqual(liveObjects(kube), ['Secret dev/copy']);
    assert.match(result.warnings!.join('\n'), new RegExp(`Secret dev/copy claims lease "deployer/${FIXED_SUFFIX}" but is not the anchor its issuer recorded \\(uid ${anchor.uid}\\): a copy, not deleted`));
    assert.equal(requests.stored, undefined);
  });

  it('an anchor deleted by someone else cannot leave the cluster-wide objects behind: what names the recorded uid is deleted on revocation', async () => {
    const binder = role('binder', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true });
    const { kube, requests, reconcile } = fixture(request({ role: 'binder', clusterRoleBinding: true }), { roles: [reader, binder] });
    assert.equal((await reconcile()).did, 'issued');
    const anchorUid = requests.stored!.status!.anchorUid!;
    // Someone who may delete Secrets deletes the anchor; the garbage collector removes what it owned.
    for (const [key, object] of kube.metadata) if (object.namespace && (object.uid === anchorUid || object.owners?.includes(anchorUid))) kube.objects.delete(key), kube.metadata.delete(key);
    const left = liveObjects(kube);
    assert.ok(left.length > 0 && left.every((key) => key.startsWith('Cluster')), left.join(', '));
    requests.markDeleted();
    const result = await reconcile();
    assert.equal(result.did, 'released');
    assert.deepEqual(liveObjects(kube), []);
    assert.match(result.warnings!.join('\n'), new RegExp(`its anchor Secret \\(uid ${anchorUid}\\) was deleted by someone else; deleted what it left: ClusterRole`));
    assert.equal(requests.stored, undefined);
  });

  it('a lease whose revocation fails keeps the finalizer (the reconcile is retried)', async () => {
    const { kube, requests, reconcile } = fixture(request());
    await reconcile();
    kube.failDeletes.add('RoleBinding dev/tc-reader-abcdefghijkl');
    requests.markDeleted();
    await assert.rejects(reconcile(), /cannot revoke lease reader\/abcdefghijkl/);
    assert.deepEqual(requests.stored!.metadata.finalizers, [REVOKE_FINALIZER]);
    assert.ok(liveObjects(kube).includes('Secret dev/tc-reader-abcdefghijkl'));
  });

  it('at expiry by the API server\'s clock: Revoked/Expired, Issued False, the token dropped, the lease revoked', async () => {
    const { kube, requests, reconcile, clock } = fixture(request());
    await reconcile();
    clock.server = secondsAfter(NOW, 3600);
    const result = await reconcile();
    assert.deepEqual(result, { did: 'revoked', reason: 'Expired' });
    assert.deepEqual(requests.conditions, ['Issued=False/Expired', 'Revoked=True/Expired']);
    assert.equal(requests.stored!.status!.token, undefined);
    assert.deepEqual(liveObjects(kube), []);
    assert.deepEqual(requests.stored!.metadata.finalizers, []);
  });

  it('the cleaner: a finished request is kept for the retention, then deleted', async () => {
    const { requests, reconcile, clock } = fixture(request({ role: 'nope' }));
    await reconcile();
    clock.server = new Date(NOW.getTime() + HOUR - 1000);
    assert.deepEqual(await reconcile(), { did: 'waiting', requeueAfterMs: 1000 });
    clock.server = new Date(NOW.getTime() + HOUR);
    assert.equal((await reconcile()).did, 'deleted');
    assert.equal(requests.stored, undefined);
  });
});
