// `run ROLE -n NS -- COMMAND…`: parses, and hands the command to the run use case
// (app/run.ts) with a fresh lease; the command's exit code becomes ours.

import { runWithLease } from '../../app/run.js';
import { CommandExit, invalidInput } from '../../core/errors.js';
import type { CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { issueRequest } from '../issue-options.js';
import { warn } from '../io.js';
import type { runSpec } from '../specs/run.js';

/** The words after `--` (the builder asks yargs for them: populate--), which yargs does not type. */
const afterDashes = (args: Record<string, unknown>): string[] => (Array.isArray(args['--']) ? args['--'].map(String) : []);

export const runCommand: CommandHandler<typeof runSpec> = {
  handler: async (args) => {
    const [command, ...commandArgs] = afterDashes(args);
    if (!command) throw invalidInput('give the command to run after --, e.g. kubectl tempcreds run ROLE -n NS -- kubectl get pods');
    const exitCode = await runWithLease(composeFor(args).runPorts(warn), issueRequest(args), [command, ...commandArgs]);
    if (exitCode !== 0) throw new CommandExit(exitCode);
  },
};
