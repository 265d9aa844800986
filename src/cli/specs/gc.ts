// `gc`: what shell completion and help know of it.

import { spec } from '../command-spec.js';

export const gcSpec = spec({
  command: 'gc',
  describe: "Delete the objects of expired leases (by the API server's clock) and what crashed issuances left behind",
  builder: (cli) =>
    cli
      .option('dry-run', { type: 'boolean', default: false, describe: 'Only show what would be deleted' })
      .option('orphan-grace', { type: 'string', default: '10m', describe: 'Leave unfinished leases younger than this alone (an issuance may be in flight)' })
      .option('local', { type: 'boolean', default: false, describe: "Only revoke this machine's expired leases (no cluster-wide listing)" })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print nothing unless something fails' })
      .example('$0 gc --dry-run', 'what would be deleted, and why')
      .example('$0 gc --context prod-issuer', 'collect in another cluster; safe to run from two machines at once')
      .example('$0 gc -n team-a', 'an issuer set up with --namespaces searches where this machine knows it serves: -n adds one'),
});
