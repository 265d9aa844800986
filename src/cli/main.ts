// The CLI entry: the command table, argument parsing, and the one place that turns
// errors into a message on stderr and an exit code. Commands never exit the process.

import { readFileSync } from 'node:fs';
import yargs, { type CommandModule } from 'yargs';
import { exitCodeOf, invalidInput, type ExitCode } from '../core/errors.js';
import { roleCommand } from './commands/role.js';
import { issueCommand } from './commands/issue.js';
import { leaseCommand } from './commands/lease.js';
import { revokeCommand } from './commands/revoke.js';
import { kubeconfigCommand } from './commands/kubeconfig.js';
import { withGlobalOptions, type GlobalArgs } from './global-options.js';
import { programName } from './program.js';

const commands: CommandModule<GlobalArgs, never>[] = [roleCommand, issueCommand, leaseCommand, revokeCommand, kubeconfigCommand] as never;

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function main(args: string[]): Promise<ExitCode> {
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
    .version(version())
    .wrap(Math.min(120, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? invalidInput(`${message} (see: ${name} --help)`);
    });
  try {
    await cli.parseAsync();
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeOf(error);
  }
}
