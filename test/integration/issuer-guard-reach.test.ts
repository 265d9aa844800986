// The issuer guard on the real API server: a stolen issuer credential is no path to a token
// that outlives `setup --max-ttl`, neither directly nor through a ServiceAccount it makes and
// binds (adversarial review of #13, findings 2 and 3). Tokens stay in memory: only statuses,
// times and messages are asserted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiRequest, kubectl, waitFor } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds } from '../helpers/tempcreds.ts';

const managed = { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds' };

describe('the issuer guard and long-lived tokens', () => {
  it('refuses a TokenRequest that outlives any lease, bound to a Secret the issuer made itself', async () => {
    const ns = uniqueName('rv-guard');
    await createNamespace(ns);
    await createServiceAccount(ns, 'victim');
    // What a stolen `issuer` credential (guarded, least-privilege) can do: an Opaque Secret with
    // the managed-by label passes the guard; a token bound to it lives as long as the Secret.
    const secret = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'holder', labels: managed } };
    const made = await kubectl(['create', '-n', ns, '-f', '-', '-o', 'name'], { context: 'issuer', input: JSON.stringify(secret) });
    assert.equal(made.status, 0, made.stderr);
    const request = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 2 ** 32 - 1, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 'holder' } } };
    const answer = await waitFor(
      async () => {
        const result = await kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/serviceaccounts/victim/token`, '-f', '-'], { context: 'issuer', input: JSON.stringify(request) });
        return result.status === 0 || /forbidden|denied/i.test(result.stderr) ? result : undefined;
      },
      { timeoutMs: 20_000, what: 'the TokenRequest to be answered' },
    );
    const expires = answer.status === 0 ? (JSON.parse(answer.stdout) as { status: { expirationTimestamp: string } }).status.expirationTimestamp : undefined;
    assert.notEqual(answer.status, 0, `the guarded issuer got a token for ${ns}/victim that expires at ${expires}`);
  });

  it('cannot be stepped around: the issuer (even --no-escalate) gives its rights to a ServiceAccount of its own, which the guard does not match', async () => {
    const ns = uniqueName('rv-clone');
    await createNamespace(ns);
    await createServiceAccount(ns, 'victim');
    const as = (manifest: unknown) => kubectl(['create', '-n', ns, '-f', '-', '-o', 'name'], { context: 'issuer-noescalate', input: JSON.stringify(manifest) });
    const rbac = 'rbac.authorization.k8s.io';
    // Only rights the issuer holds itself (no escalate needed), each object labelled as a lease's
    // (a stolen credential can copy labels), and a token bound to a Secret the guard accepts.
    for (const manifest of [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'clone', labels: managed } },
      { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { name: 'clone', labels: managed }, rules: [{ apiGroups: [''], resources: ['secrets', 'serviceaccounts/token'], verbs: ['create'] }] },
      { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata: { name: 'clone', labels: managed }, roleRef: { apiGroup: rbac, kind: 'Role', name: 'clone' }, subjects: [{ kind: 'ServiceAccount', name: 'clone', namespace: ns }] },
      { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'clone-holder', labels: managed } },
    ]) {
      const made = await waitFor(async () => {
        const result = await as(manifest);
        return result.status === 0 ? result : undefined;
      }, { timeoutMs: 20_000, what: `the issuer to create ${manifest.kind} clone` });
      assert.equal(made.status, 0);
    }
    const tokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 'clone-holder' } } };
    const issued = await kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/serviceaccounts/clone/token`, '-f', '-'], { context: 'issuer-noescalate', input: JSON.stringify(tokenRequest) });
    assert.equal(issued.status, 0, issued.stderr);
    const token = (JSON.parse(issued.stdout) as { status: { token: string } }).status.token;
    // The namespace's accounts policy binding was created a moment ago: the API server loads admission
    // policies asynchronously (about a second), so a 201 is retried for a while; before the fix it stays 201.
    const refused = async (send: () => Promise<{ status: number }>) => {
      let last = await send();
      for (const deadline = Date.now() + 10_000; last.status !== 403 && Date.now() < deadline; last = await send()) await new Promise((done) => setTimeout(done, 250));
      return last;
    };
    // The clone mints what the guard exists to stop: a non-expiring token Secret for another ServiceAccount...
    const forever = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'forever', annotations: { 'kubernetes.io/service-account.name': 'victim' } } };
    const answer = await refused(() => apiRequest({ method: 'POST', path: `/api/v1/namespaces/${ns}/secrets?dryRun=All`, body: forever, token }));
    assert.equal(answer.status, 403, 'a ServiceAccount the guarded issuer made and bound created a kubernetes.io/service-account-token Secret for another ServiceAccount');
    // ...or a token for it that outlives any lease (not bound to anything the tool deletes).
    const long = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 2 ** 32 - 1 } };
    const request = await refused(() => apiRequest({ method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts/victim/token`, body: long, token }));
    assert.equal(request.status, 403, 'a ServiceAccount the guarded issuer made and bound got a token for another ServiceAccount that outlives setup --max-ttl');
  });

  it('refuses what the issuer creates without the lease label, and bindings to anything but ServiceAccounts', async () => {
    const ns = uniqueName('rv-unlabelled');
    await createNamespace(ns);
    const rbac = 'rbac.authorization.k8s.io';
    const empty = { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { name: 'empty', labels: managed }, rules: [] };
    const made = await waitFor(async () => {
      const result = await kubectl(['create', '-n', ns, '-f', '-', '-o', 'name'], { context: 'issuer-noescalate', input: JSON.stringify(empty) });
      return result.status === 0 ? result : undefined;
    }, { timeoutMs: 20_000, what: 'the issuer to create a labelled Role' });
    assert.equal(made.status, 0);
    for (const manifest of [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'plain' } },
      { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { name: 'plain' }, rules: [] },
      { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata: { name: 'plain' }, roleRef: { apiGroup: rbac, kind: 'Role', name: 'empty' }, subjects: [{ kind: 'ServiceAccount', name: 'plain', namespace: ns }] },
      // A binding to someone the issuer cannot mint tokens for, so the guard never sees them act.
      { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata: { name: 'to-a-user', labels: managed }, roleRef: { apiGroup: rbac, kind: 'Role', name: 'empty' }, subjects: [{ apiGroup: rbac, kind: 'User', name: 'mallory' }] },
    ]) {
      const result = await kubectl(['create', '-n', ns, '-f', '-', '-o', 'name', '--dry-run=server'], { context: 'issuer-noescalate', input: JSON.stringify(manifest) });
      assert.notEqual(result.status, 0, `the guarded issuer created ${manifest.kind} ${manifest.metadata.name}`);
      assert.match(result.stderr, /kubectl-tempcreds issuer/);
    }
  });

  it('issue beyond setup --max-ttl: the guard\'s 403, explained, and nothing left behind', async () => {
    const ns = uniqueName('rv-maxttl');
    await createNamespace(ns);
    await createServiceAccount(ns, 'app');
    const tool = tempcreds(testCluster().kubeconfig);
    const role = uniqueName('rv');
    assert.equal((await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', ns, '--max-ttl', '80h'])).status, 0);
    const issued = await tool.run(['issue', role, '-n', ns, '--ttl', '30h']);
    assert.equal(issued.status, 1);
    assert.match(issued.stderr, /tokens of at most 24h.*setup --max-ttl/);
    assert.match(issued.stderr, /--ttl 24h or less/);
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role}`), []);
  });
});
