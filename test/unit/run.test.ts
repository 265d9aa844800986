// The run use case over fakes: a lease for the command's lifetime, revoked however it ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWithLease, type RunPorts } from '../../src/app/run.ts';
import type { RevokeOutcome } from '../../src/app/revoke.ts';
import { FakeKube, leaseRecord } from './fakes.ts';

function fixture(result: { exitCode: number; error?: string } | Error, failures: string[] = []) {
  const events: string[] = [];
  const files = new Map<string, string>();
  const lease = leaseRecord();
  const ports: RunPorts = {
    issue: async () => {
      events.push('issue');
      return { lease, token: 'the-token', warnings: ['ttl capped'] };
    },
    connect: async () => new FakeKube(),
    privateDirectory: async () => ({ path: '/private', remove: async () => void events.push('remove') }),
    writePrivateFile: async (path, text) => void files.set(path, text),
    runner: {
      run: async (command, args, env) => {
        events.push(`run ${[command, ...args].join(' ')} KUBECONFIG=${env.KUBECONFIG} TEMPCREDS_LEASE_ID=${env.TEMPCREDS_LEASE_ID}`);
        if (result instanceof Error) throw result;
        return result;
      },
    },
    revoke: async (revoked) => {
      events.push(`revoke ${revoked.id}`);
      const outcome: RevokeOutcome = { lease: revoked, deleted: 3, alreadyGone: 0, replaced: [], failures };
      return outcome;
    },
    warn: (message) => void events.push(`warn ${message}`),
  };
  return { ports, events, files, lease };
}

describe('runWithLease', () => {
  it('runs the command on a private kubeconfig holding the token, then removes it and revokes the lease', async () => {
    const { ports, events, files, lease } = fixture({ exitCode: 0 });
    assert.equal(await runWithLease(ports, { role: 'reader', namespace: 'dev' }, ['kubectl', 'get', 'pods']), 0);
    assert.deepEqual(events, ['issue', 'warn ttl capped', `run kubectl get pods KUBECONFIG=/private/kubeconfig TEMPCREDS_LEASE_ID=${lease.id}`, 'remove', `revoke ${lease.id}`]);
    assert.match(files.get('/private/kubeconfig')!, /token: the-token/);
  });

  it("answers the command's exit code, and says why it could not start", async () => {
    const { ports, events } = fixture({ exitCode: 127, error: 'cannot run nope: spawn nope ENOENT' });
    assert.equal(await runWithLease(ports, { role: 'reader' }, ['nope']), 127);
    assert.ok(events.includes('warn cannot run nope: spawn nope ENOENT'));
    assert.deepEqual(events.slice(-2), ['remove', `revoke ${leaseRecord().id}`]);
  });

  it('revokes even when running fails, and says how to revoke what it could not', async () => {
    const { ports, events, lease } = fixture(new Error('boom'), ['cannot delete RoleBinding dev/x: 403']);
    await assert.rejects(runWithLease(ports, { role: 'reader' }, ['kubectl']), { message: 'boom' });
    assert.deepEqual(events.slice(-3), ['remove', `revoke ${lease.id}`, `warn could not revoke lease "${lease.id}": cannot delete RoleBinding dev/x: 403 — run: kubectl tempcreds revoke ${lease.id}`]);
  });
});
