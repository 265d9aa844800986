// `run ROLE -- COMMAND…`: what shell completion and help know of it.

import { spec } from '../command-spec.js';
import { issueOptions } from '../issue-options.js';

export const runSpec = spec({
  command: 'run <role>',
  describe: 'Run one command with a fresh lease, revoked when the command exits',
  builder: (cli) =>
    cli
      .positional('role', { type: 'string', demandOption: true })
      .options(issueOptions)
      .parserConfiguration({ 'populate--': true })
      .example('$0 run existing-role -n demo -- kubectl get pods', 'kubectl with a lease that lives as long as the command')
      .example('$0 run deployer -n prod --ttl 15m -- helm upgrade app ./chart', 'a CI step with least privilege'),
});
