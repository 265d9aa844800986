// `lease list|get`: what shell completion and help know of them.

import { outputOption, spec } from '../command-spec.js';

export const leaseListSpec = spec({
  command: 'list',
  aliases: ['ls'],
  describe: 'List leases',
  builder: (cli) =>
    cli
      .option('role', { type: 'string', describe: 'Only leases of exactly this role' })
      .option('local', { type: 'boolean', default: false, describe: "Only this machine's records (no API call)" })
      .option('output', outputOption)
      .example('$0 lease list --role rules', 'leases of one role, recorded here or found in the cluster')
      .example('$0 lease list --local -o json', "this machine's records, without the API")
      .example('$0 lease list -n team-a', 'leases in team-a, also where an issuer set up with --namespaces has no role of this machine'),
});

export const leaseGetSpec = spec({
  command: 'get <id>',
  describe: 'Show a lease and the objects it created',
  builder: (cli) =>
    cli
      .positional('id', { type: 'string', demandOption: true, describe: 'Lease id (ROLE/ID, or kubernetes/creds/ROLE/ID as -o vault-json prints it)' })
      .option('output', outputOption)
      .example('$0 lease get sample-app/0123456789ab -o yaml', 'the lease record, with every object it created'),
});
