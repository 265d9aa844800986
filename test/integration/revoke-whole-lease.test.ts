// Revocation from a machine without the lease's record, on the real API server: it revokes the
// whole lease or fails saying so (exit 1), and nothing someone else may create stops it.
// Tokens stay in memory: only statuses, times and messages are asserted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiRequest, waitFor } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, listPodsStatus, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds } from '../helpers/tempcreds.ts';

describe('a copied anchor', () => {
  /** Issues a lease (of generated rules, or of an existing ServiceAccount: an anchor and nothing else), then copies its anchor into `where`. */
  async function leaseWithCopiedAnchor(where: 'the same namespace' | 'another namespace the issuer serves', kind: 'rules' | 'existing ServiceAccount') {
    const ns = uniqueName('rv-anchor');
    const other = uniqueName('rv-other');
    await createNamespace(ns);
    await createNamespace(other);
    await createServiceAccount(ns, 'app');
    const cluster = testCluster();
    const issuing = tempcreds(cluster.kubeconfig);
    const role = uniqueName('rv');
    const grant = kind === 'rules' ? ['--rules', '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}'] : ['--service-account', 'app'];
    assert.equal((await issuing.run(['role', 'create', role, ...grant, '--allowed-namespaces', `${ns},${other}`])).status, 0);
    const issued = await issuing.run(['issue', role, '-n', ns, '-o', 'json']);
    assert.equal(issued.status, 0, issued.stderr);
    const { lease_id: id, service_account_token: token } = JSON.parse(issued.stdout) as { lease_id: string; service_account_token: string };
    const suffix = id.split('/')[1]!;

    // Someone who may only create Secrets (here: in ns, or in another served namespace) copies the anchor's metadata.
    const anchors = (await apiRequest({ path: `/api/v1/namespaces/${ns}/secrets?labelSelector=${encodeURIComponent(`tempcreds.dev/lease=${suffix}`)}`, identity: 'admin' })).body as {
      items: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } }[];
    };
    assert.equal(anchors.items.length, 1);
    const { labels, annotations } = anchors.items[0]!.metadata;
    const target = where === 'the same namespace' ? ns : other;
    const copy = await apiRequest({ method: 'POST', path: `/api/v1/namespaces/${target}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'copied-anchor', labels, annotations } }, identity: 'admin' });
    assert.equal(copy.status, 201);
    const copyExists = async () => (await apiRequest({ path: `/api/v1/namespaces/${target}/secrets/copied-anchor`, identity: 'admin' })).status === 200;
    // Another machine (no record) revokes the lease by id: with the least-privilege issuer naming
    // its namespace, or (to see the other namespace too) with an issuer that lists across all.
    const revoke = () => tempcreds(cluster.kubeconfig).run(['revoke', id, ...(target === ns ? ['-n', ns] : ['--context', 'admin'])]);
    return { ns, id, token, revoke, copyExists };
  }

  for (const where of ['the same namespace', 'another namespace the issuer serves'] as const) {
    it(`in ${where} does not stop another machine from revoking the real lease, and is left alone`, async () => {
      const { ns, id, token, revoke, copyExists } = await leaseWithCopiedAnchor(where, 'rules');
      const revoked = await revoke();
      assert.equal(revoked.status, 0, `revoke ${id} from another machine: exit ${revoked.status}: ${revoked.stderr.trim()}`);
      assert.match(revoked.stderr, /Secret .*copied-anchor claims lease .* but owns nothing of it, unlike Secret .*: a copy, not deleted/);
      await waitFor(async () => (await listPodsStatus(token, ns)) === 401, { what: 'the revoked token to get 401', timeoutMs: 20_000 });
      assert.equal(await copyExists(), true, 'the copy is not the tool\'s to delete');
    });

    it(`in ${where}, of a lease that is only an anchor (an existing ServiceAccount): revoke fails (exit 1) saying why, deleting nothing`, async () => {
      const { id, revoke, copyExists } = await leaseWithCopiedAnchor(where, 'existing ServiceAccount');
      const revoked = await revoke();
      assert.equal(revoked.status, 1, `revoke ${id}: ${revoked.stderr.trim()}`);
      assert.match(revoked.stderr, /has 2 anchors \(Secrets .*copied-anchor.*\) and none owns anything to tell its own: not revoked, nothing deleted — delete the Secrets that are not its own/);
      assert.equal(await copyExists(), true);
    });
  }
});

describe('an issuer that may not list ClusterRoles', () => {
  /** A lease of generated ClusterRole rules bound cluster-wide, issued through the cluster-scoped issuer. */
  async function clusterBoundLease(prefix: string) {
    const ns = uniqueName(prefix);
    await createNamespace(ns);
    const cluster = testCluster();
    const issuing = tempcreds(cluster.kubeconfig);
    const role = uniqueName('rv');
    const rules = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';
    const created = await issuing.run(['role', 'create', role, '--rules', rules, '--role-type', 'ClusterRole', '--allow-cluster-role-binding', '--allowed-namespaces', ns]);
    assert.equal(created.status, 0, created.stderr);
    const issued = await issuing.run(['issue', role, '-n', ns, '--cluster-role-binding', '-o', 'json']);
    assert.equal(issued.status, 0, issued.stderr);
    const { lease_id: id, service_account_name: account, service_account_token: token } = JSON.parse(issued.stdout) as { lease_id: string; service_account_name: string; service_account_token: string };
    const name = `tc-${role}-${id.split('/')[1]}`;
    const everything = [`ClusterRole ${name}`, `ClusterRoleBinding ${name}`, `Secret ${ns}/${name}`, `ServiceAccount ${ns}/${account}`].sort();
    return { ns, cluster, issuing, id, account, token, everything, left: () => objectsLabelled(`tempcreds.dev/lease=${id.split('/')[1]}`) };
  }

  it('does not revoke a lease of another issuer by halves, leaving its ClusterRoleBinding to whoever re-creates the ServiceAccount', async () => {
    const { ns, cluster, id, account, everything, left: leftOf } = await clusterBoundLease('rv-half');

    // Another machine revokes it through an issuer set up without --cluster-scoped (403 on ClusterRoles).
    const elsewhere = tempcreds(cluster.kubeconfig);
    const revoked = await elsewhere.run(['revoke', id, '-n', ns, '--context', 'issuer-noescalate']);
    const left = await leftOf();
    if (revoked.status === 0 && left.length > 0) {
      // What that leaves: a namespace writer re-creates the ServiceAccount and holds the lease's cluster-wide rules.
      await createServiceAccount(ns, account);
      const request = await apiRequest({ method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts/${account}/token`, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } }, identity: 'admin' });
      const token = (request.body as { status: { token: string } }).status.token;
      const status = await listPodsStatus(token, 'kube-system');
      assert.fail(`revoke exited 0 (${revoked.stdout.trim()}) but left ${left.join(', ')}; a re-created ServiceAccount ${ns}/${account} then lists pods in kube-system: HTTP ${status}`);
    }
    assert.equal(revoked.status, 1, revoked.stderr);
    assert.match(revoked.stderr, /may not list \(403\): not revoked, its anchor and ServiceAccount are kept .* --cluster-scoped/);
    assert.deepEqual(left, everything, 'nothing of the lease deleted');
    // The issuer that may: the whole lease goes.
    const whole = await elsewhere.run(['revoke', id, '-n', ns, '--context', 'issuer']);
    assert.equal(whole.status, 0, whole.stderr);
    assert.deepEqual(await leftOf(), []);
  });

  it('revoking its own record: a ClusterRoleBinding it may not delete keeps the ServiceAccount and the anchor, and says so', async () => {
    const { issuing, id, token, everything, left } = await clusterBoundLease('rv-record');
    const revoked = await issuing.run(['revoke', id, '--context', 'issuer-noescalate']);
    assert.equal(revoked.status, 1, revoked.stderr);
    assert.deepEqual(await left(), everything, 'the binding could not go, so nothing after it went');
    assert.match(revoked.stderr, /kept .*ServiceAccount .*Secret .*the lease's token works\): fix the failure above \(cluster-scoped objects need an issuer set up with --cluster-scoped\)/);
    assert.equal(await listPodsStatus(token, 'kube-system'), 200, 'the token still works, as the message says');
    assert.equal((await issuing.run(['revoke', id])).status, 0, 'the next try, through the issuer it was issued with, revokes the rest');
    assert.deepEqual(await left(), []);
  });

  it('gc through it keeps an expired lease that has a ClusterRoleBinding, and fails saying which issuer can', async () => {
    const { ns, cluster, everything, left } = await clusterBoundLease('rv-gc');
    const later = new Date(Date.now() + 48 * 3600_000).toISOString();
    const gc = await tempcreds(cluster.kubeconfig).run(['gc', '-n', ns, '--context', 'issuer-noescalate'], { env: { KUBECTL_TEMPCREDS_TEST_NOW: later, KUBECTL_TEMPCREDS_TEST_SERVER_NOW: later } });
    assert.equal(gc.status, 1, gc.stderr);
    assert.match(gc.stderr, /may not list \(403\): not revoked, its anchor and ServiceAccount are kept/);
    assert.deepEqual(await left(), everything);
  });
});
