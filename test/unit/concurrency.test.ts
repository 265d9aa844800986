import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachLimited } from '../../src/app/concurrency.ts';

/** A work function that records how many calls overlap; each call takes a few turns of the event loop. */
function tracked(turns: (item: number) => number = () => 2) {
  const state = { inFlight: 0, most: 0, started: [] as number[], finished: [] as number[] };
  const work = async (item: number) => {
    state.started.push(item);
    state.inFlight++;
    state.most = Math.max(state.most, state.inFlight);
    for (let turn = 0; turn < turns(item); turn++) await new Promise((resolve) => setImmediate(resolve));
    state.inFlight--;
    state.finished.push(item);
  };
  return { state, work };
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

describe('forEachLimited', () => {
  it('never has more than `limit` calls in flight, and uses all of them', async () => {
    for (const [count, limit] of [[50, 4], [10, 1], [33, 16], [7, 7]] as const) {
      const { state, work } = tracked((item) => 1 + (item % 3));
      await forEachLimited(range(count), limit, work);
      assert.equal(state.most, limit, `${count} items, limit ${limit}`);
      assert.equal(state.inFlight, 0);
    }
  });

  it('processes every item exactly once, starting them in order', async () => {
    const { state, work } = tracked((item) => (item % 2 === 0 ? 3 : 1));
    await forEachLimited(range(25), 4, work);
    assert.deepEqual(state.started, range(25));
    assert.deepEqual([...state.finished].sort((a, b) => a - b), range(25));
  });

  it('resolves only after the last call finished', async () => {
    const { state, work } = tracked((item) => (item === 9 ? 10 : 1));
    await forEachLimited(range(10), 3, work);
    assert.equal(state.finished.length, 10);
    assert.equal(state.finished.at(-1), 9);
  });

  it('a limit above the number of items runs them all at once', async () => {
    const { state, work } = tracked();
    await forEachLimited(range(5), 100, work);
    assert.equal(state.most, 5);
    assert.equal(state.finished.length, 5);
  });

  it('an empty list: resolves at once, never calls the work', async () => {
    let calls = 0;
    await forEachLimited([], 4, async () => void calls++);
    assert.equal(calls, 0);
  });

  it('a limit of one serialises the calls', async () => {
    const order: string[] = [];
    await forEachLimited(['a', 'b', 'c'], 1, async (item) => {
      order.push(`start ${item}`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`end ${item}`);
    });
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
