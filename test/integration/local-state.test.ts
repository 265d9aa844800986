// Local state that cannot be turned against its owner: forged lease records, role names that are
// paths and role files holding another role are refused, and nothing in the cluster is touched.
// (revoke --role, not --all: --all would also revoke the leases of test files running beside this one;
// both read the records through the same store.)

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('localstate');
const run = uniqueName('l').slice(2);
const forgedRole = `forged-${run}`;
const kubeSystemVictim = `victim-${run}`;
const RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';
let tool: Tempcreds;

const exists = async (path: string) => (await apiRequest({ path, identity: 'admin' })).status === 200;

/** A record as issuance writes it, for lease `suffix` of the forged role, with `objects`. */
function record(suffix: string, objects: object[]) {
  const now = new Date();
  return {
    id: `${forgedRole}/${suffix}`,
    role: forgedRole,
    roleDigest: '0123456789abcdef',
    namespace: ns,
    serviceAccountName: `tc-${suffix}`,
    serviceAccountCreated: true,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
    ttlSeconds: 3600,
    context: 'issuer',
    cluster: 'https://127.0.0.1',
    issuedBy: 'issuer',
    objects,
  };
}

function plant(file: string, content: unknown): string {
  const path = join(tool.home, 'leases', forgedRole, file);
  mkdirSync(join(tool.home, 'leases', forgedRole), { recursive: true, mode: 0o700 });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  return path;
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await createServiceAccount(ns, 'victim-aaaaaaaaaaaa');
  await createServiceAccount('kube-system', kubeSystemVictim);
});

after(async () => {
  await apiRequest({ method: 'DELETE', path: `/api/v1/namespaces/kube-system/serviceaccounts/${kubeSystemVictim}`, identity: 'admin' });
});

describe('forged lease records are reported and never acted on', () => {
  const planted: string[] = [];
  before(() => {
    planted.push(
      plant('dotdotdotdot.json', record('dotdotdotdot', [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: '.' }])),
      plant('kubesystem01.json', record('kubesystem01', [{ apiVersion: 'v1', kind: 'ServiceAccount', name: kubeSystemVictim, namespace: 'kube-system' }])),
      // Valid for its own id, but filed under another lease's name.
      plant('bbbbbbbbbbbb.json', record('aaaaaaaaaaaa', [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'victim-aaaaaaaaaaaa', namespace: ns }])),
    );
  });

  for (const args of [['lease', 'list'], ['revoke', '--role', forgedRole]]) {
    it(`kubectl tempcreds ${args.join(' ')}: a warning naming each file, the exit code of a corrupt record`, async () => {
      const corrupt = plant('cccccccccccc.json', '{"id": ');
      const result = await tool.run(args);
      assert.equal(result.status, 0, result.stderr);
      for (const path of planted) assert.match(result.stderr, new RegExp(`^Warning: ${path} is not a valid lease record \\(.+\\); it is not acted on`, 'm'));
      assert.match(result.stderr, new RegExp(`^Warning: ${corrupt} is corrupt`, 'm'));
      assert.doesNotMatch(result.stdout, /revoked|\/(dotdotdotdot|kubesystem01|aaaaaaaaaaaa)/);
      // Nothing deleted: the would-be victims and the records themselves are still there.
      assert.ok(await exists(`/api/v1/namespaces/kube-system/serviceaccounts/${kubeSystemVictim}`), 'the kube-system ServiceAccount survives');
      assert.ok(await exists(`/api/v1/namespaces/${ns}/serviceaccounts/victim-aaaaaaaaaaaa`), 'the ServiceAccount named by a misfiled record survives');
      assert.ok(await exists('/apis/rbac.authorization.k8s.io/v1/clusterroles/view'), 'ClusterRoles survive');
      for (const path of planted) assert.ok(existsSync(path), `${path} kept for its owner to look at`);
    });
  }
});

describe('role names are never paths, and a role file holds only its own role', () => {
  it('role delete ../../x: exit 2, the file it names is intact', async () => {
    const victim = join(tool.home, '..', `x-${run}.json`);
    writeFileSync(victim, '{"precious": true}');
    const result = await tool.run(['role', 'delete', `../../x-${run}`]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^error: role name "\.\.\/\.\.\/x-\w+" must consist of lower case letters/m);
    assert.equal(readFileSync(victim, 'utf8'), '{"precious": true}');
  });

  it('issue ../x -n NS: exit 2, nothing created, even with a valid role file there', async () => {
    const planted = join(tool.home, `x-${run}.json`);
    writeFileSync(planted, JSON.stringify({ apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRole', metadata: { name: `x-${run}` }, spec: { rules: JSON.parse(RULES).rules, allowedNamespaces: [ns] } }));
    const result = await tool.run(['issue', `../x-${run}`, '-n', ns]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^error: role name "\.\.\/x-\w+" must consist of lower case letters/m);
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=x-${run}`), []);
  });

  it('a role file whose metadata.name is another role: refused as corrupt, nothing created', async () => {
    const name = `named-${run}`;
    assert.equal((await tool.run(['role', 'create', `other-${run}`, '--rules', RULES, '--allowed-namespaces', ns])).status, 0);
    const roles = join(tool.home, 'roles');
    writeFileSync(join(roles, `${name}.json`), readFileSync(join(roles, `other-${run}.json`)), { mode: 0o600 });
    const result = await tool.run(['issue', name, '-n', ns]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: ${join(roles, name)}\\.json holds role "other-${run}", not "${name}"; rename or remove that file`, 'm'));
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=other-${run}`), []);
  });
});
