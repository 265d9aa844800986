// `version`: what shell completion and help know of it.

import { outputOption, spec } from '../command-spec.js';

export const versionSpec = spec({
  command: 'version',
  describe: 'Show the version, the commit it was built from, the Node.js running it and the platform',
  builder: (cli) =>
    cli
      .option('output', outputOption)
      .example('$0 version', 'one line each: version, commit, node, platform')
      .example('$0 version -o json', 'the same as JSON, for scripts and bug reports'),
});
