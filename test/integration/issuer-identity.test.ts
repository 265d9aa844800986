// The issuer identity as someone holding its credentials would use it, against the real API
// server: least privilege (403 outside the namespaces it serves), the issuer guard (refusals
// from the API server's admission, shown next to the same request passing without the guard),
// setup never taking over objects it did not create, and the commands that list leases
// working for an issuer that may not list across all namespaces. Tokens stay in memory.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { apiRequest, kubectl, waitFor } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { setupServiceAccountIssuer, type SetupIssuer } from '../helpers/issuer.ts';
import { tempcreds } from '../helpers/tempcreds.ts';

const message = (body: unknown) => String((body as { message?: string }).message ?? JSON.stringify(body));

describe('the test control plane issuer is least-privilege', () => {
  it('reads Secrets in a namespace it serves; gets 403 in kube-system, in namespaces it does not serve, and across all', async () => {
    const served = uniqueName('served');
    await createNamespace(served);
    const allowed = await kubectl(['get', 'secrets', '-n', served, '-o', 'name'], { context: 'issuer' });
    assert.equal(allowed.status, 0, allowed.stderr);
    for (const args of [['-n', 'kube-system'], ['-n', 'kube-public'], ['--all-namespaces']]) {
      const denied = await kubectl(['get', 'secrets', ...args, '-o', 'name'], { context: 'issuer' });
      assert.notEqual(denied.status, 0, `kubectl get secrets ${args.join(' ')} as the issuer succeeded`);
      const where = args[0] === '-n' ? ` in the namespace "${args[1]}"` : ' at the cluster scope';
      assert.match(denied.stderr, new RegExp(`Error from server \\(Forbidden\\): secrets is forbidden: User "tempcreds-issuer" cannot list resource "secrets" in API group ""${where}`));
    }
  });
});

describe('the issuer guard', () => {
  const cluster = testCluster();
  // The same rights (cluster-wide, ClusterRoleBindings included), with and without the guard.
  let guarded: SetupIssuer & { token: string; namespace: string };
  let unguarded: SetupIssuer & { token: string; namespace: string };

  const issuer = async (guard: boolean) => {
    const namespace = uniqueName(guard ? 'guarded' : 'unguarded');
    const made = await setupServiceAccountIssuer(cluster, { namespace, account: 'issuer', name: uniqueName('tc-guard'), extra: ['--all-namespaces', '--cluster-scoped', ...(guard ? [] : ['--no-guard'])] });
    const config = yaml.load(readFileSync(made.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    return { ...made, namespace, token: config.users[0]!.user.token };
  };
  /** The API server's answer to the request as this issuer; polled, as RBAC and admission policies reach the server through informers. */
  const answer = (as: { token: string }, request: { method: string; path: string; body?: unknown; contentType?: string }, expected: number) =>
    waitFor(
      async () => {
        const response = await apiRequest({ ...request, token: as.token });
        return response.status === expected ? response : undefined;
      },
      { timeoutMs: 20_000, what: `${request.method} ${request.path} to answer ${expected}` },
    );

  before(async () => {
    [guarded, unguarded] = await Promise.all([issuer(true), issuer(false)]);
  });

  // Dry runs pass through authorization and admission like the real request, and change nothing.
  it('refuses to delete the cluster-admin ClusterRoleBinding, which RBAC alone allows', async () => {
    const request = { method: 'DELETE', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin?dryRun=All' };
    await answer(unguarded, request, 200);
    const refused = await answer(guarded, request, 403);
    assert.match(message(refused.body), new RegExp(`^clusterrolebindings.rbac.authorization.k8s.io "cluster-admin" is forbidden: ValidatingAdmissionPolicy '${guarded.clusterRole}' with binding '${guarded.clusterRole}' denied request: the kubectl-tempcreds issuer may update or delete only objects labelled app.kubernetes.io/managed-by=kubectl-tempcreds$`));
  });

  it('refuses to create a non-expiring kubernetes.io/service-account-token Secret, labelled or not', async () => {
    for (const labels of [{}, { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds' }]) {
      const body = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { generateName: 'forever-', labels, annotations: { 'kubernetes.io/service-account.name': 'issuer' } } };
      // RBAC allows it (admission runs after authorization): only the guard of the issuers serving
      // its namespace stops the unguarded one, a ServiceAccount there, as it stops any.
      const stopped = await answer(unguarded, { method: 'POST', path: `/api/v1/namespaces/${unguarded.namespace}/secrets?dryRun=All`, body }, 403);
      assert.match(message(stopped.body), /denied request: ServiceAccounts in the namespaces the kubectl-tempcreds issuer serves may not create kubernetes.io\/service-account-token Secrets/);
      const refused = await answer(guarded, { method: 'POST', path: `/api/v1/namespaces/${guarded.namespace}/secrets?dryRun=All`, body }, 403);
      // The issuer is also a ServiceAccount where issuers serve: whichever policy answers first refuses.
      assert.match(message(refused.body), /denied request: (the kubectl-tempcreds issuer may create or update only Opaque Secrets labelled app.kubernetes.io\/managed-by=kubectl-tempcreds \(lease anchors\)|ServiceAccounts in the namespaces the kubectl-tempcreds issuer serves may not create kubernetes.io\/service-account-token Secrets \(tokens that never expire\))$/);
    }
  });

  it('refuses a token not bound to a Secret, deleting a ServiceAccount no lease created, and a label patch that would make a Secret deletable', async () => {
    const token = (namespace: string) => ({ method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts/issuer/token`, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } });
    await answer(unguarded, token(unguarded.namespace), 201);
    assert.match(message((await answer(guarded, token(guarded.namespace), 403)).body), /denied request: the kubectl-tempcreds issuer may request only tokens bound to a Secret \(boundObjectRef\)/);

    const deleteAccount = (namespace: string) => ({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/serviceaccounts/issuer?dryRun=All` });
    await answer(unguarded, deleteAccount(unguarded.namespace), 200);
    assert.match(message((await answer(guarded, deleteAccount(guarded.namespace), 403)).body), /denied request: the kubectl-tempcreds issuer may update or delete only objects labelled/);

    const relabel = (namespace: string) => ({
      method: 'PATCH',
      path: `/api/v1/namespaces/${namespace}/secrets/victim?dryRun=All`,
      body: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds' } } },
      contentType: 'application/merge-patch+json',
    });
    for (const { namespace } of [guarded, unguarded]) {
      const created = await apiRequest({ method: 'POST', path: `/api/v1/namespaces/${namespace}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim' }, stringData: { note: 'not a lease' } }, identity: 'admin' });
      assert.equal(created.status, 201);
    }
    await answer(unguarded, relabel(unguarded.namespace), 200);
    assert.match(message((await answer(guarded, relabel(guarded.namespace), 403)).body), /denied request: the kubectl-tempcreds issuer may update or delete only objects labelled/);
  });

  it('lets the guarded issuer issue and revoke as usual', async () => {
    const tool = tempcreds(guarded.kubeconfig);
    const [gen, sa] = [uniqueName('gen'), uniqueName('sa')];
    await createServiceAccount(guarded.namespace, 'app');
    for (const args of [
      ['role', 'create', gen, '--allowed-namespaces', guarded.namespace, '--role-type', 'ClusterRole', '--allow-cluster-role-binding', '--rules', '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}'],
      ['issue', gen, '-n', guarded.namespace, '--cluster-role-binding', '-o', 'json'],
      ['role', 'create', sa, '--allowed-namespaces', guarded.namespace, '--service-account', 'app'],
      ['issue', sa, '-n', guarded.namespace, '-o', 'json'],
      // Not --all: this issuer serves every namespace, and other test files' leases live on this cluster too.
      ['revoke', '--role', gen],
      ['revoke', '--role', sa],
    ]) {
      const result = await tool.run(args);
      assert.equal(result.status, 0, `${args.slice(0, 2).join(' ')}: ${result.stderr}`);
    }
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role in (${gen},${sa})`), []);
  });
});

describe('setup never takes over objects it did not create', () => {
  const cluster = testCluster();
  const admin = tempcreds(cluster.kubeconfig);
  const foreign = uniqueName('foreign');
  const path = (kind: string, name: string) => `/apis/${kind.startsWith('ValidatingAdmission') ? 'admissionregistration.k8s.io' : 'rbac.authorization.k8s.io'}/v1/${kind.toLowerCase()}s/${name}`;
  const read = async (name: string) => (await apiRequest({ path: path('ClusterRole', name), identity: 'admin' })).body as { metadata: { resourceVersion: string; labels?: Record<string, string> }; rules?: unknown; aggregationRule?: unknown };

  before(async () => {
    const created = await apiRequest({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: foreign }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`example.com/${foreign}`]: 'true' } }] }, rules: [] },
      identity: 'admin',
    });
    assert.equal(created.status, 201);
  });
  after(async () => {
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) await apiRequest({ method: 'DELETE', path: path(kind, foreign), identity: 'admin' });
  });

  for (const name of ['admin', foreign]) {
    it(`setup --name ${name === 'admin' ? 'admin' : 'FOREIGN'} is refused with exit 2, naming the object and --force; nothing is changed`, async () => {
      const before = await read(name);
      const result = await admin.run(['setup', '--user', 'someone', '--all-namespaces', '--name', name, '--context', 'admin']);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr, `error: ClusterRole ${name} already exists and was not created by kubectl tempcreds setup; nothing was changed: choose another --name, or pass --force to overwrite it\n`);
      assert.deepEqual(await read(name), before);
      for (const kind of ['ClusterRoleBinding', 'ValidatingAdmissionPolicy']) {
        assert.equal((await apiRequest({ path: path(kind, name), identity: 'admin' })).status, 404, `${kind} ${name} was not created`);
      }
    });
  }

  it('refuses a namespace that does not exist with exit 2, before creating anything', async () => {
    const name = uniqueName('tc-missing');
    const result = await admin.run(['setup', '--user', 'someone', '--namespaces', `${name}-ns`, '--name', name, '--context', 'admin']);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr, `error: namespace ${name}-ns does not exist: create it first (kubectl create namespace ${name}-ns); nothing was changed\n`);
    for (const kind of ['ClusterRole', 'ValidatingAdmissionPolicy']) assert.equal((await apiRequest({ path: path(kind, name), identity: 'admin' })).status, 404, `${kind} ${name} was not created`);
  });

  it('--force overwrites it (its rules replaced, its aggregationRule gone)', async () => {
    const result = await admin.run(['setup', '--user', 'someone', '--all-namespaces', '--name', foreign, '--force', '--context', 'admin']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^clusterrole.rbac.authorization.k8s.io/${foreign} configured$`, 'm'));
    const after = await read(foreign);
    assert.equal(after.aggregationRule, undefined);
    assert.equal(after.metadata.labels?.['app.kubernetes.io/component'], 'issuer');
  });
});

describe('lease list, revoke, gc and doctor with an issuer that serves some namespaces only', () => {
  const cluster = testCluster();
  const namespace = uniqueName('served');
  const role = uniqueName('disc');

  before(async () => {
    await createNamespace(namespace);
    await createServiceAccount(namespace, 'app');
  });

  it('search the namespaces this machine knows (and -n) after the 403, and say so once', async () => {
    const issuing = tempcreds(cluster.kubeconfig);
    assert.equal((await issuing.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', namespace])).status, 0);
    const issued = await issuing.run(['issue', role, '-n', namespace, '-o', 'json']);
    assert.equal(issued.status, 0, issued.stderr);
    const leaseId = (JSON.parse(issued.stdout) as { lease_id: string }).lease_id;
    const warning = `Warning: the issuer (context "issuer") may not list across all namespaces (403); searched only namespace ${namespace} (from this machine's leases and roles, and -n): name another with -n NAMESPACE`;

    const doctor = await issuing.run(['doctor']);
    assert.equal(doctor.status, 0, doctor.stdout);
    assert.match(doctor.stdout, new RegExp(`^OK +permissions +"tempcreds-issuer" holds all 19 permissions the issuer needs, in namespace ${namespace}$`, 'm'));

    // Another machine: no records, no roles; -n names the namespace.
    const elsewhere = tempcreds(cluster.kubeconfig);
    const listed = await elsewhere.run(['lease', 'list', '-n', namespace]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${leaseId} +${namespace} .* cluster$`, 'm'));
    assert.match(listed.stderr, new RegExp(`^${warning.replace(/[().]/g, '\\$&')}$`, 'm'));
    // An issuer without cluster-scoped rights may not list ClusterRoles: it cannot have made any.
    const noClusterScope = await elsewhere.run(['lease', 'list', '-n', namespace, '--context', 'issuer-noescalate']);
    assert.equal(noClusterScope.status, 0, noClusterScope.stderr);
    assert.match(noClusterScope.stdout, new RegExp(`^${leaseId} `, 'm'));
    const revoked = await elsewhere.run(['revoke', '--all', '-n', namespace]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`lease "${leaseId}" revoked`));
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role}`), []);

    const gc = await issuing.run(['gc']);
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stderr, new RegExp(`searched only namespace ${namespace} `));
  });
});
