import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandModule } from 'yargs';
import { commandSpecs, globalFlagSpecs, parseWords, structuralCandidates } from '../../src/cli/completion-engine.ts';
import { withGlobalOptions } from '../../src/cli/global-options.ts';

const get: CommandModule = { command: 'get <name>', describe: 'Show', builder: (cli) => cli.positional('name', { type: 'string' }).option('output', { alias: 'o', choices: ['json', 'yaml'] }), handler: () => undefined };
const group: CommandModule = { command: 'role <command>', describe: 'Roles', builder: (cli) => cli.command([get]).demandCommand(1), handler: () => undefined };
const issue: CommandModule = { command: 'issue <role>', describe: 'Issue', builder: (cli) => cli.option('ttl', { type: 'string' }).option('cluster-role-binding', { type: 'boolean' }), handler: () => undefined };
const hidden: CommandModule = { command: 'secret', describe: false, handler: () => undefined };

const root = { name: '', aliases: [], positionals: [], flags: [], subcommands: commandSpecs([group, issue, hidden]) };
const globals = globalFlagSpecs(withGlobalOptions as never);
const parse = (...words: string[]) => parseWords(root, globals, words);

describe('completion engine', () => {
  it('reads the tree from the command modules, hidden ones left out', () => {
    assert.deepEqual(root.subcommands.map((command) => command.name), ['role', 'issue']);
    assert.deepEqual(root.subcommands[0]!.subcommands[0]!.positionals, [{ name: 'name' }]);
    assert.deepEqual(globals.map((flag) => flag.names[0]), ['kubeconfig', 'context', 'namespace', 'request-timeout', 'roles']);
  });
  it('offers subcommands, then the positional slot', () => {
    assert.deepEqual(structuralCandidates(parse('role', ''), globals).map((candidate) => candidate.value), ['get']);
    assert.deepEqual(parse('role', 'get', 'x').slot, { kind: 'positional', name: 'name', path: ['role', 'get'] });
  });
  it('completes the value of a flag given as two words or with =, and skips values already given', () => {
    assert.equal((parse('issue', 'r', '-n', '') as { slot: { kind: string; flag?: { names: string[] } } }).slot.flag?.names[0], 'namespace');
    const withEquals = parse('issue', 'r', '--namespace=de');
    assert.equal(withEquals.slot.kind, 'flag');
    assert.equal(withEquals.current, 'de');
    const after = parse('issue', '--ttl', '1h', 'myrole', '-n', '');
    assert.deepEqual(after.given, { ttl: '1h', role: 'myrole' });
    assert.deepEqual(parse('issue', '--cluster-role-binding', 'myrole', '').given, { role: 'myrole' }, 'a boolean flag takes no value');
  });
  it('offers flags for a word starting with -', () => {
    const values = structuralCandidates(parse('role', 'get', 'x', '--o'), globals).map((candidate) => candidate.value);
    assert.ok(values.includes('--output') && values.includes('-o') && values.includes('--namespace'), values.join(' '));
    assert.equal(parse('role', 'get', 'x', '--o').slot.kind, 'none');
  });
});
