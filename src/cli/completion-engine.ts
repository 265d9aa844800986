// Shell completion, computed in the program (Cobra's `__complete` protocol, which kubectl
// speaks to plugins): the words typed so far go in; candidates come out one per line
// (`value\tdescription`), then `:DIRECTIVE`. The command tree is read from the command
// table's specs — their builders run against a recorder — so new commands complete with
// no change here; only the value sources (roles, leases, namespaces, contexts) are named.

import type { Argv } from 'yargs';
import type { Command } from './command-spec.js';
import type { GlobalArgs } from './global-flags.js';

/** Cobra's directives: let the shell complete file names, or not. */
export const FILES = 0;
export const NO_FILES = 4;

export interface FlagSpec {
  names: string[];
  takesValue: boolean;
  choices?: string[];
  describe?: string;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  describe?: string;
  positionals: { name: string; choices?: string[] }[];
  flags: FlagSpec[];
  subcommands: CommandSpec[];
}

type OptionSpec = { alias?: string | string[]; type?: string; choices?: readonly string[]; describe?: string; hidden?: boolean };

/** A stand-in for yargs that records what a builder declares and chains everything else. */
function recorder(spec: CommandSpec): Argv<GlobalArgs> {
  const flag = (name: string, options: OptionSpec = {}) => {
    if (options.hidden) return;
    const aliases = options.alias === undefined ? [] : Array.isArray(options.alias) ? options.alias : [options.alias];
    spec.flags.push({
      names: [name, ...aliases],
      takesValue: options.type !== 'boolean' && options.type !== 'count',
      ...(options.choices ? { choices: [...options.choices] } : {}),
      ...(options.describe ? { describe: options.describe } : {}),
    });
  };
  const proxy: unknown = new Proxy(
    {},
    {
      get: (_, property) => (...args: unknown[]) => {
        if (property === 'option' && typeof args[0] === 'string') flag(args[0], args[1] as OptionSpec);
        else if ((property === 'options' || property === 'option') && typeof args[0] === 'object') {
          for (const [name, options] of Object.entries(args[0] as Record<string, OptionSpec>)) flag(name, options);
        } else if (property === 'positional' && typeof args[0] === 'string') {
          const choices = (args[1] as OptionSpec | undefined)?.choices;
          const positional = spec.positionals.find((item) => item.name === args[0]);
          if (positional && choices) positional.choices = [...choices];
        }
        return proxy;
      },
    },
  );
  // Only the methods builders call are answered, each returning the recorder: enough of an Argv for them.
  return proxy as Argv<GlobalArgs>;
}

export function commandSpecs(commands: readonly Command[]): CommandSpec[] {
  return commands.flatMap((command): CommandSpec[] => {
    if (command.describe === false) return []; // hidden
    const [name = '', ...placeholders] = command.command.trim().split(/\s+/);
    const spec: CommandSpec = {
      name,
      aliases: [...(command.aliases ?? [])],
      ...(command.describe ? { describe: command.describe } : {}),
      // A group's `<command>` placeholder is the subcommand itself.
      positionals: command.subcommands.length > 0 ? [] : placeholders.map((placeholder: string) => ({ name: placeholder.replace(/^[<[]|(\.\.)?[>\]]$/g, '').replace(/\.\.$/, '') })),
      flags: [],
      subcommands: commandSpecs(command.subcommands),
    };
    command.builder?.(recorder(spec));
    return [spec];
  });
}

export function globalFlagSpecs(declare: (cli: Argv<GlobalArgs>) => unknown): FlagSpec[] {
  const spec: CommandSpec = { name: '', aliases: [], positionals: [], flags: [], subcommands: [] };
  declare(recorder(spec));
  return spec.flags;
}

/** Where a value comes from: what the user is completing. */
export type ValueSlot =
  | { kind: 'flag'; flag: FlagSpec; path: string[] }
  | { kind: 'positional'; name: string; choices?: string[]; path: string[] }
  | { kind: 'none' };

export interface Completion {
  candidates: { value: string; describe?: string }[];
  /** Cobra's directive: NO_FILES or FILES. */
  directive: number;
}

export interface ParsedWords {
  path: string[];
  /** Values given so far, by flag's first name or positional name: a role named earlier narrows namespaces. */
  given: Record<string, string>;
  node: CommandSpec;
  current: string;
  slot: ValueSlot;
}

const flagName = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

/** Walks the words typed so far through the command tree. The last word is the one being completed. */
export function parseWords(root: CommandSpec, globalFlags: FlagSpec[], words: string[]): ParsedWords {
  const typed = words.length === 0 ? [''] : words;
  const current = typed[typed.length - 1]!;
  let node = root;
  const path: string[] = [];
  const given: Record<string, string> = {};
  let positionalIndex = 0;
  let pending: FlagSpec | undefined;
  let afterDashes = false;
  const flags = () => [...node.flags, ...globalFlags];
  const findFlag = (word: string) => flags().find((flag) => flag.names.some((name) => flagName(name) === word));
  for (const word of typed.slice(0, -1)) {
    if (pending) {
      given[pending.names[0]!] = word;
      pending = undefined;
    } else if (!afterDashes && word === '--') afterDashes = true;
    else if (!afterDashes && word.startsWith('-') && word.length > 1) {
      const [name, value] = word.split(/=(.*)/s) as [string, string | undefined];
      const flag = findFlag(name);
      if (flag?.takesValue && value === undefined) pending = flag;
      else if (flag && value !== undefined) given[flag.names[0]!] = value;
    } else {
      const sub = afterDashes ? undefined : node.subcommands.find((command) => command.name === word || command.aliases.includes(word));
      if (sub) {
        node = sub;
        path.push(sub.name);
        positionalIndex = 0;
      } else {
        const positional = node.positionals[positionalIndex++];
        if (positional) given[positional.name] = word;
      }
    }
  }
  let slot: ValueSlot = { kind: 'none' };
  if (pending) slot = { kind: 'flag', flag: pending, path };
  else if (!afterDashes && current.startsWith('-') && current.includes('=')) {
    const flag = findFlag(current.split('=')[0]!);
    if (flag?.takesValue) slot = { kind: 'flag', flag, path };
  } else if (node.subcommands.length === 0 && !(current.startsWith('-') && !afterDashes)) {
    const positional = node.positionals[positionalIndex];
    if (positional) slot = { kind: 'positional', ...positional, path };
  }
  return { path, given, node, current: slot.kind === 'flag' && current.startsWith('-') ? current.split(/=(.*)/s)[1] ?? '' : current, slot };
}

/** Flag names and subcommands: everything that is not a value. */
export function structuralCandidates(parsed: ParsedWords, globalFlags: FlagSpec[]): Completion['candidates'] {
  const { node, current } = parsed;
  if (current.startsWith('-')) {
    return [...node.flags, ...globalFlags, { names: ['help', 'h'], takesValue: false, describe: 'Show help' }].flatMap((flag) =>
      flag.names.map((name) => ({ value: flagName(name), ...(flag.describe ? { describe: flag.describe } : {}) })),
    );
  }
  return node.subcommands.map((command) => ({ value: command.name, ...(command.describe ? { describe: command.describe } : {}) }));
}
