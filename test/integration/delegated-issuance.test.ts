// The controller's reconcile (#15) in-process against the real API server: the controller acts
// as a least-privilege identity (an issuer ServiceAccount made by setup, under its guard, plus
// request rights), requesters are a client-certificate user with `use` on one role. The token
// is opened with the requester's private key and tried: 200 where the role allows, 403
// elsewhere, 401 once the request is deleted or its lease expired.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { CredentialRequestStore } from '../../src/adapters/credential-requests.ts';
import { KubeConnection } from '../../src/adapters/kube-connections.ts';
import { KubeClient, loadKubeConfig } from '../../src/adapters/kube.ts';
import { reconcileRequest, type CredentialRequestObject, type ReconcileDeps } from '../../src/app/reconcile-request.ts';
import type { CredentialRequestSpec } from '../../src/core/manifests/credential-request-crd.ts';
import { REQUEST_UID_LABEL } from '../../src/core/request-status.ts';
import { validateRoleSpec, type RoleDefinition } from '../../src/core/role-spec.ts';
import { generateRequestKeyPair, openSealedToken, type RequestKeyPair } from '../../src/core/sealed-token.ts';
import { apiRequest, testCluster, waitFor } from '../helpers/cluster.ts';
import { allowRequests, controllerIdentity, createRequest, installRequestApi, whoAmI, type Requester } from '../helpers/delegation.ts';
import { PODS_READER_RULES, createNamespace, listPodsStatus, objectsLabelled, uniqueName } from '../helpers/fixtures.ts';
import { certificateUser, type Identity } from '../helpers/requesters.ts';

describe('delegated issuance: the reconcile against the real API server', () => {
  const ns = uniqueName('deleg');
  const elsewhere = uniqueName('deleg-else');
  const roleX = uniqueName('role-x');
  const missing = uniqueName('role-missing');
  const roleSa = uniqueName('role-sa');
  let roles: RoleDefinition[];
  let alice: Identity;
  let aliceIs: Requester;
  let keys: RequestKeyPair;
  let store: CredentialRequestStore;
  let deps: ReconcileDeps;
  let controllerKubeconfig: string;

  const spec = (extra: Partial<CredentialRequestSpec> = {}): CredentialRequestSpec => ({ role: roleX, namespace: ns, ttl: '1h', requester: aliceIs, publicKey: keys.publicKey, ...extra });
  const read = async (name: string) => (await store.get(ns, name))!;
  /** Reconciles as the controller would after each change, until `settled` holds (or the request is gone). */
  const reconcileUntil = async (name: string, settled: (request: CredentialRequestObject | undefined) => boolean, using = deps, namespace = ns) => {
    for (let round = 0; round < 8; round++) {
      const request = await store.get(namespace, name);
      if (settled(request)) return request;
      await reconcileRequest(using, request!);
    }
    throw new Error(`request ${name} did not settle: ${JSON.stringify((await store.get(namespace, name))?.status?.conditions)}`);
  };
  const trueCondition = (request: CredentialRequestObject | undefined) => request?.status?.conditions?.find((condition) => condition.status === 'True');

  before(async () => {
    const cluster = testCluster();
    await createNamespace(ns);
    await createNamespace(elsewhere);
    await installRequestApi();
    const controller = await controllerIdentity(cluster, [ns, elsewhere]);
    controllerKubeconfig = controller.kubeconfig;
    const config = loadKubeConfig({ kubeconfig: controllerKubeconfig });
    store = new CredentialRequestStore(new KubeConnection(config, config.getCurrentCluster()!.server, 15_000));
    roles = [
      validateRoleSpec(roleX, { allowedNamespaces: [ns], rules: PODS_READER_RULES, maxTtl: '2h', defaultAudiences: ['https://kubernetes.default.svc.cluster.local'] }),
      // A lease of an existing ServiceAccount: its anchor owns nothing, so a copy cannot be told apart by ownership.
      validateRoleSpec(roleSa, { allowedNamespaces: [ns], serviceAccount: 'app', maxTtl: '2h' }),
    ];
    assert.equal((await apiRequest({ method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } }, identity: 'admin' })).status, 201);
    deps = {
      requests: store,
      access: store,
      kube: new KubeClient(config),
      getRole: async (name) => {
        const found = roles.find((each) => each.name === name);
        return found && { role: found };
      },
      now: () => new Date(),
      randomBytes: (count) => randomBytes(count),
      retentionMs: 3_600_000,
    };
    alice = certificateUser(uniqueName('alice'));
    aliceIs = await whoAmI(alice);
    await allowRequests(ns, alice, [roleX, missing, roleSa]);
    await allowRequests(elsewhere, alice, [roleX]);
    keys = await generateRequestKeyPair();
  });

  it('a request by a user with `use` on the role: the token, sealed to her key, works in the allowed namespace (200), not elsewhere (403)', async () => {
    const { name, uid } = await createRequest(alice, ns, spec());
    const issued = (await reconcileUntil(name, (request) => trueCondition(request)?.type === 'Issued'))!;
    assert.match(issued.status!.leaseId!, new RegExp(`^${roleX}/[a-z0-9]{12}$`));
    const token = await openSealedToken(issued.status!.token!, keys.privateKey, uid);
    assert.ok(!JSON.stringify(issued).includes(token), 'the token never appears in plaintext');
    assert.equal(await listPodsStatus(token, ns), 200);
    assert.equal(await listPodsStatus(token, elsewhere), 403);
    assert.ok(issued.metadata.finalizers?.includes('tempcreds.dev/revoke-lease'));
    assert.equal((await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`)).length, 4);
    // Reconciling again changes nothing.
    assert.equal((await reconcileRequest(deps, issued)).did, 'waiting');
    assert.equal((await read(name)).metadata.resourceVersion, issued.metadata.resourceVersion);
  });

  it('deleting the request revokes the lease: 401 within 20 s, no labelled objects, the request gone', async () => {
    const { name, uid } = await createRequest(alice, ns, spec());
    const issued = (await reconcileUntil(name, (request) => trueCondition(request)?.type === 'Issued'))!;
    const token = await openSealedToken(issued.status!.token!, keys.privateKey, uid);
    assert.equal(await listPodsStatus(token, ns), 200);
    assert.equal((await alice.request({ method: 'DELETE', path: `/apis/tempcreds.dev/v1alpha1/namespaces/${ns}/credentialrequests/${name}` })).status, 200);
    await reconcileUntil(name, (request) => request === undefined);
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`), []);
    await waitFor(async () => (await listPodsStatus(token, ns)) === 401, { timeoutMs: 20_000, what: 'the revoked token to get 401' });
  });

  it('a copied anchor (a namespace writer copies the Secret of a lease of an existing ServiceAccount) cannot block the revocation: deleting the request deletes the anchor the status records, 401, the copy left alone', async () => {
    const { name, uid } = await createRequest(alice, ns, spec({ role: roleSa }));
    const issued = (await reconcileUntil(name, (request) => trueCondition(request)?.type === 'Issued'))!;
    const token = await openSealedToken(issued.status!.token!, keys.privateKey, uid);
    // ServiceAccount app may do nothing: authenticated (403), not refused as unknown (401).
    assert.equal(await listPodsStatus(token, ns), 403);
    const secrets = `/api/v1/namespaces/${ns}/secrets`;
    const anchors = ((await apiRequest({ path: `${secrets}?labelSelector=${encodeURIComponent(`${REQUEST_UID_LABEL}=${uid}`)}`, identity: 'admin' })).body as { items: { metadata: { name: string; uid: string; labels: Record<string, string>; annotations: Record<string, string> } }[] }).items;
    assert.equal(anchors.length, 1);
    const anchor = anchors[0]!.metadata;
    assert.equal(issued.status!.anchorUid, anchor.uid);
    const copy = `${anchor.name}-copy`;
    const copied = await apiRequest({ method: 'POST', path: secrets, identity: 'admin', body: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: copy, labels: anchor.labels, annotations: anchor.annotations } } });
    assert.equal(copied.status, 201, JSON.stringify(copied.body));
    assert.equal((await alice.request({ method: 'DELETE', path: `/apis/tempcreds.dev/v1alpha1/namespaces/${ns}/credentialrequests/${name}` })).status, 200);
    await reconcileUntil(name, (request) => request === undefined);
    await waitFor(async () => (await listPodsStatus(token, ns)) === 401, { timeoutMs: 20_000, what: 'the revoked token to get 401' });
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`), [`Secret ${ns}/${copy}`]);
  });

  it('the denial catalogue: each request gets Denied with its reason, and nothing is created', async () => {
    const cases: [Partial<CredentialRequestSpec>, string][] = [
      [{ role: missing }, 'RoleNotFound'],
      [{ ttl: '3h' }, 'TtlTooLong'],
      [{ namespace: elsewhere }, 'NamespaceNotAllowed'],
      [{ clusterRoleBinding: true }, 'ClusterRoleBindingNotAllowed'],
      [{ audiences: ['vault'] }, 'AudienceNotAllowed'],
      [{ ttl: '5m' }, 'InvalidSpec'],
    ];
    for (const [extra, reason] of cases) {
      // A request is created in its target namespace (admission refuses any other).
      const namespace = extra.namespace ?? ns;
      const { name, uid } = await createRequest(alice, namespace, spec(extra));
      const denied = (await reconcileUntil(name, (request) => trueCondition(request) !== undefined, deps, namespace))!;
      assert.deepEqual(denied.status!.conditions!.map((condition) => `${condition.type}=${condition.status}/${condition.reason}`), [`Issued=False/${reason}`, `Denied=True/${reason}`], JSON.stringify(extra));
      assert.equal(denied.status!.token, undefined);
      assert.deepEqual(denied.metadata.finalizers ?? [], []);
      assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`), [], JSON.stringify(extra));
      // The cleaner: kept for the retention (an hour here), deleted once it has passed.
      assert.equal((await reconcileRequest(deps, denied)).did, 'waiting');
      assert.equal((await reconcileRequest({ ...deps, retentionMs: 0 }, denied)).did, 'deleted');
      assert.equal(await store.get(namespace, name), undefined);
    }
  });

  it('at expiry (the API server\'s clock, a day on) the controller revokes the lease: Revoked/Expired, 401, nothing labelled left', async () => {
    const { name, uid } = await createRequest(alice, ns, spec());
    const issued = (await reconcileUntil(name, (request) => trueCondition(request)?.type === 'Issued'))!;
    const token = await openSealedToken(issued.status!.token!, keys.privateKey, uid);
    const config = loadKubeConfig({ kubeconfig: controllerKubeconfig });
    const dayOn = { ...deps, kube: new KubeClient(config, 15_000, { serverClock: (observed) => new Date(observed.getTime() + 86_400_000) }) };
    const revoked = (await reconcileUntil(name, (request) => trueCondition(request)?.type === 'Revoked', dayOn))!;
    assert.deepEqual(revoked.status!.conditions!.map((condition) => `${condition.type}=${condition.status}/${condition.reason}`), ['Issued=False/Expired', 'Revoked=True/Expired']);
    assert.equal(revoked.status!.token, undefined);
    assert.deepEqual(await objectsLabelled(`${REQUEST_UID_LABEL}=${uid}`), []);
    await waitFor(async () => (await listPodsStatus(token, ns)) === 401, { timeoutMs: 20_000, what: 'the expired lease\'s token to get 401' });
  });

  it('a watch that does not end by its deadline ends with an error (a dead connection never ends by itself)', async () => {
    const config = loadKubeConfig({ kubeconfig: controllerKubeconfig });
    const connection = new KubeConnection(config, config.getCurrentCluster()!.server, 15_000);
    let done: (error: unknown) => void = () => undefined;
    const ended = new Promise<unknown>((resolve) => (done = resolve));
    // The server would keep this one open for an hour: only the deadline ends it.
    await connection.watch(`/apis/tempcreds.dev/v1alpha1/namespaces/${ns}/credentialrequests?watch=1&timeoutSeconds=3600`, () => undefined, done, { deadlineMs: 1000 });
    assert.match(String(await ended), /did not end within 1 s/);
  });
});
