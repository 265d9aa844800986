// Revocable by design: leases recorded in the cluster (revocable from an empty state
// directory), crash safety with gc, expiry, `run`, and ownerReference garbage collection —
// against the real API server with kube-controller-manager's garbage collector.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { apiRequest, waitFor } from '../helpers/cluster.ts';
import { bindRole, createNamespace, createRole, createServiceAccount, listPodsStatus, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { TEMPCREDS_BIN, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('revocable');
const run = uniqueName('v').slice(2);
const RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';
let tool: Tempcreds;

async function ok(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await tool.run(args, { env });
  assert.equal(result.status, 0, `kubectl tempcreds ${args.join(' ')}: ${result.stderr}`);
  return result;
}

const until401 = (token: string) => waitFor(async () => (await listPodsStatus(token, ns)) === 401, { what: 'the revoked token to get 401' });

/** Roles of the three modes, created in `instance`'s state directory. */
async function createRoles(instance: Tempcreds, suffix: string) {
  const names = { sa: `sa-${suffix}`, existing: `existing-${suffix}`, rules: `rules-${suffix}` };
  for (const args of [
    ['role', 'create', names.sa, '--service-account', 'app', '--allowed-namespaces', ns],
    ['role', 'create', names.existing, '--kubernetes-role', 'reader', '--allowed-namespaces', ns],
    ['role', 'create', names.rules, '--rules', RULES, '--allowed-namespaces', ns],
  ]) {
    const result = await instance.run(args);
    assert.equal(result.status, 0, result.stderr);
  }
  return names;
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await createServiceAccount(ns, 'app');
  await createRole(ns, 'reader');
  await bindRole(ns, 'reader', 'app');
});

describe('leases recorded in the cluster', () => {
  it('an empty state directory still lists the live leases, and revoke --role removes them all', async () => {
    const roles = await createRoles(tool, `wipe-${run}`);
    const tokens = await Promise.all([roles.sa, roles.sa, roles.existing, roles.rules].map(async (role) => (await ok(['issue', role, '-n', ns, '-o', 'token'])).stdout.trim()));
    // Another machine: the same kubeconfig, nothing local; the issuer serves only some
    // namespaces, so -n says where to look.
    const elsewhere = tempcreds(testCluster().kubeconfig);
    const listed = JSON.parse((await elsewhere.run(['lease', 'list', '-n', ns, '-o', 'json'])).stdout) as { id: string; foundIn: string }[];
    const ours = listed.filter((lease) => lease.id.endsWith(`wipe-${run}`) || lease.id.includes(`-wipe-${run}/`));
    assert.equal(ours.length, 4);
    assert.ok(ours.every((lease) => lease.foundIn === 'cluster'));
    for (const role of Object.values(roles)) {
      const result = await elsewhere.run(['revoke', '--role', role, '-n', ns]);
      assert.equal(result.status, 0, result.stderr);
    }
    for (const token of tokens) await until401(token);
    for (const role of Object.values(roles)) assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role}`), []);
    // The pre-existing ServiceAccount survives.
    assert.equal((await apiRequest({ path: `/api/v1/namespaces/${ns}/serviceaccounts/app`, identity: 'admin' })).status, 200);
  });

  it('revokes one lease by id from another machine', async () => {
    const roles = await createRoles(tool, `byid-${run}`);
    const issued = JSON.parse((await ok(['issue', roles.sa, '-n', ns, '-o', 'json'])).stdout) as { lease_id: string; service_account_token: string };
    const elsewhere = tempcreds(testCluster().kubeconfig);
    const result = await elsewhere.run(['revoke', issued.lease_id, '-n', ns]);
    assert.equal(result.status, 0, result.stderr);
    await until401(issued.service_account_token);
  });
});

describe('crash safety', () => {
  // API calls per issuance: the anchor, the mode's objects, then the mark and the token —
  // the final round, whose calls run concurrently (with the binding, for generated rules).
  const modes = { sa: { calls: 3, finalRound: 2 }, existing: { calls: 5, finalRound: 2 }, rules: { calls: 6, finalRound: 3 } } as const;
  it('a process SIGKILLed after each API call in turn leaves nothing behind after gc that belongs to no live lease', async () => {
    const crashing = tempcreds(testCluster().kubeconfig);
    const roles = await createRoles(crashing, `crash-${run}`);
    for (const [mode, { calls }] of Object.entries(modes) as [keyof typeof modes, { calls: number }][]) {
      for (let call = 1; call <= calls; call++) {
        const result = await crashing.run(['issue', roles[mode], '-n', ns], { env: { KUBECTL_TEMPCREDS_TEST_FAULT: `kill-after:${call}` } });
        assert.equal(result.status, null, `${mode} killed after call ${call}: ${result.stderr}`);
      }
    }
    const gc = await crashing.run(['gc', '--orphan-grace', '0s']);
    assert.equal(gc.status, 0, gc.stderr);
    const again = await crashing.run(['gc', '--orphan-grace', '0s', '--dry-run']);
    assert.doesNotMatch(again.stdout, new RegExp(`crash-${run}`), 'a second gc finds nothing more of ours');

    // What is left belongs to issuances whose token was requested: live leases, each complete.
    const leftovers = (await objectsLabelled('tempcreds.dev/lease')).filter((object) => object.includes(`crash-${run}`));
    const listed = JSON.parse((await crashing.run(['lease', 'list', '-o', 'json'])).stdout) as { id: string; role: string; objects: unknown[] }[];
    const live = listed.filter((lease) => lease.id.includes(`crash-${run}`));
    assert.equal(leftovers.length, live.reduce((sum, lease) => sum + lease.objects.length, 0));
    for (const [mode, { finalRound }] of Object.entries(modes) as [keyof typeof modes, { finalRound: number }][]) {
      const count = live.filter((lease) => lease.role === roles[mode]).length;
      // Killed after the token: always live. Killed earlier in the final round: live only if the token request was already sent.
      assert.ok(count >= 1 && count <= finalRound, `${mode}: ${count} live lease(s)`);
    }
    for (const anchor of leftovers.filter((object) => object.startsWith('Secret '))) {
      const [namespace, name] = anchor.slice('Secret '.length).split('/') as [string, string];
      const secret = await apiRequest({ path: `/api/v1/namespaces/${namespace}/secrets/${name}`, identity: 'admin' });
      assert.equal((secret.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations['tempcreds.dev/token-requested'], 'true');
    }
  });
});

describe('expiry and gc', () => {
  it('reaps expired leases; --dry-run deletes nothing', async () => {
    const expiring = tempcreds(testCluster().kubeconfig);
    const roles = await createRoles(expiring, `exp-${run}`);
    for (const role of Object.values(roles)) assert.equal((await expiring.run(['issue', role, '-n', ns, '--ttl', '10m'])).status, 0);
    // Eleven minutes later, for this machine and for the API server (whose clock gc goes by).
    const elevenMinutesLater = new Date(Date.now() + 11 * 60_000).toISOString();
    const later = { KUBECTL_TEMPCREDS_TEST_NOW: elevenMinutesLater, KUBECTL_TEMPCREDS_TEST_SERVER_NOW: elevenMinutesLater };
    const before = await objectsLabelled('tempcreds.dev/lease').then((objects) => objects.filter((object) => object.includes(`exp-${run}`)));
    assert.equal(before.length, 1 + 3 + 4);

    const dry = await expiring.run(['gc', '--dry-run'], { env: later });
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: \d+ lease\(s\) would be collected/);
    assert.equal((dry.stdout.match(new RegExp(`exp-${run}/\\S+\\s+expired`, 'g')) ?? []).length, 3);
    assert.equal((await objectsLabelled('tempcreds.dev/lease')).filter((object) => object.includes(`exp-${run}`)).length, before.length);

    const real = await expiring.run(['gc'], { env: later });
    assert.equal(real.status, 0, real.stderr);
    assert.deepEqual((await objectsLabelled('tempcreds.dev/lease')).filter((object) => object.includes(`exp-${run}`)), []);
    const records = JSON.parse((await expiring.run(['lease', 'list', '--local', '-o', 'json'])).stdout) as unknown[];
    assert.deepEqual(records, []);
  });
});

describe('run', () => {
  let roles: Awaited<ReturnType<typeof createRoles>>;
  before(async () => {
    roles = await createRoles(tool, `run-${run}`);
  });

  it('runs the command with a private kubeconfig, passes its exit code on, then revokes and removes the file', async () => {
    const probe = mkdtempSync(join(tmpdir(), 'run-probe-'));
    const script = `kubectl get pods -n ${ns} >/dev/null && echo "$KUBECONFIG" > ${probe}/kubeconfig && stat -c %a "$KUBECONFIG" > ${probe}/mode && echo "$TEMPCREDS_LEASE_ID" > ${probe}/lease; exit 7`;
    const result = await tool.run(['run', roles.existing, '-n', ns, '--', 'sh', '-c', script]);
    assert.equal(result.status, 7, result.stderr);
    const kubeconfig = readFileSync(join(probe, 'kubeconfig'), 'utf8').trim();
    assert.equal(readFileSync(join(probe, 'mode'), 'utf8').trim(), '600');
    assert.equal(existsSync(kubeconfig), false, 'the temporary kubeconfig is removed');
    const lease = readFileSync(join(probe, 'lease'), 'utf8').trim();
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/lease=${lease.split('/')[1]}`), []);
    rmSync(probe, { recursive: true });
  });

  it('revokes and cleans up when it is sent SIGTERM, and exits as the command did', async () => {
    const probe = mkdtempSync(join(tmpdir(), 'run-probe-'));
    const child = spawn(TEMPCREDS_BIN, ['run', roles.sa, '-n', ns, '--', 'sh', '-c', `echo "$KUBECONFIG $TEMPCREDS_LEASE_ID" > ${probe}/started; trap 'exit 143' TERM; while :; do sleep 0.1; done`], { env: tool.env, stdio: 'ignore' });
    await waitFor(() => existsSync(join(probe, 'started')) && readFileSync(join(probe, 'started'), 'utf8').includes('/'), { what: 'the command to start' });
    const [kubeconfig, lease] = readFileSync(join(probe, 'started'), 'utf8').trim().split(' ') as [string, string];
    const token = (readFileSync(kubeconfig, 'utf8').match(/token: (\S+)/) ?? [])[1]!;
    assert.equal(await listPodsStatus(token, ns), 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.equal(existsSync(kubeconfig), false);
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/lease=${lease.split('/')[1]}`), []);
    await until401(token);
    rmSync(probe, { recursive: true });
  });

  it('refuses to run without a command', async () => {
    const result = await tool.run(['run', roles.sa, '-n', ns]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /give the command to run after --/);
  });
});

describe('ownerReferences', () => {
  it('deleting a lease anchor lets the garbage collector remove the namespaced objects it owns', async () => {
    const roles = await createRoles(tool, `gc-${run}`);
    const issued = JSON.parse((await ok(['issue', roles.rules, '-n', ns, '-o', 'json'])).stdout) as { lease_id: string };
    const suffix = issued.lease_id.split('/')[1]!;
    const anchor = (await objectsLabelled(`tempcreds.dev/lease=${suffix}`)).find((object) => object.startsWith('Secret '))!;
    const name = anchor.split('/')[1]!;
    assert.equal((await apiRequest({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/secrets/${name}`, identity: 'admin' })).status, 200);
    await waitFor(async () => (await objectsLabelled(`tempcreds.dev/lease=${suffix}`)).every((object) => !object.includes(`${ns}/`)), {
      timeoutMs: 30_000,
      what: 'the garbage collector to remove the ServiceAccount and Role',
    });
  });
});
