// `issue ROLE`: what shell completion and help know of it.

import { spec } from '../command-spec.js';
import { issueOptions } from '../issue-options.js';

export const formats = ['table', 'json', 'yaml', 'token', 'env', 'vault-json'] as const;

export const issueSpec = spec({
  command: 'issue <role>',
  aliases: ['creds'],
  describe: 'Issue a credential (a lease): a TTL-bound token with exactly what the role grants',
  builder: (cli) =>
    cli
      .positional('role', { type: 'string', demandOption: true })
      .options(issueOptions)
      .option('output', { alias: 'o', choices: formats, default: 'table' as const, describe: 'Output format; token prints only the token; vault-json what vault write -format=json kubernetes/creds/ROLE prints' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Create nothing: show the TTL and namespace decisions, the objects (-o yaml|json: as manifests) and the token\'s permissions, each object checked by the API server (dryRun=All)' })
      .example('$0 issue sample-app -n demo', 'a lease for the existing ServiceAccount sample-app')
      .example('TOKEN=$($0 issue existing-role -n demo --ttl 30m -o token)', 'only the token, for scripts')
      .example('$0 issue rules -n demo --cluster-role-binding', 'generated rules, bound cluster-wide')
      .example('$0 issue sample-app -n demo -o vault-json | jq -r .data.service_account_token', "Vault's output: scripts written for Vault keep working")
      .example('$0 issue rules -n demo --dry-run -o yaml', 'what the issuance would create, as manifests; nothing is created'),
});
