// Revocation bound to the right cluster and the right objects, on the real API server:
// another cluster's same-named context cannot make revoke report success, forged labels
// and anchors make gc and revoke delete nothing that is not a lease's, and gc tells expiry
// by the API server's clock, not by a local clock that runs fast.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { apiRequest as clusterRequest } from '../controlplane/cluster.ts';
import { freePorts, spawnDetached } from '../controlplane/processes.ts';
import { apiRequest, waitFor } from '../helpers/cluster.ts';
import { bindRole, createNamespace, createRole, createServiceAccount, listPodsStatus, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('binding');
// Role names of their own: other test files (the walkthrough) count every object labelled with theirs.
const SA = uniqueName('sa');
const RULES_ROLE = uniqueName('rules');
const RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';
const LATER = () => new Date(Date.now() + 11 * 60_000).toISOString();
let tool: Tempcreds;

async function ok(instance: Tempcreds, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await instance.run(args, { env });
  assert.equal(result.status, 0, `kubectl tempcreds ${args.join(' ')}: ${result.stderr}`);
  return result;
}

async function issue(instance: Tempcreds, role: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ id: string; token: string }> {
  const issued = JSON.parse((await ok(instance, ['issue', role, '-n', ns, '-o', 'json', ...extra], env)).stdout) as { lease_id: string; service_account_token: string };
  return { id: issued.lease_id, token: issued.service_account_token };
}

const until401 = (token: string) => waitFor(async () => (await listPodsStatus(token, ns)) === 401, { what: 'the revoked token to get 401' });

async function localIds(instance: Tempcreds): Promise<string[]> {
  return (JSON.parse((await ok(instance, ['lease', 'list', '--local', '-o', 'json'])).stdout) as { id: string }[]).map((lease) => lease.id);
}

async function createAsAdmin(path: string, body: unknown): Promise<void> {
  const response = await apiRequest({ method: 'POST', path, body, identity: 'admin' });
  assert.equal(response.status, 201, `creating ${path}: HTTP ${response.status}`);
}

const exists = async (path: string) => (await apiRequest({ path, identity: 'admin' })).status === 200;

/** The labels and annotations a lease's objects carry, as anyone could copy them. */
function leaseMetadata(id: string, expiresAt: string) {
  const [role, suffix] = id.split('/') as [string, string];
  return {
    labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': role, 'tempcreds.dev/lease': suffix },
    annotations: { 'tempcreds.dev/lease-id': id, 'tempcreds.dev/expires-at': expiresAt, 'tempcreds.dev/issued-by': 'tempcreds-issuer' },
  };
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await createServiceAccount(ns, 'app');
  await createRole(ns, 'reader');
  await bindRole(ns, 'reader', 'app');
  for (const args of [
    ['role', 'create', SA, '--service-account', 'app', '--allowed-namespaces', ns],
    ['role', 'create', RULES_ROLE, '--rules', RULES, '--allowed-namespaces', ns],
  ]) await ok(tool, args);
});

describe('revocation is bound to the cluster the lease was issued on', () => {
  /**
   * Another cluster, made cheaply: a second kube-apiserver with the test cluster's own flags
   * (read from its command line) but another port and another etcd prefix, so it shares
   * nothing stored. The harness stops it with the cluster (its flags name the cluster's dir).
   */
  let otherServer: string;
  let otherPid: number | undefined;
  before(async () => {
    const cluster = testCluster();
    const [binary, ...flags] = readFileSync(`/proc/${cluster.pids.apiserver}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const [port] = await freePorts(1);
    const kept = flags.filter((flag) => !/^--(secure-port|etcd-prefix|audit-)/.test(flag));
    otherPid = spawnDetached(binary!, [...kept, `--secure-port=${port}`, '--etcd-prefix=/other-cluster'], join(cluster.dir, 'other-apiserver.log'));
    otherServer = `https://127.0.0.1:${port}`;
    await waitFor(async () => (await clusterRequest({ ...cluster, server: otherServer }, { path: '/readyz' }).catch(() => undefined))?.status === 200, {
      timeoutMs: 90_000,
      what: 'the second API server to be ready',
    });
  });
  after(() => {
    if (otherPid !== undefined) process.kill(otherPid, 'SIGTERM');
  });

  /** A kubeconfig whose context has the issuer's name but is on the other cluster (as its admin: nothing is refused there, only the cluster is wrong). */
  function otherClusterKubeconfig(): string {
    const config = yaml.load(readFileSync(testCluster().kubeconfig, 'utf8')) as {
      clusters: { cluster: { server: string } }[];
      contexts: { name: string; context: { user: string } }[];
    };
    config.clusters[0]!.cluster.server = otherServer;
    config.contexts.find((context) => context.name === 'issuer')!.context.user = 'admin';
    const file = join(tool.home, 'other-cluster.kubeconfig');
    writeFileSync(file, yaml.dump(config), { mode: 0o600 });
    return file;
  }

  it('a same-named context of another cluster is refused, the record kept and the token still valid', async () => {
    const lease = await issue(tool, SA);
    const other = otherClusterKubeconfig();
    const result = await tool.run(['revoke', lease.id, '--kubeconfig', other, '--context', 'issuer']);
    assert.equal(await listPodsStatus(lease.token, ns), 200, 'the token still works');
    assert.equal(result.status, 1, `revoke through another cluster must fail: ${result.stdout}`);
    assert.match(result.stderr, /was issued on cluster https:\/\/127\.0\.0\.1:\d+/);
    assert.ok((await localIds(tool)).includes(lease.id), 'its record is kept');

    // Without the override, the lease's own kubeconfig and context are used, whatever KUBECONFIG says now.
    const again = await tool.run(['revoke', lease.id], { env: { KUBECONFIG: other } });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`lease "${lease.id}" revoked`));
    await until401(lease.token);
  });

  it('revoking a lease whose objects are all gone says "not found" and fails', async () => {
    const lease = await issue(tool, SA);
    const elsewhere = tempcreds(testCluster().kubeconfig);
    await ok(elsewhere, ['revoke', lease.id, '-n', ns]); // another machine: a namespaced issuer searches where it is told
    const result = await tool.run(['revoke', lease.id]);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, new RegExp(`lease "${lease.id}" was not found in the cluster`));
    assert.doesNotMatch(result.stdout, /revoked/);
    assert.ok(!(await localIds(tool)).includes(lease.id), 'the stale record is removed');
  });

  it('deletes by uid: an object another one of the same name replaced is left alone', async () => {
    const lease = await issue(tool, RULES_ROLE);
    const name = `tc-${lease.id.replace('/', '-')}`;
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`;
    assert.equal((await apiRequest({ method: 'DELETE', path: `${path}/${name}`, identity: 'admin' })).status, 200);
    await createAsAdmin(path, { metadata: { name }, rules: [] });
    const result = await ok(tool, ['revoke', lease.id]);
    assert.ok(await exists(`${path}/${name}`), 'the replacement survives');
    assert.match(result.stderr, new RegExp(`Role ${ns}/${name} now belongs to another object of that name`));
    await until401(lease.token);
  });

  it('the background gc --local uses the kubeconfig the lease was issued with', async () => {
    const issuing = tempcreds(join(tool.home, 'no-such-kubeconfig'));
    await ok(issuing, ['role', 'create', RULES_ROLE, '--rules', RULES, '--allowed-namespaces', ns]);
    const lease = await issue(issuing, RULES_ROLE, ['--kubeconfig', testCluster().kubeconfig, '--ttl', '10m']);
    const later = LATER();
    await ok(issuing, ['gc', '--local'], { KUBECTL_TEMPCREDS_TEST_NOW: later, KUBECTL_TEMPCREDS_TEST_SERVER_NOW: later });
    await until401(lease.token);
    assert.deepEqual(await localIds(issuing), []);
  });
});

describe('gc decides expiry by the API server clock', () => {
  it('a local clock far ahead collects no live lease, with or without --local', async () => {
    const clockTool = tempcreds(testCluster().kubeconfig);
    await ok(clockTool, ['role', 'create', RULES_ROLE, '--rules', RULES, '--allowed-namespaces', ns]);
    const lease = await issue(clockTool, RULES_ROLE, ['--ttl', '10m']);
    const fast = { KUBECTL_TEMPCREDS_TEST_NOW: LATER() };
    await ok(clockTool, ['gc', '--local'], fast);
    await ok(clockTool, ['gc'], fast);
    assert.equal(await listPodsStatus(lease.token, ns), 200, 'the live lease survives gc');
    assert.ok((await localIds(clockTool)).includes(lease.id));
  });

  it("a lease issued on a machine whose clock runs slow is not collected before its token expires", async () => {
    const slowTool = tempcreds(testCluster().kubeconfig);
    await ok(slowTool, ['role', 'create', RULES_ROLE, '--rules', RULES, '--allowed-namespaces', ns]);
    const slow = { KUBECTL_TEMPCREDS_TEST_NOW: new Date(Date.now() - 3600_000).toISOString() };
    const lease = await issue(slowTool, RULES_ROLE, ['--ttl', '10m'], slow);
    await ok(tempcreds(testCluster().kubeconfig), ['gc']);
    assert.equal(await listPodsStatus(lease.token, ns), 200, 'the live lease survives gc');
  });
});

describe('provenance: forged labels and anchors delete nothing', () => {
  it('forged anchors in the victim namespace do not make gc delete a live lease', async () => {
    const victim = await issue(tool, RULES_ROLE);
    const { labels, annotations } = leaseMetadata(victim.id, new Date(Date.now() - 3600_000).toISOString());
    const name = `tc-${victim.id.replace('/', '-')}`;
    const anchorOnly = { 'tempcreds.dev/service-account': name, 'tempcreds.dev/objects': 'ServiceAccount,Role,RoleBinding' };
    // Listed before the real anchor: one expired, one that looks like a crashed issuance.
    await createAsAdmin(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'a-forged-expired', labels, annotations: { ...annotations, ...anchorOnly, 'tempcreds.dev/token-requested': 'true' } }, type: 'Opaque' });
    const unexpired = { ...annotations, 'tempcreds.dev/expires-at': new Date(Date.now() + 3600_000).toISOString() };
    await createAsAdmin(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'a-forged-unfinished', labels, annotations: { ...unexpired, ...anchorOnly } }, type: 'Opaque' });
    const gc = await tool.run(['gc', '--orphan-grace', '0s']);
    assert.equal(await listPodsStatus(victim.token, ns), 200, 'the victim token still works after gc');
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stderr, new RegExp(`${victim.id.replace('/', '\\/')}.*not deleted`));
    assert.ok(await exists(`/api/v1/namespaces/${ns}/secrets/${name}`));
  });

  it('an unrelated Role labelled as a lease, with an expired expires-at, is deleted by neither gc nor revoke', async () => {
    const lease = await issue(tool, RULES_ROLE);
    const { labels, annotations } = leaseMetadata(lease.id, new Date(Date.now() - 3600_000).toISOString());
    const bystander = uniqueName('bystander');
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`;
    await createAsAdmin(path, { metadata: { name: bystander, labels, annotations }, rules: [] });
    await ok(tool, ['gc', '--orphan-grace', '0s']);
    assert.ok(await exists(`${path}/${bystander}`), 'gc left the unrelated Role alone');
    const elsewhere = tempcreds(testCluster().kubeconfig);
    const revoked = await ok(elsewhere, ['revoke', lease.id, '-n', ns]);
    assert.match(revoked.stderr, new RegExp(`Role ${ns}/${bystander}.*not deleted`));
    await until401(lease.token);
    assert.ok(await exists(`${path}/${bystander}`), 'revoke left the unrelated Role alone');
  });
});
