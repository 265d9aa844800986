// `issue --dry-run` against the real API server, as the non-admin issuers: every object is sent
// with dryRun=All, so the preview equals what the issuance then creates (names aside), a request
// the API server would refuse fails the preview the same way, and nothing is ever left behind.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { apiRequest } from '../helpers/cluster.ts';
import { PODS_READER_RULES, createNamespace, createRole, createServiceAccount, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('preview');
const run = uniqueName('p').slice(2);
const role = {
  sa: `pv-sa-${run}`,
  existing: `pv-existing-${run}`,
  rules: `pv-rules-${run}`,
  cluster: `pv-cluster-${run}`,
  missingSa: `pv-missing-${run}`,
  tooMuch: `pv-too-much-${run}`,
  held: `pv-held-${run}`,
};
const RULES = JSON.stringify({ rules: PODS_READER_RULES });
let tool: Tempcreds;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string }[] };
  [field: string]: unknown;
}

async function ok(args: string[]) {
  const result = await tool.run(args);
  assert.equal(result.status, 0, `kubectl tempcreds ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

const labelled = (roleName: string) => objectsLabelled(`tempcreds.dev/role=${roleName}`);

async function preview(roleName: string, extra: string[] = []): Promise<Manifest[]> {
  const result = await ok(['issue', roleName, '-n', ns, '--dry-run', '-o', 'json', ...extra]);
  const list = JSON.parse(result.stdout) as { kind: string; items: Manifest[] };
  assert.equal(list.kind, 'List');
  return list.items;
}

const LIVE_PATHS: Record<string, string> = {
  Secret: `/api/v1/namespaces/${ns}/secrets`,
  ServiceAccount: `/api/v1/namespaces/${ns}/serviceaccounts`,
  Role: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
};

/** The objects a real issuance created for the role, read back as the admin, in the preview's order of kinds. */
async function issued(roleName: string, kinds: string[]): Promise<Manifest[]> {
  const objects: Manifest[] = [];
  for (const kind of kinds) {
    const response = await apiRequest({ path: `${LIVE_PATHS[kind]}?labelSelector=${encodeURIComponent(`tempcreds.dev/role=${roleName}`)}`, identity: 'admin' });
    assert.equal(response.status, 200);
    objects.push(...(response.body as { items: Manifest[] }).items.map((item) => ({ ...item, apiVersion: kind.endsWith('Role') || kind.endsWith('Binding') ? 'rbac.authorization.k8s.io/v1' : 'v1', kind })));
  }
  return objects;
}

/**
 * What must be equal between a preview and an issuance: everything the tool decides, with the
 * lease's random part, the anchor's uid and the expiry time (which differ per lease) blanked out.
 */
function comparable(objects: Manifest[]): unknown[] {
  const anchor = objects.find((object) => object.kind === 'Secret')!;
  const lease = anchor.metadata.labels!['tempcreds.dev/lease']!;
  // A preview shows the uid the API server gave the dry-run anchor where members refer to it.
  const members = objects.filter((object) => object !== anchor);
  const uid = anchor.metadata.uid ?? members[0]?.metadata.ownerReferences?.[0]?.uid ?? '';
  return objects.map(({ apiVersion, kind, metadata, ...rest }) => {
    const { data: _data, ...fields } = rest;
    const kept = {
      apiVersion,
      kind,
      name: metadata.name,
      namespace: metadata.namespace,
      labels: metadata.labels,
      annotations: { ...metadata.annotations, 'tempcreds.dev/expires-at': '<time>' },
      ownerReferences: metadata.ownerReferences,
      ...fields,
    };
    let text = JSON.stringify(kept).replaceAll(lease, '<lease>');
    if (uid) text = text.replaceAll(uid, '<anchor-uid>');
    return JSON.parse(text) as unknown;
  });
}

async function previewEqualsIssuance(roleName: string, extra: string[] = []) {
  const previewed = await preview(roleName, extra);
  assert.deepEqual(await labelled(roleName), [], 'a preview left objects behind');
  await ok(['issue', roleName, '-n', ns, '-o', 'json', ...extra]);
  try {
    const live = await issued(roleName, previewed.map((object) => object.kind));
    assert.deepEqual(comparable(previewed), comparable(live));
  } finally {
    await ok(['revoke', '--role', roleName, '-n', ns]);
  }
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await createServiceAccount(ns, 'app');
  await createRole(ns, 'reader');
  await ok(['role', 'create', role.sa, '--service-account', 'app', '--allowed-namespaces', ns]);
  await ok(['role', 'create', role.existing, '--kubernetes-role', 'reader', '--allowed-namespaces', ns, '--extra-labels', 'team=a']);
  await ok(['role', 'create', role.rules, '--rules', RULES, '--allowed-namespaces', ns, '--extra-annotations', 'ticket=T-1']);
  await ok(['role', 'create', role.cluster, '--rules', RULES, '--role-type', 'ClusterRole', '--allow-cluster-role-binding', '--allowed-namespaces', ns]);
  await ok(['role', 'create', role.missingSa, '--service-account', 'nobody', '--allowed-namespaces', ns]);
  await ok(['role', 'create', role.tooMuch, '--rules', RULES, '--allowed-namespaces', ns]);
  // Rules the issuer without escalate/bind holds itself in the namespace.
  await ok(['role', 'create', role.held, '--rules', JSON.stringify({ rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }), '--allowed-namespaces', ns]);
});

describe('issue --dry-run: the preview equals the issuance (names aside)', () => {
  it('existing ServiceAccount: the anchor only', async () => previewEqualsIssuance(role.sa));
  it('existing Role: anchor, ServiceAccount, RoleBinding', async () => previewEqualsIssuance(role.existing));
  it('generated rules: anchor, ServiceAccount, Role, RoleBinding', async () => previewEqualsIssuance(role.rules));
  it('generated ClusterRole with --cluster-role-binding: cluster-scoped objects carry the anchor uid', async () => previewEqualsIssuance(role.cluster, ['--cluster-role-binding']));
});

describe('issue --dry-run: what it shows, and what it leaves', () => {
  it('shows the TTL and namespace decisions, the objects, the token and its permissions; prints no token', async () => {
    const result = await ok(['issue', role.existing, '-n', ns, '--dry-run', '--ttl', '30m']);
    assert.match(result.stdout, /^ttl\s+30m \(requested with --ttl\)$/m);
    assert.match(result.stdout, new RegExp(`^namespace\\s+${ns} \\(in the role's allowed namespaces\\)$`, 'm'));
    assert.match(result.stdout, new RegExp(`^RoleBinding\\s+${ns}/tc-${role.existing}-[a-z0-9]{12}\\s`, 'm'));
    assert.match(result.stdout, new RegExp(`Role ${ns}/reader \\(existing, read from the API server\\), in namespace ${ns}`));
    assert.match(result.stdout, /^\s*\(core\)\s+pods\s+list, get\s*$/m);
    assert.doesNotMatch(result.stdout + result.stderr, /eyJ/, 'a token was printed');
  });

  it('-o yaml parses as manifests', async () => {
    const result = await ok(['issue', role.rules, '-n', ns, '--dry-run', '-o', 'yaml']);
    const documents = yaml.loadAll(result.stdout) as Manifest[];
    assert.deepEqual(documents.map((document) => document.kind), ['Secret', 'ServiceAccount', 'Role', 'RoleBinding']);
    for (const document of documents) assert.ok(document.apiVersion && document.metadata.name, JSON.stringify(document));
  });

  it('leaves zero objects after any number of previews, of every mode', async () => {
    for (let round = 0; round < 3; round++) {
      await preview(role.sa);
      await preview(role.existing);
      await preview(role.rules);
      await preview(role.cluster, ['--cluster-role-binding']);
    }
    for (const name of [role.sa, role.existing, role.rules, role.cluster]) assert.deepEqual(await labelled(name), []);
  });

  it('fails as the issuance would (exit 1, explained) when the API server refuses: RBAC escalation prevention', async () => {
    const result = await tool.run(['issue', role.tooMuch, '-n', ns, '--dry-run', '--context', 'issuer-noescalate']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^error: cannot dry-run create Role .*: 403 .*RBAC escalation prevention.*the issuance would fail the same way/);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, `the error is one line: ${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.deepEqual(await labelled(role.tooMuch), []);
  });

  it('without "bind", a binding to the generated role is checked by the role\'s own dry run (exit 0, said), as the issuance then succeeds', async () => {
    const args = ['issue', role.held, '-n', ns, '--context', 'issuer-noescalate'];
    const previewed = await tool.run([...args, '--dry-run']);
    assert.equal(previewed.status, 0, previewed.stderr);
    assert.match(previewed.stdout, /^Note: the API server could not check the RoleBinding against the generated role/m);
    assert.deepEqual(await labelled(role.held), []);
    assert.equal((await ok([...args, '-o', 'json'])).status, 0);
    await ok(['revoke', '--role', role.held, '-n', ns, '--context', 'issuer-noescalate']);
  });

  it('fails (exit 1) when the existing ServiceAccount is missing', async () => {
    const result = await tool.run(['issue', role.missingSa, '-n', ns, '--dry-run']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^error: .*serviceaccounts "nobody" not found/m);
    assert.deepEqual(await labelled(role.missingSa), []);
  });

  it('issue --help documents it, with an example', async () => {
    const help = await ok(['issue', '--help']);
    assert.match(help.stdout, /--dry-run\s+Create nothing/);
    assert.match(help.stdout, /issue rules -n demo --dry-run/);
  });

  it('bad input exits 2 as for issue: unknown role, namespace not allowed', async () => {
    const unknown = await tool.run(['issue', `pv-nope-${run}`, '-n', ns, '--dry-run']);
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /does not exist/);
    const elsewhere = await tool.run(['issue', role.rules, '-n', 'default', '--dry-run']);
    assert.equal(elsewhere.status, 2, elsewhere.stderr);
    assert.match(elsewhere.stderr, /is not in role .* allowed namespaces/);
    const tokenOutput = await tool.run(['issue', role.rules, '-n', ns, '--dry-run', '-o', 'token']);
    assert.equal(tokenOutput.status, 2, tokenOutput.stderr);
    assert.deepEqual(await labelled(role.rules), []);
  });
});
