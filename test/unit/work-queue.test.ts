import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue, retryDelayMs, type Timers } from '../../src/controller/queue.ts';

/** Timers that fire only when the test says so, on a clock that moves only when they fire. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number; at: number }>();
  let next = 0;
  let clock = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      pending.set(++next, { callback, ms, at: clock + ms });
      return next;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
    now: () => clock,
  };
  const fire = (id: number) => {
    const timer = pending.get(id)!;
    pending.delete(id);
    clock = Math.max(clock, timer.at);
    timer.callback();
  };
  const fireAll = () => [...pending.keys()].forEach(fire);
  return { timers, pending, fireAll };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('work queue', () => {
  it('hands out a key once however often it was added while waiting', async () => {
    const queue = new WorkQueue();
    ['a', 'b', 'a', 'a', 'b', 'c'].forEach((key) => queue.add(key));
    assert.equal(queue.length, 3);
    assert.deepEqual([await queue.get(), await queue.get(), await queue.get()], ['a', 'b', 'c']);
  });

  it('never hands one key to two workers: a key added while processed comes back once it is done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    assert.equal(await queue.get(), 'a');
    queue.add('a');
    queue.add('a');
    let second: string | undefined;
    void queue.get().then((key) => (second = key));
    await nextTurn();
    assert.equal(second, undefined, 'a is still being processed');
    queue.done('a');
    await nextTurn();
    assert.equal(second, 'a');
    queue.done('a');
    assert.equal(queue.length, 0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('x');
    assert.equal(await waiting, 'x');
  });

  it('retries a failing key with exponential backoff, starting over after a success', () => {
    const { timers, pending, fireAll } = manualTimers();
    const queue = new WorkQueue(timers);
    const delays: number[] = [];
    for (let failure = 0; failure < 4; failure++) {
      queue.retry('k');
      delays.push(...[...pending.values()].map(({ ms }) => ms));
      fireAll();
      assert.equal(queue.length, 1);
      void queue.get();
      queue.done('k');
    }
    assert.deepEqual(delays, [200, 400, 800, 1600]);
    queue.forget('k');
    queue.retry('k');
    assert.deepEqual([...pending.values()].map(({ ms }) => ms), [200]);
    assert.equal(retryDelayMs(40), 60_000, 'capped');
  });

  it('keeps the earlier of two delays for one key', () => {
    const { timers, pending } = manualTimers();
    const queue = new WorkQueue(timers);
    queue.addAfter('k', 100);
    queue.addAfter('k', 5000);
    assert.deepEqual([...pending.values()].map(({ ms }) => ms), [100]);
  });

  it('a sooner delay for a key already waiting wins (a failed revocation of a request that waits for its expiry is retried soon)', async () => {
    const { timers, pending, fireAll } = manualTimers();
    const queue = new WorkQueue(timers);
    queue.addAfter('k', 3_600_000);
    queue.retry('k');
    assert.deepEqual([...pending.values()].map(({ ms }) => ms), [200]);
    fireAll();
    assert.equal(await queue.get(), 'k');
  });

  it('a delay that is no number (NaN) counts as none: the key is queued now', async () => {
    const { timers, pending } = manualTimers();
    const queue = new WorkQueue(timers);
    queue.addAfter('k', Number.NaN);
    assert.equal(pending.size, 0);
    assert.equal(await queue.get(), 'k');
  });

  it('delayed keys share one timer, set for the earliest, and each comes back when its delay is over', () => {
    const { timers, pending, fireAll } = manualTimers();
    const queue = new WorkQueue(timers);
    queue.addAfter('late', 5000);
    queue.addAfter('early', 100);
    queue.addAfter('middle', 1000);
    assert.deepEqual([...pending.values()].map(({ ms }) => ms), [100], 'one timer, for the earliest');
    const order: string[] = [];
    for (let round = 0; round < 3; round++) {
      fireAll();
      while (queue.length > 0) void queue.get().then((key) => key && (order.push(key), queue.done(key)));
    }
    assert.equal(pending.size, 0);
    return Promise.resolve().then(() => assert.deepEqual(order, ['early', 'middle', 'late']));
  });

  it('clear() drops waiting keys and pending retries (leadership lost); keys in progress still finish', async () => {
    const { timers, pending } = manualTimers();
    const queue = new WorkQueue(timers);
    queue.add('busy');
    assert.equal(await queue.get(), 'busy');
    queue.add('busy');
    queue.add('waiting');
    queue.retry('failed');
    queue.clear();
    assert.equal(queue.length, 0);
    assert.equal(pending.size, 0);
    queue.done('busy');
    assert.equal(queue.length, 0, 'the change seen while busy was dropped too');
  });

  it('after shutDown, waiting workers get undefined and nothing is taken any more', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('late');
    assert.equal(await queue.get(), undefined);
  });
});
