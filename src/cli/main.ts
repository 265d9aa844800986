// The CLI entry: the command table, argument parsing, and the one place that turns
// errors into a message on stderr and an exit code. Commands never exit the process.

import yargs, { type CommandModule } from 'yargs';
import { CommandExit, exitCodeOf, invalidInput } from '../core/errors.js';
import { roleCommand } from './commands/role.js';
import { issueCommand } from './commands/issue.js';
import { leaseCommand } from './commands/lease.js';
import { revokeCommand } from './commands/revoke.js';
import { kubeconfigCommand } from './commands/kubeconfig.js';
import { gcCommand } from './commands/gc.js';
import { runCommand } from './commands/run.js';
import { setupCommand } from './commands/setup.js';
import { doctorCommand } from './commands/doctor.js';
import { complete, completionCommand } from './commands/completion.js';
import { versionCommand } from './commands/version.js';
import { controllerCommand } from './commands/controller.js';
import { packageVersion } from '../adapters/build-info.js';
import { withGlobalOptions, type GlobalArgs } from './global-options.js';
import { printError } from './io.js';
import { programName } from './program.js';

const commands: CommandModule<GlobalArgs, never>[] = [roleCommand, issueCommand, leaseCommand, revokeCommand, kubeconfigCommand, gcCommand, runCommand, setupCommand, doctorCommand, controllerCommand, versionCommand, completionCommand] as never;

export async function main(args: string[]): Promise<number> {
  if (args[0] === '__complete') return complete(args.slice(1), commands); // shell completion (Cobra's protocol, as kubectl expects)
  const name = programName();
  const cli = withGlobalOptions(yargs(args))
    .scriptName(name)
    .usage(`${name}: short-lived, least-privilege Kubernetes credentials (Vault's Kubernetes secrets engine, without Vault)\n\nUsage: ${name} <command> [options]`)
    .command(commands)
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
