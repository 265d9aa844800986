// The tool under test runs on the Node the test runner runs on (test/run.ts puts it first on PATH for
// bin/'s `#!/usr/bin/env node`): a run with --node=lts tests the tool on Node 24, not the machine's.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { TEMPCREDS_BIN, runProcess } from '../helpers/tempcreds.ts';

it('the tool under test runs on the test runner\'s Node', async () => {
  const probe = join(mkdtempSync(join(tmpdir(), 'tempcreds-node-')), 'node-version.cjs');
  writeFileSync(probe, 'process.stderr.write(`tool on Node ${process.version}\\n`);');
  const result = await runProcess(TEMPCREDS_BIN, ['--version'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` } });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`^tool on Node ${process.version.replaceAll('.', '\\.')}$`, 'm'));
});
