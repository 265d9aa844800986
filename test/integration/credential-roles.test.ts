// Roles in the cluster: the CredentialRole CRD that setup installs (idempotently, server-side
// apply), what the API server itself refuses (kubectl apply's exit code and message), what only
// the tool's validator catches (Ready=False on the object), RBAC on who may write and read roles,
// and the role commands with --roles cluster. Real API server, real identities.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { apiRequest, kubectl, waitFor } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { BIN_DIR, runProcess, tempcreds } from '../helpers/tempcreds.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CRD_FILE = join(ROOT, 'deploy/crds/credentialroles.tempcreds.dev.yaml');
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/credentialroles.tempcreds.dev';
const ROLES_PATH = '/apis/tempcreds.dev/v1alpha1/credentialroles';
const run = uniqueName('cr');

type Condition = { type: string; status: string; reason: string; message: string; observedGeneration: number };
type StoredRole = { metadata: { name: string; generation: number }; spec: Record<string, unknown>; status?: { observedGeneration?: number; mode?: string; conditions?: Condition[] } };

const roleYaml = (name: string, spec: unknown) => yaml.dump({ apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRole', metadata: { name }, spec });
const stored = async (name: string) => (await apiRequest({ path: `${ROLES_PATH}/${name}`, identity: 'admin' })).body as StoredRole;

async function installCrd(): Promise<void> {
  const applied = await kubectl(['--context', 'admin', 'apply', '--server-side', '--force-conflicts', '-f', CRD_FILE]);
  assert.equal(applied.status, 0, applied.stderr);
  const established = await kubectl(['--context', 'admin', 'wait', '--for=condition=Established', '--timeout=20s', 'crd/credentialroles.tempcreds.dev']);
  assert.equal(established.status, 0, established.stderr);
}

describe('setup installs the CredentialRole CRD', () => {
  const cluster = testCluster();
  const admin = tempcreds(cluster.kubeconfig);
  const name = uniqueName('tc-crd');
  const setup = () => admin.run(['setup', '--user', `${name}-issuer`, '--all-namespaces', '--name', name, '--context', 'admin']);
  const crdLine = (stdout: string) => stdout.split('\n').find((line) => line.startsWith('customresourcedefinition.apiextensions.k8s.io/credentialroles.tempcreds.dev '));

  it('applies it with the issuer (created or, once installed, unchanged), again unchanged, and converges after a change', async () => {
    const first = await setup();
    assert.equal(first.status, 0, first.stderr);
    assert.match(crdLine(first.stdout) ?? '', / (created|unchanged|configured)$/);
    const version = ((await apiRequest({ path: CRD_PATH, identity: 'admin' })).body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const again = await setup();
    assert.equal(again.status, 0, again.stderr);
    assert.equal(crdLine(again.stdout), 'customresourcedefinition.apiextensions.k8s.io/credentialroles.tempcreds.dev unchanged');
    assert.equal(((await apiRequest({ path: CRD_PATH, identity: 'admin' })).body as { metadata: { resourceVersion: string } }).metadata.resourceVersion, version);

    // An older CRD (no printer columns) is upgraded in place by the next setup.
    const patched = await apiRequest({ method: 'PATCH', path: CRD_PATH, identity: 'admin', contentType: 'application/json-patch+json', body: [{ op: 'remove', path: '/spec/versions/0/additionalPrinterColumns' }] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const upgraded = await setup();
    assert.equal(upgraded.status, 0, upgraded.stderr);
    assert.equal(crdLine(upgraded.stdout), 'customresourcedefinition.apiextensions.k8s.io/credentialroles.tempcreds.dev configured');
    const columns = ((await apiRequest({ path: CRD_PATH, identity: 'admin' })).body as { spec: { versions: { additionalPrinterColumns?: { name: string }[] }[] } }).spec.versions[0]!.additionalPrinterColumns;
    assert.deepEqual(columns?.map((column) => column.name), ['Mode', 'Namespaces', 'Default TTL', 'Max TTL', 'Ready', 'Age']);
  });

  it('the repo file is the same CRD: kubectl apply --server-side of it changes nothing setup applied', async () => {
    const before = ((await apiRequest({ path: CRD_PATH, identity: 'admin' })).body as { metadata: { generation: number } }).metadata.generation;
    await installCrd();
    assert.equal(((await apiRequest({ path: CRD_PATH, identity: 'admin' })).body as { metadata: { generation: number } }).metadata.generation, before);
  });
});

describe('CredentialRole objects and the API server', () => {
  before(installCrd);

  it('kubectl apply takes every example role in the docs, and the roles the tool writes', async () => {
    const docs = ['README.md', 'docs/design.md', 'docs/walkthrough.md'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');
    const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((block) => /kind: CredentialRole/.test(block));
    assert.ok(examples.length >= 1, 'the docs show a CredentialRole');
    const tool = tempcreds(testCluster().kubeconfig);
    // The README's and walkthrough's role create commands, written by the tool as documents.
    for (const args of [
      ['sample-app', '--service-account', 'sample-app', '--allowed-namespaces', 'demo', '--max-ttl', '80h', '--default-ttl', '1h'],
      ['existing-role', '--kubernetes-role', 'demo-role-list-pods', '--allowed-namespaces', 'demo', '--max-ttl', '72h', '--default-ttl', '2h'],
      ['rules', '--allowed-namespaces', 'default,demo', '--role-type', 'ClusterRole', '--allow-cluster-role-binding', '--max-ttl', '80h', '--default-ttl', '1h', '--rules', '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get"]}]}'],
      ['selected', '--kubernetes-role', 'view', '--role-type', 'ClusterRole', '--namespace-selector', 'team=a,tier in (dev,test)', '--default-audiences', 'api,vault', '--name-template', 'tc-{{role}}-{{lease}}', '--extra-labels', 'team=a', '--extra-annotations', 'owner=team-a', '--issuer-context', 'issuer'],
    ]) {
      const created = await tool.run(['role', 'create', ...args]);
      assert.equal(created.status, 0, created.stderr);
      examples.push((await tool.run(['role', 'get', args[0]!, '-o', 'yaml'])).stdout);
    }
    for (const [index, example] of examples.entries()) {
      const name = `${run}-example-${index}`;
      const document = yaml.load(example) as { metadata: { name: string } };
      document.metadata.name = name;
      const applied = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: yaml.dump(document) });
      assert.equal(applied.status, 0, `${example}\n${applied.stderr}`);
      assert.equal(applied.stdout.trim(), `credentialrole.tempcreds.dev/${name} created`);
    }
  });

  const refused: [string, unknown, RegExp, string?][] = [
    ['two modes', { allowedNamespaces: ['demo'], serviceAccount: 'app', kubernetesRole: 'view' }, /exactly one of serviceAccount, kubernetesRole or rules must be set/],
    ['no mode', { allowedNamespaces: ['demo'] }, /exactly one of serviceAccount, kubernetesRole or rules must be set/],
    ['defaultTtl over maxTtl', { allowedNamespaces: ['demo'], serviceAccount: 'app', defaultTtl: '11h', maxTtl: '5h' }, /defaultTtl cannot be greater than maxTtl/],
    ['a TTL under 10m', { allowedNamespaces: ['demo'], serviceAccount: 'app', defaultTtl: '5m' }, /defaultTtl must be from 10m to 4294967296s/],
    ['a TTL that is no duration', { allowedNamespaces: ['demo'], serviceAccount: 'app', maxTtl: '2 days' }, /spec\.maxTtl in body should match/],
    ['a tempcreds.dev/ extra label', { allowedNamespaces: ['demo'], serviceAccount: 'app', extraLabels: { 'tempcreds.dev/lease': 'x' } }, /extraLabels keys may not use the prefix tempcreds\.dev\//],
    ['a tempcreds.dev/ extra annotation', { allowedNamespaces: ['demo'], serviceAccount: 'app', extraAnnotations: { 'tempcreds.dev/lease-id': 'x' } }, /extraAnnotations keys may not use the prefix tempcreds\.dev\//],
    ['a roleType not in the enum', { allowedNamespaces: ['demo'], kubernetesRole: 'view', roleType: 'role' }, /spec\.roleType: Unsupported value: "role": supported values: "Role", "ClusterRole"/],
    ['roleType with serviceAccount', { allowedNamespaces: ['demo'], serviceAccount: 'app', roleType: 'ClusterRole' }, /apply only with kubernetesRole or rules, not with serviceAccount/],
    ['allowClusterRoleBinding on a Role', { allowedNamespaces: ['demo'], kubernetesRole: 'view', allowClusterRoleBinding: true }, /a ClusterRoleBinding cannot ref a Role/],
    ['roleRefType unlike roleType for rules', { allowedNamespaces: ['demo'], roleType: 'Role', roleRefType: 'ClusterRole', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, /roleRefType must match roleType for generated rules/],
    ['no rules', { allowedNamespaces: ['demo'], rules: [] }, /spec\.rules: Invalid value: 0: spec\.rules in body should have at least 1 items/],
    ['a rule without verbs', { allowedNamespaces: ['demo'], rules: [{ apiGroups: [''], resources: ['pods'] }] }, /spec\.rules\[0\]\.verbs: Required value/],
    ['a rule mixing resources and nonResourceURLs', { allowedNamespaces: ['demo'], roleType: 'ClusterRole', rules: [{ apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/healthz'], verbs: ['get'] }] }, /a rule may not mix resources and nonResourceURLs/],
    ['nonResourceURLs in a Role', { allowedNamespaces: ['demo'], rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] }, /nonResourceURLs are only allowed with roleType ClusterRole/],
    ['a namespace that is no DNS label', { allowedNamespaces: ['Bad_NS'], serviceAccount: 'app' }, /spec\.allowedNamespaces\[0\] in body should match/],
    ['"*" beside other namespaces', { allowedNamespaces: ['*', 'demo'], serviceAccount: 'app' }, /"\*" stands alone/],
    ['no namespace at all', { allowedNamespaces: [], serviceAccount: 'app' }, /no namespace could ever be used/],
    ['an empty namespaceSelector', { namespaceSelector: {}, serviceAccount: 'app' }, /namespaceSelector is empty and would match every namespace/],
    ['a selector operator not in the enum', { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Equals', values: ['a'] }] }, serviceAccount: 'app' }, /Unsupported value: "Equals"/],
    ['a ServiceAccount name that is not one', { allowedNamespaces: ['demo'], serviceAccount: 'Bad_SA' }, /spec\.serviceAccount in body should match/],
    ['a kubernetesRole with a slash', { allowedNamespaces: ['demo'], kubernetesRole: 'a/b' }, /spec\.kubernetesRole in body should match/],
    ['aggregate-to-view on generated rules', { allowedNamespaces: ['demo'], roleType: 'ClusterRole', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], extraLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, /are refused for generated rules: Kubernetes acts on them/],
    ['an unknown field', { allowedNamespaces: ['demo'], serviceAccount: 'app', serviceAcount: 'typo' }, /unknown field "spec\.serviceAcount"/],
    ['a role name that is no DNS label', { allowedNamespaces: ['demo'], serviceAccount: 'app' }, /a role name must be a DNS-1123 label/, `${run}.dotted`],
  ];

  it(`the API server itself refuses ${refused.length} kinds of invalid role: kubectl apply exits 1 with the reason, nothing is stored`, async () => {
    assert.ok(refused.length >= 15);
    for (const [index, [what, spec, message, name = `${run}-bad-${index}`]] of refused.entries()) {
      const result = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(name, spec) });
      assert.equal(result.status, 1, `${what}: ${result.stdout}`);
      assert.match(result.stderr, message, what);
      assert.equal((await apiRequest({ path: `${ROLES_PATH}/${name}`, identity: 'admin' })).status, 404, `${what}: not stored`);
    }
  });

  const toolOnly: [string, unknown, RegExp][] = [
    ['a name template with an unknown placeholder', { allowedNamespaces: ['demo'], serviceAccount: 'app', nameTemplate: 'tc-{{nope}}-{{lease}}' }, /nameTemplate has unknown placeholder \{\{nope\}\}/],
    ['a name template without {{lease}}', { allowedNamespaces: ['demo'], serviceAccount: 'app', nameTemplate: 'tc-{{role}}' }, /nameTemplate must contain \{\{lease\}\}/],
    ['an extra label key that is not one', { allowedNamespaces: ['demo'], serviceAccount: 'app', extraLabels: { 'bad key!': 'x' } }, /extraLabels key "bad key!" name part must consist of/],
    ['an extra label value that is not one', { allowedNamespaces: ['demo'], serviceAccount: 'app', extraLabels: { team: 'not ok!' } }, /extraLabels "team" value "not ok!" must be empty or consist of/],
    ['an In requirement without values', { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] }, serviceAccount: 'app' }, /namespaceSelector matchExpressions\[0\] operator In needs at least one value/],
    ['a selector label key that is not one', { namespaceSelector: { matchLabels: { '-team': 'a' } }, serviceAccount: 'app' }, /namespaceSelector matchLabels key "-team"/],
  ];

  it(`${toolOnly.length} kinds of invalid role that only the tool's validator catches: stored, then Ready=False with the reason once the tool reads them`, async () => {
    const tool = tempcreds(testCluster().kubeconfig);
    const names = toolOnly.map((_, index) => `${run}-tool-${index}`);
    for (const [index, [what, spec]] of toolOnly.entries()) {
      const result = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(names[index]!, spec) });
      assert.equal(result.status, 0, `${what}: ${result.stderr}`);
    }
    const listed = await tool.run(['role', 'list', '--roles', 'cluster', '--context', 'admin']);
    assert.equal(listed.status, 0, listed.stderr);
    for (const [index, [what, , message]] of toolOnly.entries()) {
      const role = await stored(names[index]!);
      const ready = role.status?.conditions?.find((condition) => condition.type === 'Ready');
      assert.deepEqual([ready?.status, ready?.reason, ready?.observedGeneration, role.status?.observedGeneration], ['False', 'Invalid', role.metadata.generation, role.metadata.generation], what);
      assert.match(ready!.message, message, what);
      assert.match(listed.stderr, new RegExp(`CredentialRole "${names[index]}" is not valid \\(Ready=False\\)`), what);
      assert.doesNotMatch(listed.stdout, new RegExp(names[index]!), `${what}: not listed as a role`);
    }
    const get = await tool.run(['role', 'get', names[0]!, '--roles', 'cluster', '--context', 'admin']);
    assert.equal(get.status, 1);
    assert.match(get.stderr, new RegExp(`^error: CredentialRole "${names[0]}" in the cluster of context "admin" is not valid \\(nameTemplate has unknown placeholder`));
    // Fixed, the next read makes it Ready=True for the new generation.
    const fixed = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(names[0]!, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) });
    assert.equal(fixed.status, 0, fixed.stderr);
    assert.equal((await tool.run(['role', 'get', names[0]!, '--roles', 'cluster', '--context', 'admin'])).status, 0);
    const role = await stored(names[0]!);
    assert.deepEqual([role.status?.conditions?.[0]?.status, role.status?.observedGeneration, role.status?.mode], ['True', role.metadata.generation, 'ServiceAccount']);
    // doctor with the cluster's roles: the CRD is served, and every role that is not Ready fails, with its reason.
    const doctor = await tool.run(['doctor', '--roles', 'cluster', '--context', 'admin']);
    assert.equal(doctor.status, 1, doctor.stdout);
    assert.match(doctor.stdout, /^OK +CRD +credentialroles\.tempcreds\.dev is installed and serves v1alpha1$/m);
    for (const [index, [what]] of toolOnly.entries()) {
      if (index > 0) assert.match(doctor.stdout, new RegExp(`^FAIL +roles +CredentialRole "${names[index]}" is not valid \\(Ready=False\\)`, 'm'), what);
    }
    assert.doesNotMatch(doctor.stdout, new RegExp(`CredentialRole "${names[0]}"`), 'a fixed role is Ready');
    assert.match(doctor.stdout, /fix: fix the CredentialRole \(kubectl edit credentialrole NAME/);
    const printed = await kubectl(['--context', 'admin', 'get', 'cr', names[0]!]);
    assert.match(printed.stdout, /^NAME\s+MODE\s+NAMESPACES\s+DEFAULT TTL\s+MAX TTL\s+READY\s+AGE$/m);
    assert.match(printed.stdout, new RegExp(`^${names[0]}\\s+ServiceAccount\\s+\\["demo"\\]\\s+.*True`, 'm'));
  });
});

describe('RBAC on CredentialRoles', () => {
  const cluster = testCluster();
  const user = uniqueName('someone');
  const as = ['--context', 'admin', '--as', user];
  before(installCrd);

  it('a user without RBAC for credentialroles cannot create, change or delete one (403), and reads them only once granted', async () => {
    const name = `${run}-guarded`;
    const created = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(name, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) });
    assert.equal(created.status, 0, created.stderr);
    const write = await kubectl([...as, 'apply', '-f', '-'], { input: roleYaml(`${run}-mine`, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) });
    assert.equal(write.status, 1);
    assert.match(write.stderr, new RegExp(`credentialroles\\.tempcreds\\.dev "${run}-mine" is forbidden: User "${user}" cannot (get|create|patch) resource "credentialroles"`));
    const change = await kubectl([...as, 'patch', 'cr', name, '--type=merge', '-p', '{"spec":{"serviceAccount":"admin"}}']);
    assert.equal(change.status, 1);
    assert.match(change.stderr, /Error from server \(Forbidden\)/);
    const remove = await kubectl([...as, 'delete', 'cr', name]);
    assert.equal(remove.status, 1);
    assert.match(remove.stderr, /Error from server \(Forbidden\)/);
    const read = await kubectl([...as, 'get', 'cr', name]);
    assert.equal(read.status, 1);
    assert.match(read.stderr, /Error from server \(Forbidden\)/);

    const reader = `${user}-reader`;
    for (const args of [['create', 'clusterrole', reader, '--verb=get,list,watch', '--resource=credentialroles.tempcreds.dev'], ['create', 'clusterrolebinding', reader, `--clusterrole=${reader}`, `--user=${user}`]]) {
      const granted = await kubectl(['--context', 'admin', ...args]);
      assert.equal(granted.status, 0, granted.stderr);
    }
    await waitFor(async () => (await kubectl([...as, 'get', 'cr', name])).status === 0, { what: `${user} reading CredentialRoles` });
    const stillNoWrite = await kubectl([...as, 'delete', 'cr', name]);
    assert.equal(stillNoWrite.status, 1);
    assert.match(stillNoWrite.stderr, /cannot delete resource "credentialroles"/);
    assert.equal((await apiRequest({ path: `${ROLES_PATH}/${name}`, identity: 'admin' })).status, 200);
    void cluster;
  });

  it('the tool as a ServiceAccount without rights: role create --roles cluster exits 1 with the 403 and what to ask for', async () => {
    const namespace = uniqueName('cr-sa');
    for (const [path, body] of [
      ['/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }],
      [`/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci' } }],
    ] as const) assert.equal((await apiRequest({ method: 'POST', path, body, identity: 'admin' })).status, 201);
    const token = ((await apiRequest({ method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts/ci/token`, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }, identity: 'admin' })).body as { status: { token: string } }).status.token;
    const tool = tempcreds(cluster.kubeconfig);
    const kubeconfig = join(tool.home, 'ci.kubeconfig');
    writeFileSync(
      kubeconfig,
      yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': readFileSync(cluster.caFile).toString('base64') } }],
        users: [{ name: 'ci', user: { token } }],
        contexts: [{ name: 'ci', context: { cluster: 'local', user: 'ci' } }],
        'current-context': 'ci',
      }),
      { mode: 0o600 },
    );
    const result = await tool.run(['role', 'create', `${run}-ci`, '--service-account', 'app', '--allowed-namespaces', 'demo', '--roles', 'cluster', '--kubeconfig', kubeconfig]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: cannot (read|create) CredentialRole "${run}-ci": 403 .*system:serviceaccount:${namespace}:ci.*; ask a cluster admin for RBAC on credentialroles\\.tempcreds\\.dev`));
    assert.doesNotMatch(result.stderr, new RegExp(token.slice(-20)));
    assert.equal((await apiRequest({ path: `${ROLES_PATH}/${run}-ci`, identity: 'admin' })).status, 404);
  });
});

describe('role commands with --roles cluster (KUBECTL_TEMPCREDS_ROLES=cluster)', () => {
  before(installCrd);

  it('create, update, get, list, apply and delete work on CredentialRole objects, leaving the local files alone', async () => {
    const tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_ROLES: 'cluster' });
    const name = `${run}-cmd`;
    const admin = (...args: string[]) => tool.run([...args, '--context', 'admin']);
    const created = await admin('role', 'create', name, '--service-account', 'app', '--allowed-namespaces', 'demo', '--default-ttl', '1h');
    assert.equal(created.status, 0, created.stderr);
    assert.deepEqual((await stored(name)).spec, { allowedNamespaces: ['demo'], serviceAccount: 'app', defaultTtl: '1h' });
    assert.equal((await stored(name)).status?.conditions?.[0]?.status, 'True');
    const again = await admin('role', 'create', name, '--service-account', 'app', '--allowed-namespaces', 'demo');
    assert.equal(again.status, 2);
    assert.match(again.stderr, new RegExp(`role "${name}" already exists`));
    const updated = await admin('role', 'update', name, '--max-ttl', '8h');
    assert.equal(updated.status, 0, updated.stderr);
    assert.equal((await stored(name)).spec.maxTtl, '8h');
    const got = await admin('role', 'get', name, '-o', 'yaml');
    assert.equal(got.status, 0, got.stderr);
    assert.deepEqual(yaml.load(got.stdout), { apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRole', metadata: { name }, spec: { allowedNamespaces: ['demo'], serviceAccount: 'app', defaultTtl: '1h', maxTtl: '8h' } });
    const listed = await admin('role', 'list');
    assert.match(listed.stdout, new RegExp(`^${name}\\s+ServiceAccount app\\s+demo\\s+1h\\s+8h$`, 'm'));
    const apply = await tool.run(['role', 'apply', '-f', '-', '--context', 'admin'], { input: roleYaml(name, { allowedNamespaces: ['demo'], kubernetesRole: 'view', roleType: 'ClusterRole' }) + '---\n' + roleYaml(`${name}-2`, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) });
    assert.equal(apply.status, 0, apply.stderr);
    assert.equal(apply.stdout, `role "${name}" configured\nrole "${name}-2" created\n`);
    assert.deepEqual([(await stored(name)).spec.kubernetesRole, (await stored(name)).status?.mode], ['view', 'ClusterRole']);
    const local = await tool.run(['role', 'list', '--roles', 'local']);
    assert.equal(local.stdout.trim(), 'No roles yet. Create one with: kubectl tempcreds role create NAME --help');
    // Shell completion offers the roles of the source its command line chose.
    const completing = tempcreds(testCluster().kubeconfig);
    const completed = await completing.run(['__complete', 'role', 'get', '--roles', 'cluster', '--context', 'admin', '']);
    assert.equal(completed.status, 0, completed.stderr);
    assert.match(completed.stdout, new RegExp(`^${name}-2$`, 'm'));
    assert.doesNotMatch((await completing.run(['__complete', 'role', 'get', ''])).stdout, new RegExp(name), 'local roles: none here');
    for (const role of [name, `${name}-2`]) {
      const deleted = await admin('role', 'delete', role);
      assert.equal(deleted.status, 0, deleted.stderr);
      assert.equal((await apiRequest({ path: `${ROLES_PATH}/${role}`, identity: 'admin' })).status, 404);
    }
    const gone = await admin('role', 'delete', name);
    assert.equal(gone.status, 2);
    assert.match(gone.stderr, new RegExp(`role "${name}" does not exist`));
  });

  it('a role both in the cluster and in the local files is an error naming both, never a silent shadow', async () => {
    const tool = tempcreds(testCluster().kubeconfig);
    const name = `${run}-both`;
    assert.equal((await tool.run(['role', 'create', name, '--service-account', 'local-app', '--allowed-namespaces', 'demo'])).status, 0);
    const inCluster = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(name, { allowedNamespaces: ['demo'], serviceAccount: 'cluster-app' }) });
    assert.equal(inCluster.status, 0, inCluster.stderr);
    const get = await tool.run(['role', 'get', name, '--roles', 'cluster', '--context', 'admin']);
    assert.equal(get.status, 2, get.stderr);
    assert.equal(get.stderr, `error: role "${name}" exists both in the cluster of context "admin" and in the local roles directory ${join(tool.home, 'roles')}: delete one of them (kubectl tempcreds role delete ${name} --roles local|cluster), so no one gets the other's grants by mistake\n`);
    const issue = await tool.run(['issue', name, '-n', 'demo', '--roles', 'cluster', '--context', 'admin']);
    assert.equal(issue.status, 2);
    assert.match(issue.stderr, /exists both in the cluster of context "admin" and in the local roles directory/);
    const create = await tool.run(['role', 'create', `${name}-x`, '--service-account', 'a', '--allowed-namespaces', 'demo']);
    assert.equal(create.status, 0);
    const clashing = await tool.run(['role', 'create', `${name}-x`, '--service-account', 'a', '--allowed-namespaces', 'demo', '--roles', 'cluster', '--context', 'admin']);
    assert.equal(clashing.status, 2);
    assert.equal((await apiRequest({ path: `${ROLES_PATH}/${name}-x`, identity: 'admin' })).status, 404, 'nothing created beside the local role');
    // Local roles (the default) never contact the cluster for roles: the local one is used.
    const local = await tool.run(['role', 'get', name, '-o', 'json', '--kubeconfig', '/nonexistent']);
    assert.equal(local.status, 0, local.stderr);
    assert.equal((JSON.parse(local.stdout) as { spec: { serviceAccount: string } }).spec.serviceAccount, 'local-app');
  });

  it("a cluster role's issuerContext never chooses a local kubeconfig context: without --context, issue and kubeconfig exit 2, nothing created", async () => {
    const name = `${run}-ctx`;
    // Roles read from the current context (admin); the role names another local context (issuer).
    const tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_ROLES: 'cluster' });
    const kubeconfig = join(tool.home, 'kubeconfig');
    writeFileSync(kubeconfig, yaml.dump({ ...(yaml.load(readFileSync(testCluster().kubeconfig, 'utf8')) as object), 'current-context': 'admin' }), { mode: 0o600 });
    const written = readFileSync(kubeconfig, 'utf8');
    const applied = await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(name, { allowedNamespaces: ['demo'], kubernetesRole: 'view', issuerContext: 'issuer' }) });
    assert.equal(applied.status, 0, applied.stderr);
    const refused = `error: role "${name}" comes from the cluster: its issuerContext "issuer" cannot choose a local kubeconfig context; use --context\n`;
    const issue = await tool.run(['issue', name, '-n', 'demo', '--kubeconfig', kubeconfig]);
    assert.deepEqual([issue.status, issue.stderr], [2, refused]);
    const entry = await tool.run(['kubeconfig', name, '-n', 'demo', '--kubeconfig', kubeconfig]);
    assert.deepEqual([entry.status, entry.stderr], [2, refused]);
    assert.equal(readFileSync(kubeconfig, 'utf8'), written, 'no kubeconfig entry written');
    assert.equal((await kubectl(['--context', 'admin', 'delete', 'credentialrole', name])).status, 0);
  });
});

describe('role grant, revoke-grant and who-can against real RBAC', () => {
  before(installCrd);
  const canI = async (role: string, ...as: string[]) => (await kubectl(['--context', 'admin', 'auth', 'can-i', 'use', `credentialroles.tempcreds.dev/${role}`, ...as])).stdout.trim();
  const agrees = (role: string, expected: 'yes' | 'no', ...as: string[]) => waitFor(async () => (await canI(role, ...as)) === expected, { what: `kubectl auth can-i use ${role} ${as.join(' ')} = ${expected}` });

  it('grants use of exactly that role; kubectl auth can-i and who-can agree; revoking the last subject removes the objects', async () => {
    const tool = tempcreds(testCluster().kubeconfig);
    const role = `${run}-granted`;
    const other = `${run}-other`;
    for (const name of [role, other]) assert.equal((await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(name, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) })).status, 0);
    const [alice, team] = [uniqueName('alice'), uniqueName('team')];
    const granted = await tool.run(['role', 'grant', role, '--user', alice, '--group', team, '--serviceaccount', 'ci/deployer', '--context', 'admin']);
    assert.equal(granted.status, 0, granted.stderr);
    assert.equal(granted.stdout, `User ${alice} may now use role "${role}"\nGroup ${team} may now use role "${role}"\nServiceAccount ci/deployer may now use role "${role}"\n`);
    await agrees(role, 'yes', '--as', alice);
    await agrees(role, 'yes', '--as', 'bob', '--as-group', team);
    await agrees(role, 'yes', '--as', 'system:serviceaccount:ci:deployer');
    assert.equal(await canI(role, '--as', 'bob'), 'no');
    assert.equal(await canI(other, '--as', alice), 'no', 'only that role');
    const who = await tool.run(['role', 'who-can', role, '-o', 'json', '--context', 'admin']);
    assert.equal(who.status, 0, who.stderr);
    const rows = JSON.parse(who.stdout) as { kind: string; name: string; namespace?: string; clusterRoleBinding: string }[];
    for (const [kind, name] of [['User', alice], ['Group', team], ['ServiceAccount', 'deployer']]) {
      assert.ok(rows.some((row) => row.kind === kind && row.name === name && row.clusterRoleBinding === `tempcreds-use-${role}`), `${kind} ${name} in ${who.stdout}`);
    }
    assert.ok(rows.some((row) => row.kind === 'Group' && row.name === 'system:masters'), 'cluster-admin may use every role, and who-can says so');
    assert.ok(!(JSON.parse((await tool.run(['role', 'who-can', other, '-o', 'json', '--context', 'admin'])).stdout) as { name: string }[]).some((row) => row.name === alice));
    const again = await tool.run(['role', 'grant', role, '--user', alice, '--context', 'admin']);
    assert.equal(again.stdout, `User ${alice} could already use role "${role}"\n`);

    const revoked = await tool.run(['role', 'revoke-grant', role, '--user', alice, '--context', 'admin']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stdout, `User ${alice} may no longer use role "${role}"\n`);
    await agrees(role, 'no', '--as', alice);
    assert.equal(await canI(role, '--as', 'bob', '--as-group', team), 'yes');
    const table = await tool.run(['role', 'who-can', role, '--context', 'admin']);
    assert.doesNotMatch(table.stdout, new RegExp(alice));
    assert.match(table.stdout, new RegExp(`^Group ${team}\\s+tempcreds-use-${role}\\s+tempcreds-use-${role}$`, 'm'));
    const rest = await tool.run(['role', 'revoke-grant', role, '--group', team, '--serviceaccount', 'ci/deployer', '--context', 'admin']);
    assert.equal(rest.status, 0, rest.stderr);
    for (const kind of ['clusterroles', 'clusterrolebindings']) assert.equal((await apiRequest({ path: `/apis/rbac.authorization.k8s.io/v1/${kind}/tempcreds-use-${role}`, identity: 'admin' })).status, 404, kind);
    const none = await tool.run(['role', 'revoke-grant', role, '--user', alice, '--context', 'admin']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, new RegExp(`^error: User ${alice} has no grant of role "${role}"`));
  });

  it('writes the grant ClusterRole whole: a labelled one planted with more rules than use is replaced, so a grant never passes those rules on', async () => {
    const tool = tempcreds(testCluster().kubeconfig);
    const role = `${run}-planted`;
    assert.equal((await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(role, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) })).status, 0);
    const labels = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'role-grant', 'tempcreds.dev/grant-role': role };
    const planted = await apiRequest({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      identity: 'admin',
      body: { metadata: { name: `tempcreds-use-${role}`, labels }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
    });
    assert.equal(planted.status, 201);
    const granted = await tool.run(['role', 'grant', role, '--user', 'mallory-friend', '--context', 'admin']);
    assert.equal(granted.status, 0, granted.stderr);
    const { rules } = (await apiRequest({ path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/tempcreds-use-${role}`, identity: 'admin' })).body as { rules: { resources: string[]; verbs: string[] }[] };
    assert.deepEqual(rules.map(({ resources, verbs }) => [resources, verbs]), [[['credentialroles'], ['use']]]);
    assert.equal((await kubectl(['--context', 'admin', 'auth', 'can-i', 'get', 'secrets', '--as', 'mallory-friend'])).stdout.trim(), 'no');
    assert.equal((await tool.run(['role', 'revoke-grant', role, '--user', 'mallory-friend', '--context', 'admin'])).status, 0);
  });

  it('refuses (exit 2, nothing written) a missing role, no subject, a bad ServiceAccount, and a ClusterRole of that name it did not write; a non-admin gets the 403', async () => {
    const tool = tempcreds(testCluster().kubeconfig);
    const missing = await tool.run(['role', 'grant', `${run}-missing`, '--user', 'alice', '--context', 'admin']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, new RegExp(`role "${run}-missing" does not exist in the cluster`));
    assert.equal((await apiRequest({ path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/tempcreds-use-${run}-missing`, identity: 'admin' })).status, 404);
    for (const args of [[], ['--serviceaccount', 'no-slash'], ['--serviceaccount', 'Bad_NS/x']]) {
      const result = await tool.run(['role', 'grant', `${run}-granted`, ...args, '--context', 'admin']);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    const role = `${run}-foreign`;
    assert.equal((await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(role, { allowedNamespaces: ['demo'], serviceAccount: 'app' }) })).status, 0);
    assert.equal((await kubectl(['--context', 'admin', 'create', 'clusterrole', `tempcreds-use-${role}`, '--verb=get', '--resource=pods'])).status, 0);
    const foreign = await tool.run(['role', 'grant', role, '--user', 'alice', '--context', 'admin']);
    assert.equal(foreign.status, 2);
    assert.equal(foreign.stderr, `error: ClusterRole tempcreds-use-${role} exists and was not written by kubectl tempcreds role grant; nothing was changed: rename or delete it first\n`);
    assert.equal((await apiRequest({ path: `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/tempcreds-use-${role}`, identity: 'admin' })).status, 404);
    const reader = `${run}-readers`;
    for (const args of [['create', 'clusterrole', reader, '--verb=get,list', '--resource=credentialroles.tempcreds.dev'], ['create', 'clusterrolebinding', reader, `--clusterrole=${reader}`, '--user=tempcreds-issuer-noescalate']]) assert.equal((await kubectl(['--context', 'admin', ...args])).status, 0);
    await waitFor(async () => (await kubectl(['--context', 'issuer-noescalate', 'get', 'cr', role])).status === 0, { what: 'issuer-noescalate reading roles' });
    const forbidden = await tool.run(['role', 'grant', role, '--user', 'alice', '--context', 'issuer-noescalate']);
    assert.equal(forbidden.status, 1, forbidden.stderr);
    assert.match(forbidden.stderr, /^error: cannot read ClusterRole tempcreds-use-.*: 403 .*; grants are written by a cluster admin/);
  });
});

describe('the exec plugin with a role in the cluster', () => {
  const ns = uniqueName('cr-exec');
  const role = `${run}-exec`;
  let tool: ReturnType<typeof tempcreds>;
  const token = (env: NodeJS.ProcessEnv = {}) => runProcess(join(BIN_DIR, 'kubectl-tempcreds'), ['token', role, '-n', ns, '--context', 'issuer', '--roles', 'cluster'], { env: { ...tool.env, ...env } });
  const tokenOf = (stdout: string) => (JSON.parse(stdout) as { status: { token: string } }).status.token;
  /** Audit events of requests about this test's role or namespace. */
  const apiCalls = () => readFileSync(testCluster().auditLog, 'utf8').split('\n').filter((line) => line.includes(`/credentialroles/${role}"`) || line.includes(`/namespaces/${ns}/`)).length;

  before(async () => {
    await installCrd();
    await createNamespace(ns);
    await createServiceAccount(ns, 'app');
    // The issuer reads the team's roles.
    const reader = `${run}-issuer-reads-roles`;
    for (const args of [['create', 'clusterrole', reader, '--verb=get,list', '--resource=credentialroles.tempcreds.dev'], ['create', 'clusterrolebinding', reader, `--clusterrole=${reader}`, '--user=tempcreds-issuer']]) assert.equal((await kubectl(['--context', 'admin', ...args])).status, 0);
    await waitFor(async () => (await kubectl(['--context', 'issuer', 'get', 'cr'])).status === 0, { what: 'the issuer reading roles' });
    assert.equal((await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(role, { allowedNamespaces: [ns], serviceAccount: 'app' }) })).status, 0);
    tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' });
  });

  it('issues from the cluster role; the next call is a cache hit with zero API requests; a changed role gets a new token once re-read', async () => {
    const issued = await token();
    assert.equal(issued.status, 0, issued.stderr);
    assert.equal((await tool.run(['lease', 'list', '--role', role, '-o', 'json'])).status, 0);
    const before = apiCalls();
    const hit = await token();
    assert.equal(hit.status, 0, hit.stderr);
    assert.ok(tokenOf(hit.stdout) === tokenOf(issued.stdout), 'the cached token is served'); // assert.ok: a failure must not print tokens
    assert.equal(apiCalls(), before, 'no API request on a cache hit');
    assert.ok(readdirSync(join(tool.home, 'cache', 'memo')).length > 0, 'served from the memo');

    // Changed in the cluster: once the hit's recheck time (30 s) has passed, the role is read again and its new digest keys a new token.
    assert.equal((await kubectl(['--context', 'admin', 'apply', '-f', '-'], { input: roleYaml(role, { allowedNamespaces: [ns], serviceAccount: 'app', maxTtl: '3h' }) })).status, 0);
    const later = { KUBECTL_TEMPCREDS_TEST_NOW: new Date(Date.now() + 31_000).toISOString() };
    const changed = await token(later);
    assert.equal(changed.status, 0, changed.stderr);
    assert.ok(tokenOf(changed.stdout) !== tokenOf(issued.stdout), 'a new token for the changed role');
    assert.ok(apiCalls() > before, 'the role was read again');
    assert.equal(readdirSync(join(tool.home, 'leases', role)).filter((file) => file.endsWith('.json')).length, 2);
  });
});
