// `version`: what this build is — the lines doctor starts with, or JSON/YAML for scripts.

import type { Argv, CommandModule } from 'yargs';
import { buildInfo } from '../../adapters/build-info.js';
import { versionEntries } from '../../core/build-info.js';
import type { GlobalArgs } from '../global-options.js';
import { print } from '../io.js';
import { structured, type OutputFormat } from '../render.js';

type VersionArgs = GlobalArgs & { output: OutputFormat };

export const versionCommand: CommandModule<GlobalArgs, VersionArgs> = {
  command: 'version',
  describe: 'Show the version, the commit it was built from, the Node.js running it and the platform',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('output', { alias: 'o', choices: ['table', 'json', 'yaml'] as const, default: 'table' as const, describe: 'Output format' })
      .example('$0 version', 'one line each: version, commit, node, platform')
      .example('$0 version -o json', 'the same as JSON, for scripts and bug reports') as never,
  handler: (args) => {
    const info = buildInfo();
    if (args.output !== 'table') return print(structured(info, args.output));
    const entries = versionEntries(info);
    const width = Math.max(...entries.map(([key]) => key.length)) + 2;
    print(entries.map(([key, value]) => `${key.padEnd(width)}${value}`).join('\n'));
  },
};
