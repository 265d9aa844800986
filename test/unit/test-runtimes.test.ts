// npm test runs the whole suite on both Nodes (so engines is proven), a selection on this one.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { testRuntimes } from '../runtimes.ts';

it('the whole suite runs on this Node, then on the release LTS; a selection on this Node only', () => {
  assert.deepEqual(testRuntimes(undefined, false), ['this', 'lts']);
  assert.deepEqual(testRuntimes(undefined, true), ['this']);
});

it('--node chooses, and anything else is refused', () => {
  assert.deepEqual(testRuntimes('lts', true), ['lts']);
  assert.deepEqual(testRuntimes('both', true), ['this', 'lts']);
  assert.deepEqual(testRuntimes('this', false), ['this']);
  assert.equal(testRuntimes('22', false), undefined);
});
