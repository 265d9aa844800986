import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/controller/logger.ts';
import { ControllerMetrics } from '../../src/controller/metrics.ts';
import { runController, type Reconcile } from '../../src/controller/service.ts';
import { MemoryLease, object, scriptedSource, until } from './controller-fakes.ts';

/** Fast election so a test sees renewals; the timing is never asserted. */
const TIMING = { leaseDurationSeconds: 2, renewDeadlineMs: 1000, retryPeriodMs: 20 };

/** A reconcile that blocks until released or aborted, recording what happened to each call. */
function blockingReconcile() {
  const calls: { key: string; outcome?: 'finished' | 'aborted' }[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reconcile: Reconcile = async (key, { signal }) => {
    const call: (typeof calls)[number] = { key };
    calls.push(call);
    await Promise.race([released, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
    call.outcome = signal.aborted ? 'aborted' : 'finished';
  };
  return { calls, reconcile, release };
}

function start(reconcile: Reconcile, shutdownGraceMs: number, resyncPeriodMs?: number) {
  const { source } = scriptedSource([[{ items: [object('a', '1')], metadata: { resourceVersion: '1' } }]]);
  const lock = new MemoryLease();
  const metrics = new ControllerMetrics();
  const shutdown = new AbortController();
  const lines: string[] = [];
  const done = runController(
    { source, lock, identity: 'me', timing: TIMING, reconcile, log: createLogger({ write: (line) => lines.push(line) }), metrics, listen: { host: '127.0.0.1', port: 0 }, shutdownGraceMs, ...(resyncPeriodMs ? { resyncPeriodMs } : {}) },
    shutdown.signal,
  );
  return { lock, metrics, shutdown, done, lines };
}

describe('controller service', () => {
  it('on shutdown takes no new work and lets the current item finish, then releases the Lease', async () => {
    const { calls, reconcile, release } = blockingReconcile();
    const { lock, shutdown, done } = start(reconcile, 60_000);
    await until(() => calls.length === 1, 'the first reconcile');
    shutdown.abort();
    release();
    await done;
    assert.deepEqual(calls, [{ key: 'ns/a', outcome: 'finished' }]);
    assert.equal(lock.stored!.spec.holderIdentity, '');
  });

  it('abandons an item that outlasts the grace period (its signal aborts), and still releases the Lease', async () => {
    const { calls, reconcile } = blockingReconcile();
    const { lock, shutdown, done, lines } = start(reconcile, 10);
    await until(() => calls.length === 1, 'the first reconcile');
    shutdown.abort();
    await done;
    assert.deepEqual(calls, [{ key: 'ns/a', outcome: 'aborted' }]);
    assert.equal(lock.stored!.spec.holderIdentity, '');
    assert.ok(lines.some((line) => line.includes('abandoning the work in progress')));
  });

  it('losing the Lease to another replica aborts the current reconcile at once and sets the leader gauge to 0', async () => {
    const { calls, reconcile } = blockingReconcile();
    const { lock, metrics, shutdown, done } = start(reconcile, 60_000);
    await until(() => calls.length === 1, 'the first reconcile');
    assert.match(metrics.render(), /^tempcreds_leader 1$/m);
    lock.steal('other');
    await until(() => calls[0]!.outcome !== undefined, 'the reconcile to end');
    assert.deepEqual(calls, [{ key: 'ns/a', outcome: 'aborted' }]);
    shutdown.abort();
    await done;
    assert.match(metrics.render(), /^tempcreds_leader 0$/m);
  });

  it('the periodic resync hands every cached key to reconcile again, with nothing changed', async () => {
    const keys: string[] = [];
    const { shutdown, done } = start(async (key) => void keys.push(key), 60_000, 10);
    await until(() => keys.length >= 3, 'two resyncs');
    shutdown.abort();
    await done;
    assert.deepEqual([...new Set(keys)], ['ns/a']);
  });
});
