// The CLI entry: argument parsing over the command table, and the one place that turns
// errors into a message on stderr and an exit code. Commands never exit the process.
// yargs and each command's handler are imported only when needed: `__complete`, run on
// every TAB, is answered from the specs alone.

import { packageVersion } from '../adapters/build-info.js';
import { CommandExit, exitCodeOf, invalidInput } from '../core/errors.js';
import type { Dispatch } from './command-spec.js';
import { commandTable } from './command-table.js';
import { processEdges, useEdges, type CliEdges } from './edges.js';
import { printError } from './io.js';
import { withGlobalOptions } from './global-flags.js';
import { programName } from './program.js';

/** The entry's edges (environment, output, clock: tests run it in-process) and what names it. */
export interface MainOptions extends Partial<CliEdges> {
  /** The script's path, which names the program in usage text (see program.ts). */
  scriptPath?: string;
  /** Runs in place of the handlers (tests: what a command line parses to). */
  dispatch?: Dispatch;
}

export async function main(args: string[], { scriptPath = process.argv[1], dispatch, ...edges }: MainOptions = {}): Promise<number> {
  useEdges({ ...processEdges, ...edges });
  if (args[0] === '__complete') return (await import('./complete.js')).complete(args.slice(1), commandTable); // shell completion (Cobra's protocol, as kubectl expects)
  const { default: yargs } = await import('yargs');
  const name = programName(scriptPath);
  const cli = commandTable
    .reduce(
      (program, command) => command.register(program, [], dispatch),
      withGlobalOptions(yargs(args))
        .scriptName(name)
        .usage(`${name}: short-lived, least-privilege Kubernetes credentials (Vault's Kubernetes secrets engine, without Vault)\n\nUsage: ${name} <command> [options]`),
    )
    .demandCommand(1, 'give a command')
    .recommendCommands()
    .strict()
    .help('help')
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(Math.min(120, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? invalidInput(`${message} (see: ${name} --help)`);
    });
  try {
    await cli.parseAsync();
    return 0;
  } catch (error) {
    if (error instanceof CommandExit) return error.code;
    printError((error as Error).message ?? String(error));
    return exitCodeOf(error);
  }
}
