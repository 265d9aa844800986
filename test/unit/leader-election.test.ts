import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { electionTiming, microTime, nextAttempt, observe, releaseSpec, type LeaseSpec, type Observation } from '../../src/core/leader-election.ts';

const timing = electionTiming(15);
const T0 = Date.parse('2026-11-30T08:00:00Z');
const at = (seconds: number) => T0 + seconds * 1000;
const held = (holder: string, extra: LeaseSpec = {}): LeaseSpec => ({ holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 3, ...extra });
const seen = (spec: LeaseSpec, observedAtSeconds: number, resourceVersion = '7'): Observation => ({ spec, resourceVersion, observedAtMs: at(observedAtSeconds) });

describe('leader election decisions', () => {
  it("scales client-go's 15 s / 10 s / 2 s to the lease duration", () => {
    assert.deepEqual(electionTiming(15), { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    assert.deepEqual(electionTiming(6), { leaseDurationSeconds: 6, renewDeadlineMs: 4_000, retryPeriodMs: 800 });
  });

  it('writes Lease MicroTimes with microseconds', () => {
    assert.equal(microTime(at(1.5)), '2026-11-30T08:00:01.500000Z');
  });

  const table: { name: string; observation: Observation | undefined; nowSeconds: number; expected: ReturnType<typeof nextAttempt> }[] = [
    {
      name: 'no Lease: create it, holding it, no transitions yet',
      observation: undefined,
      nowSeconds: 0,
      expected: { kind: 'create', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 0 } },
    },
    {
      name: 'held by another, seen changing 14.9 s ago: wait until it expires by our clock',
      observation: seen(held('other'), 0),
      nowSeconds: 14.9,
      expected: { kind: 'held', holder: 'other', expiresAtMs: at(15) },
    },
    {
      name: "held by another under its own lease duration (30 s), not ours",
      observation: seen(held('other', { leaseDurationSeconds: 30 }), 0),
      nowSeconds: 20,
      expected: { kind: 'held', holder: 'other', expiresAtMs: at(30) },
    },
    {
      name: 'held by another, unchanged for the whole lease duration: take it over, one more transition, guarded by its resourceVersion',
      observation: seen(held('other'), 0),
      nowSeconds: 15,
      expected: { kind: 'update', resourceVersion: '7', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(at(15)), renewTime: microTime(at(15)), leaseTransitions: 4 } },
    },
    {
      name: 'held by us: renew, keeping the acquire time and the transitions',
      observation: seen(held('me'), 1),
      nowSeconds: 3,
      expected: { kind: 'update', resourceVersion: '7', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(at(3)), leaseTransitions: 3 } },
    },
    {
      name: 'released (no holder): acquire at once',
      observation: seen(held('', { leaseDurationSeconds: 1 }), 0),
      nowSeconds: 0.1,
      expected: { kind: 'update', resourceVersion: '7', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(at(0.1)), renewTime: microTime(at(0.1)), leaseTransitions: 4 } },
    },
    {
      name: 'a Lease with no fields at all (made by hand): acquire, transitions from 0',
      observation: seen({}, 0),
      nowSeconds: 0,
      expected: { kind: 'update', resourceVersion: '7', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 1 } },
    },
  ];
  for (const { name, observation, nowSeconds, expected } of table) {
    it(name, () => assert.deepEqual(nextAttempt('me', observation, timing, at(nowSeconds)), expected));
  }

  it("judges expiry by when the record last changed here, not by the holder's renewTime (its clock may be wrong)", () => {
    // The holder's clock is an hour behind: its renewTime looks long expired, but it keeps renewing.
    const stale = microTime(at(-3600));
    let observation = observe(undefined, { spec: held('other', { renewTime: stale }), resourceVersion: '1' }, at(0));
    for (let second = 2; second <= 30; second += 2) {
      observation = observe(observation, { spec: held('other', { renewTime: microTime(at(second - 3600)) }), resourceVersion: String(second) }, at(second));
      assert.equal(nextAttempt('me', observation, timing, at(second)).kind, 'held', `at ${second} s`);
    }
    // It stops renewing: the same record, read again and again, keeps its first observation time.
    for (let second = 32; second < 45; second += 2) {
      observation = observe(observation, { spec: held('other', { renewTime: microTime(at(30 - 3600)) }), resourceVersion: '30' }, at(second));
      assert.equal(nextAttempt('me', observation, timing, at(second)).kind, 'held', `at ${second} s`);
    }
    assert.equal(observation!.observedAtMs, at(30));
    assert.equal(nextAttempt('me', observation, timing, at(45)).kind, 'update');
  });

  it('observes nothing when the Lease is gone (then it is created again)', () => {
    assert.equal(observe(seen(held('other'), 0), undefined, at(1)), undefined);
  });

  it('releases only a Lease it holds: no holder, a 1 s lease, transitions kept, guarded by its resourceVersion', () => {
    assert.deepEqual(releaseSpec('me', seen(held('me'), 0, '42'), at(5)), {
      resourceVersion: '42',
      spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(at(5)), renewTime: microTime(at(5)), leaseTransitions: 3 },
    });
    assert.equal(releaseSpec('me', seen(held('other'), 0), at(5)), undefined);
    assert.equal(releaseSpec('me', undefined, at(5)), undefined);
  });
});
