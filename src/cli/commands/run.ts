// `run ROLE -n NS -- COMMAND…`: parses, and hands the command to the run use case
// (app/run.ts) with a fresh lease; the command's exit code becomes ours.

import type { Argv, CommandModule } from 'yargs';
import { runWithLease } from '../../app/run.js';
import { CommandExit, invalidInput } from '../../core/errors.js';
import { composeFor, type GlobalArgs } from '../global-options.js';
import { issueOptions, issueRequest, type IssueArgs } from '../issue-options.js';
import { warn } from '../io.js';

type RunArgs = GlobalArgs & IssueArgs & { '--'?: string[] };

export const runCommand: CommandModule<GlobalArgs, RunArgs> = {
  command: 'run <role>',
  describe: 'Run one command with a fresh lease, revoked when the command exits',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('role', { type: 'string', demandOption: true })
      .options(issueOptions)
      .parserConfiguration({ 'populate--': true })
      .example('$0 run existing-role -n demo -- kubectl get pods', 'kubectl with a lease that lives as long as the command')
      .example('$0 run deployer -n prod --ttl 15m -- helm upgrade app ./chart', 'a CI step with least privilege') as never,
  handler: async (args) => {
    const [command, ...commandArgs] = args['--'] ?? [];
    if (!command) throw invalidInput('give the command to run after --, e.g. kubectl tempcreds run ROLE -n NS -- kubectl get pods');
    const exitCode = await runWithLease(composeFor(args).runPorts(warn), issueRequest(args), [command, ...commandArgs]);
    if (exitCode !== 0) throw new CommandExit(exitCode);
  },
};
