import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaseLock } from '../../src/adapters/lease-lock.ts';
import { electionTiming } from '../../src/core/leader-election.ts';
import { LeaderElector } from '../../src/controller/elector.ts';
import { createLogger } from '../../src/controller/logger.ts';
import { MemoryLease } from './controller-fakes.ts';

function replica(lock: LeaseLock, identity: string, clock: { now: number }) {
  const events: string[] = [];
  const elector = new LeaderElector(lock, identity, electionTiming(15), { started: () => events.push('started'), stopped: (reason) => events.push(`stopped: ${reason}`) }, createLogger({ write: () => undefined }), () => clock.now);
  return { elector, events };
}

/** a, then b, tried once each at time 0: a leads. */
async function twoReplicas() {
  const lock = new MemoryLease();
  const clock = { now: 0 };
  const a = replica(lock, 'a', clock);
  const b = replica(lock, 'b', clock);
  await a.elector.step();
  await b.elector.step();
  return { lock, clock, a, b };
}

describe('leader elector', () => {
  it('one leader among two; the other takes over once the leader stops renewing for a lease duration', async () => {
    const { lock, clock, a, b } = await twoReplicas();
    assert.deepEqual([a.elector.isLeader, b.elector.isLeader], [true, false]);
    for (clock.now = 2000; clock.now <= 20_000; clock.now += 2000) {
      await a.elector.step();
      await b.elector.step();
      assert.deepEqual([a.elector.isLeader, b.elector.isLeader], [true, false], `at ${clock.now} ms`);
    }
    // a stops renewing (crashed); b saw the record change last at 20 s.
    clock.now = 34_900;
    await b.elector.step();
    assert.equal(b.elector.isLeader, false);
    clock.now = 35_000;
    await b.elector.step();
    assert.equal(b.elector.isLeader, true);
    assert.equal(lock.stored!.spec.holderIdentity, 'b');
    assert.equal(lock.stored!.spec.leaseTransitions, 1);
    // a comes back: it sees b holding the Lease and stops at once.
    await a.elector.step();
    assert.equal(a.elector.isLeader, false);
    assert.deepEqual(a.events, ['started', 'stopped: b holds the Lease']);
    assert.deepEqual(b.events, ['started']);
  });

  it('a conflict on renewal stops the leader at once', async () => {
    const lock = new MemoryLease();
    const a = replica(lock, 'a', { now: 0 });
    await a.elector.step();
    lock.failNext = 'conflict';
    await a.elector.step();
    assert.deepEqual(a.events, ['started', 'stopped: the Lease was changed by another writer (conflict)']);
  });

  it('failed renewals stop the leader when the renew deadline passes, not before', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const lock = new MemoryLease();
    const clock = { now: 0 };
    const a = replica(lock, 'a', clock);
    await a.elector.step();
    lock.failNext = new Error('connection refused');
    clock.now = 2000;
    await a.elector.step();
    t.mock.timers.tick(9_999);
    assert.equal(a.elector.isLeader, true);
    t.mock.timers.tick(1);
    assert.equal(a.elector.isLeader, false);
    assert.deepEqual(a.events, ['started', 'stopped: the Lease was not renewed before the renew deadline']);
  });

  it('release clears the holder, so the next replica acquires without waiting', async () => {
    const { lock, clock, a, b } = await twoReplicas();
    await a.elector.release();
    assert.equal(lock.stored!.spec.holderIdentity, '');
    assert.deepEqual(a.events, ['started', 'stopped: shutting down']);
    clock.now = 100;
    await b.elector.step();
    assert.equal(b.elector.isLeader, true);
  });
});
