// `role import --from-vault`: a table of `vault read -format=json kubernetes/roles/NAME`
// outputs imported, then issued from against the real API server as the non-admin issuer,
// with the outcome Vault gives: a token that works in the allowed namespace (200) and
// nowhere else (403), and requests for other namespaces refused.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bindRole, createNamespace, createRole, createServiceAccount, listPodsStatus, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';
import { vaultRead } from '../helpers/vault-read.ts';

const allowed = uniqueName('vault-in');
const other = uniqueName('vault-out');
const labelled = uniqueName('vault-sel');
const run = uniqueName('v').slice(2);
const names = { sa: `sa-${run}`, role: `role-${run}`, view: `view-${run}`, selector: `sel-${run}`, rules: `rules-${run}`, single: `single-${run}` };
let tool: Tempcreds;

/** The integration roles get Vault's usual 1h default and 2h max unless they say otherwise. */
const vaultRole = (data: Record<string, unknown>) => vaultRead({ token_default_ttl: 3600, token_max_ttl: 7200, ...data });

const table = () => ({
  [names.sa]: vaultRole({ allowed_kubernetes_namespaces: [allowed], service_account_name: 'app' }),
  [names.role]: vaultRole({ allowed_kubernetes_namespaces: [allowed], kubernetes_role_name: 'reader' }),
  [names.view]: vaultRole({ allowed_kubernetes_namespaces: [allowed], kubernetes_role_name: 'view', kubernetes_role_type: 'ClusterRole' }),
  [names.selector]: vaultRole({
    allowed_kubernetes_namespace_selector: JSON.stringify({ matchLabels: { 'vault-import': run } }),
    generated_role_rules: 'rules:\n- apiGroups: [""]\n  resources: ["pods"]\n  verbs: ["list"]\n',
  }),
  [names.rules]: vaultRole({
    allowed_kubernetes_namespaces: [allowed],
    generated_role_rules: '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}',
    name_template: '{{ printf "vault-%s-%s" (.RoleName | truncate 8) (random 24) | truncate 62 | lowercase }}',
    extra_labels: { 'example.com/from': 'vault' },
  }),
});

async function ok(args: string[], input?: string) {
  const result = await tool.run(args, { input });
  assert.equal(result.status, 0, `kubectl tempcreds ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

async function issue(role: string, namespace: string) {
  return JSON.parse((await ok(['issue', role, '-n', namespace, '-o', 'json'])).stdout) as { service_account_name: string; service_account_token: string };
}

async function storedRoles(): Promise<string[]> {
  return (JSON.parse((await ok(['role', 'list', '-o', 'json'])).stdout) as { items: { metadata: { name: string } }[] }).items.map((item) => item.metadata.name).sort();
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(allowed);
  await createNamespace(other);
  await createNamespace(labelled, { 'vault-import': run });
  for (const namespace of [allowed, other, labelled]) {
    await createServiceAccount(namespace, 'app');
    await createRole(namespace, 'reader');
  }
  await bindRole(allowed, 'reader', 'app');
});

describe('role import --from-vault', () => {
  it('refuses input with problems, listing them all and storing nothing (exit 2)', async () => {
    const bad = { ...table(), broken: vaultRole({ allowed_kubernetes_namespaces: [], name_template: '{{ .DisplayName }}' }) };
    const result = await tool.run(['role', 'import', '--from-vault', '-'], { input: JSON.stringify(bad) });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^error: stdin: nothing was imported:$/m);
    assert.match(result.stderr, /^ {2}- role "broken": name_template "\{\{ \.DisplayName \}\}" uses \.DisplayName/m);
    assert.match(result.stderr, /^ {2}- role "broken": exactly one of serviceAccount, kubernetesRole or rules must be set/m);
    assert.deepEqual(await storedRoles(), []);
  });

  it('--dry-run shows the roles it would create and stores nothing', async () => {
    const result = await ok(['role', 'import', '--from-vault', '-', '--dry-run', '-o', 'yaml'], JSON.stringify(table()));
    assert.match(result.stdout, new RegExp(`name: ${names.view}`));
    assert.match(result.stdout, /nameTemplate: vault-\{\{role\}\}-\{\{lease\}\}/);
    assert.deepEqual(await storedRoles(), []);
  });

  it('imports a table of Vault roles in one command, warning where Vault differs', async () => {
    const result = await ok(['role', 'import', '--from-vault', '-'], JSON.stringify(table()));
    assert.match(result.stdout, new RegExp(`^role "${names.sa}" created$`, 'm'));
    assert.match(result.stderr, new RegExp(`^Warning: Vault role "${names.view}": Vault lets any request for a ClusterRole role ask for cluster_role_binding=true`, 'm'));
    assert.match(result.stderr, /^Warning: Vault role "[^"]+": name_template: truncate 62 is dropped/m);
    assert.deepEqual(await storedRoles(), Object.keys(table()).sort());
  });

  it('imports one role from stdin with --name, and refuses an existing role unless --overwrite', async () => {
    const single = JSON.stringify(vaultRole({ allowed_kubernetes_namespaces: [allowed], service_account_name: 'app' }));
    await ok(['role', 'import', '--from-vault', '-', '--name', names.single], single);
    const again = await tool.run(['role', 'import', '--from-vault', '-', '--name', names.single], { input: single });
    assert.equal(again.status, 2);
    assert.match(again.stderr, new RegExp(`role "${names.single}" already exists \\(import with --overwrite to replace it\\)`));
    assert.match((await ok(['role', 'import', '--from-vault', '-', '--name', names.single, '--overwrite'], single)).stdout, /unchanged/);
  });

  const outcomes: { role: keyof typeof names; namespace: () => string; elsewhere: () => string; refused: () => string }[] = [
    { role: 'sa', namespace: () => allowed, elsewhere: () => other, refused: () => other },
    { role: 'role', namespace: () => allowed, elsewhere: () => other, refused: () => other },
    { role: 'view', namespace: () => allowed, elsewhere: () => other, refused: () => labelled },
    { role: 'selector', namespace: () => labelled, elsewhere: () => allowed, refused: () => allowed },
    { role: 'rules', namespace: () => allowed, elsewhere: () => other, refused: () => labelled },
  ];
  for (const { role, namespace, elsewhere, refused } of outcomes) {
    it(`${role}: issues as Vault would (200 in the allowed namespace, 403 elsewhere, other namespaces refused)`, async () => {
      const issued = await issue(names[role], namespace());
      assert.equal(await listPodsStatus(issued.service_account_token, namespace()), 200);
      assert.equal(await listPodsStatus(issued.service_account_token, elsewhere()), 403);
      const result = await tool.run(['issue', names[role], '-n', refused(), '-o', 'token']);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stdout, '');
    });
  }

  it('keeps the translated name template', async () => {
    assert.match((await issue(names.rules, allowed)).service_account_name, /^vault-rules-[a-z0-9]+-[a-z0-9]{12}$/);
  });

  it('a ClusterRole role does not allow --cluster-role-binding unless imported with --allow-cluster-role-binding', async () => {
    const refused = await tool.run(['issue', names.view, '-n', allowed, '--cluster-role-binding']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /does not allow --cluster-role-binding/);
  });
});
