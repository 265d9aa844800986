// The CLI loads what a command line needs and no more: `__complete` (run on every TAB) reads
// the command specs, never yargs or a command's handler; parsing loads yargs; running a
// command loads its own handler only. Each case runs the CLI in a child process that writes
// down every module it loads (test/helpers/trace-modules.mjs): from source, and as built.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEMPCREDS_BIN } from '../helpers/tempcreds.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TRACE = fileURLToPath(new URL('../helpers/trace-modules.mjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs `node …nodeArgs` with the module trace; returns its stdout and the files it loaded. */
function traced(nodeArgs: string[]): { stdout: string; files: string[] } {
  const home = mkdtempSync(join(tmpdir(), 'tempcreds-trace-'));
  const trace = join(home, 'modules.txt');
  const env = { ...process.env, TRACE_MODULES_FILE: trace, KUBECONFIG: join(home, 'no-kubeconfig'), KUBECTL_TEMPCREDS_HOME: home };
  const result = spawnSync(process.execPath, ['--import', TRACE, ...nodeArgs], { cwd: ROOT, env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const urls = readFileSync(trace, 'utf8').split('\n').filter((url) => url.startsWith('file:'));
  return { stdout: result.stdout, files: urls.map((url) => relative(ROOT, fileURLToPath(url))) };
}

/** The CLI from source (tsx), as main(args). */
const fromSource = (args: string[]) =>
  traced(['--import', 'tsx', '--input-type=module', '-e', `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(${JSON.stringify(args)});`]);

const yargsModules = (files: string[]) => files.filter((file) => file.includes('node_modules/yargs/'));
const handlers = (files: string[]) => files.filter((file) => file.startsWith('src/cli/commands/'));

/** What `__complete role g` answers: the subcommands starting with g. */
const ROLE_G = 'get\tShow a role\ngrant\tLet users, groups or ServiceAccounts use a role in the cluster (RBAC verb "use" on credentialroles/NAME)\n:4\n';

describe('what the CLI loads', () => {
  it('__complete answers from the specs: no yargs, no command handler', () => {
    for (const words of [['role', 'g'], ['issue', '--'], ['completion', '']]) {
      const { stdout, files } = fromSource(['__complete', ...words]);
      assert.ok(files.includes('src/cli/command-table.ts'), files.join(' '));
      assert.deepEqual(yargsModules(files), [], `__complete ${words.join(' ')}`);
      assert.deepEqual(handlers(files), [], `__complete ${words.join(' ')}`);
      assert.match(stdout, /:4\n$/);
    }
    assert.equal(fromSource(['__complete', 'role', 'g']).stdout, ROLE_G);
  });

  it('--help loads yargs but no handler; a command loads its own handler and no other', () => {
    const help = fromSource(['--help']);
    assert.notDeepEqual(yargsModules(help.files), []);
    assert.deepEqual(handlers(help.files), []);
    assert.deepEqual(handlers(fromSource(['role', 'create', '--help']).files), []);
    const version = fromSource(['version', '-o', 'json']);
    assert.notDeepEqual(yargsModules(version.files), []);
    assert.deepEqual(handlers(version.files), ['src/cli/commands/version.ts']);
  });

  it('the built CLI answers __complete without loading the bundled yargs', () => {
    // yargs' own usage message marks the file it is bundled in.
    const withYargs = (files: string[]) => files.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes('Not enough non-option arguments'));
    const complete = traced([TEMPCREDS_BIN, '__complete', 'role', 'g']);
    assert.equal(complete.stdout, ROLE_G);
    assert.deepEqual(withYargs(complete.files), []);
    assert.notDeepEqual(withYargs(traced([TEMPCREDS_BIN, '--help']).files), [], 'the check sees yargs when it is loaded');
  });
});
