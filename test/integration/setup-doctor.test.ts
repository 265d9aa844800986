// First run: `setup` prints or applies the issuer identity (the rules of core/issuer-rbac.ts, the guard),
// and `doctor` checks an issuer — naming exactly the permission an admin took away, and
// passing again once it is back. Real API server, real RBAC answers.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { issuerClusterRules, issuerNamespaceRules } from '../../src/core/issuer-rbac.ts';
import { apiRequest, waitFor } from '../helpers/cluster.ts';
import { testCluster, uniqueName } from '../helpers/fixtures.ts';
import { setupServiceAccountIssuer, type SetupIssuer } from '../helpers/issuer.ts';
import { runProcess, tempcreds, type RunResult } from '../helpers/tempcreds.ts';

type Document = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; rules?: unknown; roleRef?: { name: string }; subjects?: unknown[] };

const documents = (result: RunResult) => yaml.loadAll(result.stdout).filter(Boolean) as Document[];
const failures = (result: RunResult) => result.stdout.split('\n').filter((line) => line.startsWith('FAIL'));

describe('setup --print', () => {
  const tool = tempcreds(testCluster().kubeconfig);

  it('prints a ServiceAccount, the guard, a ClusterRole reading namespaces, and a Role (with escalate/bind) per namespace, needing no cluster', async () => {
    const result = await tool.run(['setup', '--service-account', 'tempcreds/issuer', '--namespaces', 'team-a,team-b', '--print', '--kubeconfig', '/nonexistent']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^# kubectl-tempcreds issuer identity for system:serviceaccount:tempcreds:issuer, in namespaces team-a, team-b, with escalate\/bind, with the issuer guard \(tokens of at most 24h\)\./);
    const printed = documents(result);
    assert.deepEqual(printed.map(({ kind, metadata }) => `${kind} ${metadata.namespace ?? ''}`.trim()), [
      'ServiceAccount tempcreds', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy', 'ClusterRole', 'ClusterRoleBinding',
      'ValidatingAdmissionPolicyBinding', 'Role team-a', 'RoleBinding team-a', 'ValidatingAdmissionPolicyBinding', 'Role team-b', 'RoleBinding team-b',
      'CustomResourceDefinition',
    ]);
    const [account, , , , clusterRole, clusterBinding, , role] = printed;
    assert.deepEqual(account!.metadata, { name: 'issuer', namespace: 'tempcreds', labels: { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'issuer' }, annotations: {} });
    assert.deepEqual(clusterRole!.rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }]);
    assert.deepEqual(role!.rules, issuerNamespaceRules(true));
    assert.equal(clusterBinding!.roleRef!.name, 'kubectl-tempcreds-issuer');
    assert.deepEqual(clusterBinding!.subjects, [{ kind: 'ServiceAccount', namespace: 'tempcreds', name: 'issuer' }]);
  });

  it('puts --max-ttl into both guard policies, and refuses one no TokenRequest may ask for (exit 2)', async () => {
    const result = await tool.run(['setup', '--user', 'ci-issuer', '--namespaces', 'ci', '--max-ttl', '80h', '--print']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /with the issuer guard \(tokens of at most 80h\)\./);
    const caps = documents(result).filter(({ kind }) => kind === 'ValidatingAdmissionPolicy').map((policy) => JSON.stringify(policy).match(/expirationSeconds <= (\d+)/)?.[1]);
    assert.deepEqual(caps, ['288000', '288000']);
    const refused = await tool.run(['setup', '--user', 'ci-issuer', '--namespaces', 'ci', '--max-ttl', '5m', '--print']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--max-ttl "5m" must be a duration from 10m/);
    assert.equal(refused.stdout, '');
  });

  it('leaves escalate/bind out with --no-escalate, the guard with --no-guard, and binds a user with --user', async () => {
    const result = await tool.run(['setup', '--user', 'ci-issuer', '--all-namespaces', '--cluster-scoped', '--no-escalate', '--no-guard', '--name', 'ci', '--print']);
    assert.equal(result.status, 0, result.stderr);
    const header = result.stdout.split('\n').filter((line) => line.startsWith('# ')).map((line) => line.slice(2)).join(' ');
    assert.match(header, /Without escalate\/bind \(--no-escalate\) Kubernetes lets the issuer grant only permissions it holds itself/);
    assert.match(header, /In the namespaces it serves it can still mint tokens for any ServiceAccount/);
    const [role, binding] = documents(result);
    assert.deepEqual(role!.rules, issuerClusterRules({ withEscalation: false, allNamespaces: true, clusterScoped: true }));
    assert.deepEqual(binding!.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ci-issuer' }]);
    assert.deepEqual(documents(result).map(({ kind }) => kind), ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
  });

  it('refuses a missing or malformed subject, and no namespaces, with exit 2', async () => {
    const unscoped = await tool.run(['setup', '--user', 'ci-issuer', '--print']);
    assert.equal(unscoped.status, 2);
    assert.match(unscoped.stderr, /^error: say where the issuer works: --namespaces NS\[,NS…\] \(a Role and RoleBinding in each\) or --all-namespaces/);
    for (const args of [[], ['--service-account', 'no-slash'], ['--service-account', 'Bad_NS/x'], ['--user', 'a', '--service-account', 'b/c'], ['--user', 'a', '--namespaces', 'Bad_NS']]) {
      const result = await tool.run(['setup', '--print', ...args]);
      assert.equal(result.status, 2, `setup ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^error: /);
    }
  });
});

describe('setup as the admin, then doctor as the new issuer', () => {
  const cluster = testCluster();
  const namespace = uniqueName('issuer');
  const name = uniqueName('tc-issuer');
  let issuer: SetupIssuer;
  let tool: ReturnType<typeof tempcreds>;
  const doctor = () => tool.run(['doctor']);

  before(async () => {
    issuer = await setupServiceAccountIssuer(cluster, { namespace, account: 'issuer', name, extra: ['--all-namespaces', '--cluster-scoped'] });
    tool = tempcreds(issuer.kubeconfig);
  });

  it('creates the ServiceAccount, guard, ClusterRole and binding, and is idempotent', async () => {
    const applied = (state: string) => [
      `serviceaccount/issuer -n ${namespace} ${state}`,
      `validatingadmissionpolicy.admissionregistration.k8s.io/${name} ${state}`,
      `validatingadmissionpolicybinding.admissionregistration.k8s.io/${name} ${state}`,
      `validatingadmissionpolicy.admissionregistration.k8s.io/${name}-accounts ${state}`,
      `validatingadmissionpolicybinding.admissionregistration.k8s.io/${name}-accounts ${state}`,
      `clusterrole.rbac.authorization.k8s.io/${name} ${state}`,
      `clusterrolebinding.rbac.authorization.k8s.io/${name} ${state}`,
    ];
    assert.deepEqual(issuer.setup.stdout.split('\n').slice(0, 7), applied('created'));
    assert.match(issuer.setup.stderr, /may grant permissions it does not hold \(escalate\/bind\) in every namespace, plus ClusterRoles and ClusterRoleBindings/);
    const again = await tempcreds(cluster.kubeconfig).run(['setup', '--service-account', `${namespace}/issuer`, '--all-namespaces', '--cluster-scoped', '--name', name, '--context', 'admin']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(again.stdout.split('\n').slice(0, 7), applied('unchanged'));
  });

  it('doctor passes for the new issuer', async () => {
    const result = await doctor();
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.deepEqual(failures(result), []);
    assert.match(result.stdout, new RegExp(`^OK +permissions +"system:serviceaccount:${namespace}:issuer" holds all \\d+ permissions`, 'm'));
    assert.match(result.stdout, /^OK +TokenRequest/m);
    assert.match(result.stdout, /^OK +escalation/m);
    assert.match(result.stdout, /^OK +token cache +the OS keychain answers/m);
  });

  for (const { resource, verb, named } of [
    { resource: 'secrets', verb: 'delete', named: 'delete secrets' },
    { resource: 'serviceaccounts/token', verb: 'create', named: 'create serviceaccounts/token' },
  ]) {
    it(`names exactly "${named}" when the admin removes it, and passes again once it is back`, async () => {
      const path = `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`;
      const original = (await apiRequest({ path, identity: 'admin' })).body as { rules: { resources: string[]; verbs: string[] }[] };
      const rules = original.rules
        .map((rule) => (rule.resources.includes(resource) ? { ...rule, verbs: rule.verbs.filter((candidate) => candidate !== verb) } : rule))
        .filter((rule) => rule.verbs.length > 0);
      assert.notDeepEqual(rules, original.rules);
      const put = async (body: unknown) => assert.equal((await apiRequest({ method: 'PUT', path, body, identity: 'admin' })).status, 200);
      await put({ ...original, rules });
      try {
        // RBAC reaches the authorizer through an informer: poll for it, never sleep blindly.
        const broken = await waitFor(async () => {
          const result = await doctor();
          return result.status !== 0 && result;
        }, { timeoutMs: 20_000, what: `doctor to notice the missing ${named}` });
        assert.equal(broken.status, 1);
        assert.deepEqual(failures(broken).map((line) => line.replace(/\s+/g, ' ')), [`FAIL permissions "system:serviceaccount:${namespace}:issuer" cannot ${named} (cluster-wide)`]);
        assert.match(broken.stdout, new RegExp(`fix: as an admin: kubectl tempcreds setup --service-account ${namespace}/issuer --all-namespaces --cluster-scoped --context ADMIN_CONTEXT`));
        assert.match(broken.stderr, /^error: 1 check failed/m);
      } finally {
        await put({ ...original, metadata: { ...(original as unknown as { metadata: object }).metadata, resourceVersion: undefined } });
      }
      const healed = await waitFor(async () => {
        const result = await doctor();
        return result.status === 0 && result;
      }, { timeoutMs: 20_000, what: 'doctor to pass again' });
      assert.deepEqual(failures(healed), []);
    });
  }

  it("fails on a role whose issuer context is not in the kubeconfig, and passes once it names one that is", async () => {
    const role = uniqueName('ctx');
    const created = await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', namespace, '--issuer-context', 'gone-issuer']);
    assert.equal(created.status, 0, created.stderr);
    const broken = await doctor();
    assert.equal(broken.status, 1);
    assert.deepEqual(failures(broken).map((line) => line.replace(/\s+/g, ' ')), [`FAIL roles role "${role}" issues through context "gone-issuer", which the kubeconfig does not have`]);
    assert.match(broken.stdout, new RegExp(`fix: kubectl tempcreds role update ${role} --issuer-context CONTEXT`));
    const current = (await runProcess('kubectl', ['--kubeconfig', issuer.kubeconfig, 'config', 'current-context'])).stdout.trim();
    assert.equal((await tool.run(['role', 'update', role, '--issuer-context', current])).status, 0);
    const healed = await doctor();
    assert.equal(healed.status, 0, healed.stdout);
    assert.match(healed.stdout, /^OK +roles +1 role\(s\)$/m);
    assert.equal((await tool.run(['role', 'delete', role])).status, 0);
  });

  it('fails on a context that is not in the kubeconfig, and on a state directory open to others', async () => {
    const result = await tool.run(['doctor', '--context', 'no-such-context']);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^FAIL +kubeconfig +context "no-such-context" is not in the kubeconfig/m);
    const roles = join(tool.home, 'roles');
    mkdirSync(roles, { recursive: true });
    chmodSync(roles, 0o755);
    const open = await doctor();
    assert.equal(open.status, 1);
    assert.deepEqual(failures(open).map((line) => line.replace(/\s+/g, ' ')), [`FAIL state ${roles} is open to others (mode 755; want 700)`]);
    assert.match(open.stdout, new RegExp(`fix: chmod 700 ${roles}`));
  });
});
