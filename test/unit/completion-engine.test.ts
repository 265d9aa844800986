import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { group, leaf } from '../../src/cli/command-spec.ts';
import { commandSpecs, globalFlagSpecs, parseWords, structuralCandidates } from '../../src/cli/completion-engine.ts';
import { withGlobalOptions } from '../../src/cli/global-flags.ts';

const noHandler = async () => () => undefined;
const get = leaf({ command: 'get <name>', describe: 'Show', builder: (cli) => cli.positional('name', { type: 'string' }).option('output', { alias: 'o', choices: ['json', 'yaml'] }) }, noHandler);
const roles = group({ command: 'role <command>', describe: 'Roles', demand: 'give a role subcommand' }, [get]);
const issue = leaf({ command: 'issue <role>', describe: 'Issue', builder: (cli) => cli.option('ttl', { type: 'string' }).option('cluster-role-binding', { type: 'boolean' }) }, noHandler);
const hidden = leaf({ command: 'secret', describe: false, builder: (cli) => cli }, noHandler);

const root = { name: '', aliases: [], positionals: [], flags: [], subcommands: commandSpecs([roles, issue, hidden]) };
const globals = globalFlagSpecs(withGlobalOptions);
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
