// A lock holder stalled past the stale time, on the real binary and API server: kubectl's exec
// plugin stopped mid-issuance (Ctrl-Z, a suspended laptop) while another kubectl call takes its
// stale lock over. proper-lockfile used to throw from its refresh timer and kill the first
// process between two API calls, leaving half an issuance and no record.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { waitFor } from '../helpers/cluster.ts';
import { createNamespace, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { TEMPCREDS_BIN, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('lockstall');
const role = `stall-${uniqueName('s').slice(2)}`;
const RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';
let tool: Tempcreds;

/** `token` as kubectl runs it, paused by the test hook after its Nth API call. */
function tokenProcess(pauseAfter: number) {
  const child = spawn(TEMPCREDS_BIN, ['token', role, '-n', ns, '--token-cache', 'file'], {
    env: { ...tool.env, KUBECTL_TEMPCREDS_TEST_FAULT: `pause-after:${pauseAfter}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, exited };
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  const created = await tool.run(['role', 'create', role, '--rules', RULES, '--allowed-namespaces', ns]);
  assert.equal(created.status, 0, created.stderr);
});

describe('the exec plugin stalled past the lock\'s stale time while another process takes the lock over', () => {
  it('finishes its issuance: both processes serve a token, every lease is complete and recorded', async () => {
    const marker = join(tool.home, 'fault-paused');
    const first = tokenProcess(2);
    await waitFor(() => existsSync(marker), { what: 'the first issuance to pause after its second API call' });
    process.kill(first.child.pid!, 'SIGSTOP');
    rmSync(marker);
    // The second finds the lock stale after 10 s, takes it over and pauses after its anchor.
    const second = tokenProcess(1);
    try {
      await waitFor(() => existsSync(marker), { what: 'the second process to take the stale lock over', timeoutMs: 30_000 });
    } finally {
      process.kill(first.child.pid!, 'SIGCONT');
    }
    await sleep(1500); // the first one's refresh timer runs and finds the lock taken
    rmSync(marker);
    const [one, two] = await Promise.all([first.exited, second.exited]);
    for (const [name, result] of [['first', one], ['second', two]] as const) {
      assert.equal(result.status, 0, `${name} process: exit ${result.status}: ${/^(?:\w*Error|error): .*$/m.exec(result.stderr)?.[0] ?? result.stderr}`);
      assert.match(result.stdout, /"kind":"ExecCredential"/, name);
    }
    const records = readdirSync(join(tool.home, 'leases', role)).filter((file) => file.endsWith('.json'));
    assert.equal(records.length, 2, 'both leases recorded');
    const objects = await objectsLabelled(`tempcreds.dev/role=${role}`);
    assert.deepEqual(objects.map((object) => object.split(' ')[0]).sort(), ['Role', 'Role', 'RoleBinding', 'RoleBinding', 'Secret', 'Secret', 'ServiceAccount', 'ServiceAccount']);
    const gc = await tool.run(['gc', '--dry-run', '--orphan-grace', '0s']);
    assert.equal(gc.status, 0, gc.stderr);
    assert.doesNotMatch(gc.stdout, new RegExp(role), 'nothing half done for gc to collect');
    assert.equal((await tool.run(['revoke', '--role', role])).status, 0);
  });
});
