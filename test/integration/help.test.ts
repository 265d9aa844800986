// Every command's --help runs, exits 0, shows `kubectl tempcreds …` usage and (for each
// command that does something) examples. Commands are discovered the way shell completion
// sees them (`__complete`), so a command added to the table is covered with no change here.
// Also: completion through the real kubectl (`kubectl __complete tempcreds …`, which runs
// kubectl_complete-tempcreds from PATH) and the bash script of `completion bash`.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, tempcreds } from '../helpers/tempcreds.ts';

const tool = tempcreds('/nonexistent/kubeconfig');

/** Subcommands are the candidates with a description (values such as role names have none). */
async function subcommands(path: string[]): Promise<string[]> {
  const result = await tool.run(['__complete', ...path, '']);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t')[0]!);
}

async function commandTree(path: string[] = []): Promise<{ path: string[]; leaf: boolean }[]> {
  const children = await subcommands(path);
  const nested = await Promise.all(children.map((child) => commandTree([...path, child])));
  return [{ path, leaf: children.length === 0 }, ...nested.flat()];
}

describe('--help of every command', () => {
  let commands: { path: string[]; leaf: boolean }[] = [];
  before(async () => {
    commands = await commandTree();
  });

  it('finds the whole command table', () => {
    const names = commands.map(({ path }) => path.join(' '));
    for (const expected of ['role create', 'role get', 'issue', 'lease get', 'revoke', 'kubeconfig', 'setup', 'doctor', 'completion']) assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  });

  it('runs, and shows kubectl tempcreds usage, with examples for every command that does something', async () => {
    const problems: string[] = [];
    await Promise.all(
      commands.map(async ({ path, leaf }) => {
        const result = await tool.run([...path, '--help']);
        const name = `kubectl tempcreds ${path.join(' ')}`.trim();
        if (result.status !== 0) problems.push(`${name} --help: exit ${result.status}: ${result.stderr}`);
        else if (!result.stdout.includes(name)) problems.push(`${name} --help does not show "${name}"`);
        else if (leaf && !/^Examples:$/m.test(result.stdout)) problems.push(`${name} --help has no examples`);
      }),
    );
    assert.deepEqual(problems, []);
    assert.ok(commands.length >= 15, `${commands.length} commands`);
  });

  it('revocation is said to take effect within the API server\'s token authentication cache (about 10 s), never "at once"', async () => {
    const help = await tool.run(['revoke', '--help']);
    assert.match(help.stdout, /stop working within about 10 s/);
    assert.match(help.stdout, /the API server caches token authentications\s+for about 10 s/);
    for (const doc of ['README.md', 'docs/design.md']) {
      const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
      assert.doesNotMatch(text, /(stops? working|revoked?[^.]*) (at once|immediately|instantly)/, doc);
      assert.match(text, /token authentication cache \(about 10 s\)/, doc);
    }
  });

  it('runs for the exec credential entry (token) too', async () => {
    const result = await tool.run(['token', '--help']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: kubectl-tempcreds token ROLE -n NAMESPACE/);
  });
});

describe('completion', () => {
  before(async () => {
    for (const role of ['alpha', 'beta']) {
      const created = await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', `${role}-ns,shared`]);
      assert.equal(created.status, 0, created.stderr);
    }
  });

  it('through kubectl: kubectl runs kubectl_complete-tempcreds for `kubectl tempcreds <TAB>`', async () => {
    const complete = (words: string[]) => runProcess('kubectl', ['__complete', 'tempcreds', ...words], { env: tool.env });
    const cases: [string[], string[]][] = [
      [['ro'], ['role']],
      [['role', 'g'], ['get', 'grant']],
      [['issue', ''], ['alpha', 'beta']],
      [['issue', 'alpha', '-n', ''], ['alpha-ns', 'shared']],
      [['revoke', '--role', 'b'], ['beta']],
      [['doctor', '--token-cache', ''], ['auto', 'keychain', 'file', 'none']],
      [['completion', ''], ['bash', 'zsh']],
    ];
    for (const [words, expected] of cases) {
      const result = await complete(words);
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, -1).map((line) => line.split('\t')[0]), expected, `kubectl __complete tempcreds ${words.join(' ')}`);
      assert.equal(lines.at(-1), ':4');
    }
  });

  it('offers lease ids for revoke and lease get', async () => {
    const namespace = uniqueName('complete');
    await createNamespace(namespace);
    await createServiceAccount(namespace, 'app');
    const issuer = tempcreds(testCluster().kubeconfig);
    assert.equal((await issuer.run(['role', 'create', 'leased', '--service-account', 'app', '--allowed-namespaces', namespace])).status, 0);
    const issued = await issuer.run(['issue', 'leased', '-n', namespace, '-o', 'json']);
    assert.equal(issued.status, 0, issued.stderr);
    const { lease_id: leaseId } = JSON.parse(issued.stdout) as { lease_id: string };
    for (const words of [['revoke', ''], ['lease', 'get', 'lea']]) {
      const result = await issuer.run(['__complete', ...words]);
      assert.deepEqual(result.stdout.trim().split('\n'), [leaseId, ':4'], words.join(' '));
    }
    assert.equal((await issuer.run(['revoke', leaseId])).status, 0);
  });

  it('in bash: the script of `completion bash` completes kubectl-tempcreds', async () => {
    const script = await tool.run(['completion', 'bash']);
    assert.equal(script.status, 0, script.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'tempcreds-bash-'));
    writeFileSync(join(dir, 'completion.bash'), script.stdout);
    const line = 'kubectl-tempcreds issue alpha -n ';
    const bash = await runProcess(
      'bash',
      ['-c', `source "$1"; COMP_LINE="$2"; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=($COMP_LINE ""); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _kubectl_tempcreds; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', join(dir, 'completion.bash'), line],
      { env: tool.env },
    );
    assert.equal(bash.status, 0, bash.stderr);
    assert.deepEqual(bash.stdout.trim().split('\n'), ['alpha-ns', 'shared']);
    const zsh = await tool.run(['completion', 'zsh']);
    assert.equal(zsh.status, 0, zsh.stderr);
    assert.match(zsh.stdout, /^#compdef kubectl-tempcreds\n/);
  });
});
