// argv → what each command's handler gets, for every command: the real command table and
// yargs parse the command line in-process, a dispatch stands in for the handlers, and where a
// handler turns its arguments into a use case's input (issueRequest, roleSpecPatch, the revoke
// target, the issuer setup) that input is checked too. Bad usage: exit 2, one line on stderr, no handler run.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArgumentsCamelCase } from 'yargs';
import { target } from '../../src/cli/commands/revoke.ts';
import { issuerSetup } from '../../src/cli/commands/setup.ts';
import { issueRequest, type IssueArgs } from '../../src/cli/issue-options.ts';
import { main } from '../../src/cli/main.ts';
import { roleSpecPatch, type RoleFieldArgs } from '../../src/cli/role-flags.ts';

interface Parsed {
  code: number;
  path?: string[];
  args?: ArgumentsCamelCase;
  stderr: string;
}

/** Parses `argv` as `kubectl tempcreds` would, running nothing. */
async function parse(argv: string[]): Promise<Parsed> {
  let stderr = '';
  let seen: Pick<Parsed, 'path' | 'args'> = {};
  const code = await main(argv, {
    scriptPath: '/usr/local/bin/kubectl-tempcreds',
    stderr: (text) => void (stderr += text),
    dispatch: (path, args) => {
      seen = { path, args };
    },
  });
  return { code, ...seen, stderr };
}

/** The keys of `expected`, read from the parsed arguments. */
const pick = (args: ArgumentsCamelCase | undefined, expected: Record<string, unknown>) => Object.fromEntries(Object.keys(expected).map((key) => [key, args?.[key]]));

// [command line, handler, arguments it gets (those named)]
const commandLines: [string[], string, Record<string, unknown>][] = [
  [['role', 'create', 'r', '--service-account', 'sa', '--allowed-namespaces', 'a,b', '-o', 'json'], 'role create', { name: 'r', 'service-account': 'sa', 'allowed-namespaces': ['a,b'], output: 'json' }],
  [['role', 'update', 'r', '--default-ttl', '2h', '--context', 'admin'], 'role update', { name: 'r', 'default-ttl': '2h', context: 'admin', output: 'table' }],
  [['role', 'get', 'r', '-o', 'yaml'], 'role get', { name: 'r', output: 'yaml' }],
  [['role', 'ls'], 'role list', { output: 'table' }],
  [['role', 'delete', 'r', '--kubeconfig', '/k'], 'role delete', { name: 'r', kubeconfig: '/k' }],
  [['role', 'apply', '-f', '-'], 'role apply', { filename: '-' }],
  [['role', 'import', '--from-vault', 'v.json', '--name', 'my', '--dry-run'], 'role import', { 'from-vault': 'v.json', name: 'my', 'dry-run': true, overwrite: false, 'allow-cluster-role-binding': false, output: 'table' }],
  [['role', 'grant', 'r', '--user', 'alice', '--group', 'team-a', '--group', 'ops', '--serviceaccount', 'ci/deployer', '--roles', 'cluster'], 'role grant', { name: 'r', user: ['alice'], group: ['team-a', 'ops'], serviceaccount: ['ci/deployer'], roles: 'cluster' }],
  [['role', 'revoke-grant', 'r', '--serviceaccount', 'ci/deployer', '--context', 'admin'], 'role revoke-grant', { name: 'r', serviceaccount: ['ci/deployer'], context: 'admin', user: undefined }],
  [['role', 'who-can', 'r', '-o', 'json'], 'role who-can', { name: 'r', output: 'json' }],
  [['role', 'list', '--roles', 'cluster'], 'role list', { output: 'table', roles: 'cluster' }],
  [['issue', 'app', '-n', 'demo', '-o', 'token'], 'issue', { role: 'app', namespace: 'demo', output: 'token', 'dry-run': false, 'request-timeout': '15s' }],
  [['creds', 'app', '--namespace=demo', '--dry-run', '--request-timeout', '5s'], 'issue', { role: 'app', namespace: 'demo', output: 'table', 'dry-run': true, 'request-timeout': '5s' }],
  [['lease', 'list', '--role', 'r', '--local', '-o', 'json'], 'lease list', { role: 'r', local: true, output: 'json' }],
  [['lease', 'get', 'r/0123456789ab'], 'lease get', { id: 'r/0123456789ab', output: 'table' }],
  [['revoke', 'r/0123456789ab'], 'revoke', { id: 'r/0123456789ab', all: false }],
  [['kubeconfig', 'r', '-n', 'ns', '--context-name', 'c', '--token-cache', 'file', '--refresh-margin', '20%', '--force'], 'kubeconfig', { role: 'r', namespace: 'ns', 'context-name': 'c', 'token-cache': 'file', 'refresh-margin': '20%', force: true, ttl: undefined }],
  [['gc', '--dry-run', '--orphan-grace', '1h', '-q'], 'gc', { 'dry-run': true, 'orphan-grace': '1h', quiet: true, local: false }],
  [['run', 'deployer', '-n', 'prod', '--', 'helm', 'upgrade', '--install', 'app'], 'run', { role: 'deployer', namespace: 'prod', '--': ['helm', 'upgrade', '--install', 'app'] }],
  [
    ['setup', '--service-account', 'tc/issuer', '--namespaces', 'a,b', '--no-escalate', '--no-guard', '--max-ttl', '2h', '--print'],
    'setup',
    { 'service-account': 'tc/issuer', namespaces: 'a,b', 'all-namespaces': false, escalate: false, guard: false, 'max-ttl': '2h', print: true, force: false, name: 'kubectl-tempcreds-issuer' },
  ],
  [['doctor', '--token-cache', 'none', '-n', 'team-a'], 'doctor', { 'token-cache': 'none', namespace: 'team-a' }],
  [['version', '-o', 'yaml'], 'version', { output: 'yaml' }],
  [['controller', '--health-addr', '127.0.0.1:9090', '--id', 'replica-a', '--lease-duration', '30s'], 'controller', { healthAddr: '127.0.0.1:9090', id: 'replica-a', leaseDuration: '30s', leaseName: 'tempcreds-controller' }],
  [['completion', 'zsh'], 'completion', { shell: 'zsh' }],
];

// [command line, what the one error line says]
const badUsage: [string[], RegExp][] = [
  [[], /^error: give a command \(see: kubectl tempcreds --help\)\n$/],
  [['role'], /^error: Not enough non-option arguments: got 0, need at least 1 /],
  [['bogus'], /^error: Unknown argument: bogus /],
  [['issue'], /^error: Not enough non-option arguments: got 0, need at least 1 /],
  [['issue', 'app', '--bogus'], /^error: Unknown argument: bogus /],
  [['issue', 'app', '-o', 'nope'], /^error: Invalid values:\n {2}Argument: output, Given: "nope", Choices: "table", "json", "yaml", "token", "env", "vault-json" /],
  [['role', 'apply'], /^error: Missing required argument: filename /],
  [['completion', 'fish'], /^error: Invalid values:\n {2}Argument: shell, Given: "fish", Choices: "bash", "zsh" /],
  [['setup', '--service-account', 'tc/issuer', '--user', 'alice'], /^error: Arguments service-account and user are mutually exclusive /],
  [['role', 'list', '--roles', 'remote'], /^error: Invalid values:\n {2}Argument: roles, Given: "remote", Choices: "local", "cluster" /],
  [['doctor', '--token-cache', 'disk'], /^error: Invalid values:\n {2}Argument: token-cache, Given: "disk", Choices: "auto", "keychain", "file", "none" /],
];

describe('command line → handler arguments', () => {
  it('every command of the table has a row', async () => {
    const { commandTable } = await import('../../src/cli/command-table.ts');
    const names = commandTable.flatMap((command) => (command.subcommands.length > 0 ? command.subcommands.map((sub) => `${command.command.split(' ')[0]} ${sub.command.split(' ')[0]}`) : [command.command.split(' ')[0]]));
    assert.deepEqual([...new Set(commandLines.map(([, handler]) => handler))].sort(), names.sort());
  });

  for (const [argv, handler, expected] of commandLines) {
    it(`${argv.join(' ')} → ${handler}`, async () => {
      const parsed = await parse(argv);
      assert.equal(parsed.stderr, '');
      assert.equal(parsed.code, 0);
      assert.equal(parsed.path?.join(' '), handler);
      assert.deepEqual(pick(parsed.args, expected), expected);
    });
  }

  it('issue and run: the issue request', async () => {
    const args = async (argv: string[]) => (await parse(argv)).args as unknown as IssueArgs;
    assert.deepEqual(issueRequest(await args(['issue', 'app', '-n', 'demo', '--ttl', '30m', '--audience', 'a', '--audience', 'b', '--cluster-role-binding'])), {
      role: 'app',
      namespace: 'demo',
      ttl: '30m',
      clusterRoleBinding: true,
      audiences: ['a', 'b'],
    });
    assert.deepEqual(issueRequest(await args(['run', 'app', '--', 'true'])), { role: 'app', namespace: undefined, ttl: undefined, clusterRoleBinding: false, audiences: undefined });
  });

  it('role create and update: only the given fields, in the role spec\'s names', async () => {
    const patch = async (argv: string[]) => roleSpecPatch((await parse(argv)).args as unknown as RoleFieldArgs);
    assert.deepEqual(await patch(['role', 'create', 'r', '--service-account', 'sa', '--allowed-namespaces', 'a,b', '--allowed-namespaces', 'c', '--extra-labels', 'x=1,y=2', '--allow-cluster-role-binding']), {
      allowedNamespaces: ['a', 'b', 'c'],
      serviceAccount: 'sa',
      extraLabels: { x: '1', y: '2' },
      allowClusterRoleBinding: true,
    });
    assert.deepEqual(await patch(['role', 'update', 'r', '--no-allow-cluster-role-binding', '--rules', '{"rules":[]}', '--namespace-selector', 'env=dev']), {
      namespaceSelector: 'env=dev',
      rules: { rules: [] },
      allowClusterRoleBinding: false,
    });
  });

  it('revoke: exactly one target', async () => {
    const revokeTarget = async (argv: string[]) => target((await parse(argv)).args as unknown as Parameters<typeof target>[0]);
    assert.deepEqual(await revokeTarget(['revoke', 'kubernetes/creds/app/0123456789ab']), { id: 'app/0123456789ab' });
    assert.deepEqual(await revokeTarget(['revoke', '--role', 'app']), { role: 'app' });
    assert.deepEqual(await revokeTarget(['revoke', '--all']), { all: true });
    await assert.rejects(revokeTarget(['revoke', '--all', '--role', 'app']), { exitCode: 2, message: /exactly one/ });
  });

  it('setup: the issuer identity, and bad flags refused before any cluster access', async () => {
    const setup = async (argv: string[]) => issuerSetup((await parse(argv)).args as unknown as Parameters<typeof issuerSetup>[0]);
    assert.deepEqual(await setup(['setup', '--service-account', 'tc/issuer', '--namespaces', 'a,b', '--cluster-scoped', '--no-escalate', '--max-ttl', '2h']), {
      subject: { kind: 'ServiceAccount', namespace: 'tc', name: 'issuer' },
      name: 'kubectl-tempcreds-issuer',
      namespaces: ['a', 'b'],
      clusterScoped: true,
      withEscalation: false,
      guard: true,
      maxTtlSeconds: 7200,
    });
    assert.deepEqual((await setup(['setup', '--user', 'alice', '--all-namespaces'])).subject, { kind: 'User', name: 'alice' });
    await assert.rejects(setup(['setup', '--user', 'alice']), { exitCode: 2 });
    await assert.rejects(setup(['setup', '--user', 'alice', '--all-namespaces', '--max-ttl', 'soon']), { exitCode: 2 });
  });

  for (const [argv, message] of badUsage) {
    it(`bad usage: ${argv.join(' ') || '(nothing)'} → exit 2`, async () => {
      const parsed = await parse(argv);
      assert.equal(parsed.code, 2);
      assert.equal(parsed.path, undefined, 'no handler runs');
      assert.match(parsed.stderr, message);
      assert.match(parsed.stderr, /\(see: kubectl tempcreds --help\)\n$/);
    });
  }
});
