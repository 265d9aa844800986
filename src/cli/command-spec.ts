// A command is a static spec — usage, description and builder, which help and shell
// completion read — plus a handler that is imported only when the command runs. The
// handler's argument type is read off the builder, so the two cannot drift apart.
// Only types come from yargs here: a spec costs nothing to load.

import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { GlobalArgs } from './global-flags.js';

interface SpecBase {
  /** Usage: the name and its positionals, e.g. `issue <role>`. */
  command: string;
  aliases?: string[];
  /** false hides the command from help and completion. */
  describe: string | false;
}

export interface LeafSpec<A> extends SpecBase {
  builder: (cli: Argv<GlobalArgs>) => Argv<A>;
}

/** What the handler of a spec receives. */
export type ArgsOf<S> = S extends LeafSpec<infer A> ? ArgumentsCamelCase<A> : never;

export type Handler<A> = (args: ArgumentsCamelCase<A>) => void | Promise<void>;

/** What a handler module exports for a spec: `{ handler }`, the shape yargs' command modules have. */
export interface CommandHandler<S> {
  handler: (args: ArgsOf<S>) => void | Promise<void>;
}

/** Runs a command in place of its handler: the seam tests use to see what a command line parses to. */
export type Dispatch = (path: string[], args: ArgumentsCamelCase) => void | Promise<void>;

/** A command of the table, its argument type closed over: what main and completion need. */
export interface Command extends SpecBase {
  /** Declares the command's own flags and positionals (completion runs it against a recorder). */
  builder?: (cli: Argv<GlobalArgs>) => unknown;
  subcommands: Command[];
  /** Adds the command to a yargs program; its handler is imported when it runs, unless `dispatch` runs instead. */
  register(cli: Argv<GlobalArgs>, path: string[], dispatch?: Dispatch): Argv<GlobalArgs>;
}

/** `-o table|json|yaml`, kubectl's output flag, for commands that show stored objects. */
export const outputOption = { alias: 'o', choices: ['table', 'json', 'yaml'] as const, default: 'table' as const, describe: 'Output format' };

/** Names a spec, so the type of its arguments is inferred once, from the builder. */
export const spec = <A>(leaf: LeafSpec<A>): LeafSpec<A> => leaf;

const nameOf = (usage: string) => usage.trim().split(/\s+/)[0]!;

const common = ({ command, aliases, describe }: SpecBase) => ({ command, ...(aliases ? { aliases } : {}), describe });

/** A command that does something: its spec and the import of its handler. */
export function leaf<A>(leafSpec: LeafSpec<A>, load: () => Promise<Handler<A>>): Command {
  return {
    ...common(leafSpec),
    builder: leafSpec.builder,
    subcommands: [],
    register: (cli, path, dispatch) =>
      cli.command<A>({
        ...common(leafSpec),
        builder: leafSpec.builder,
        handler: async (args) => (dispatch ? dispatch([...path, nameOf(leafSpec.command)], args) : (await load())(args)),
      }),
  };
}

/** A command that only groups subcommands (`role create`, `lease get`, …). */
export function group(groupSpec: SpecBase & { demand: string }, subcommands: Command[]): Command {
  return {
    ...common(groupSpec),
    subcommands,
    register: (cli, path, dispatch) =>
      cli.command<GlobalArgs>({
        ...common(groupSpec),
        builder: (inner) => subcommands.reduce((program, sub) => sub.register(program, [...path, nameOf(groupSpec.command)], dispatch), inner).demandCommand(1, groupSpec.demand),
        handler: () => undefined,
      }),
  };
}
