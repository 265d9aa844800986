// package.json's engines claims only what `npm test` proves: the suite runs on this machine's Node 20
// and on the Node LTS the release embeds (test/run.ts, scripts/node-runtime.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { NODE_LTS } from '../../scripts/node-runtime.ts';

const { engines } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };

it('engines names exactly the Node majors the suite runs on: 20 and the release LTS', () => {
  assert.match(engines.node, /^\^\d+\.\d+\.\d+( \|\| \^\d+\.\d+\.\d+)*$/, `engines.node is a list of caret ranges: ${engines.node}`);
  const majors = [...engines.node.matchAll(/\^(\d+)\./g)].map((match) => Number(match[1]));
  assert.deepEqual(majors, [20, Number(NODE_LTS.split('.')[0])]);
});

it('the tests run on one of them', () => {
  assert.ok([20, Number(NODE_LTS.split('.')[0])].includes(Number(process.versions.node.split('.')[0])), process.version);
});
