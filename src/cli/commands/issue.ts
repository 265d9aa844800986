// `issue ROLE`: a new lease and its token (Vault's `write kubernetes/creds/ROLE`).

import { randomUUID } from 'node:crypto';
import type { Argv, CommandModule } from 'yargs';
import { sweepExpiredLeases } from '../../adapters/background-sweep.js';
import { issueLease, type IssuedLease } from '../../app/issue.js';
import { formatDuration } from '../../core/duration.js';
import { issueDepsOf } from '../../runtime.js';
import { printPreview } from '../preview-output.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { issueOptions, issueRequest, type IssueArgs } from '../issue-options.js';
import { warn } from '../io.js';
import { keyValues, structured } from '../render.js';
import { describeRef } from '../../core/object-ref.js';
import { vaultCredsResponse } from '../../core/vault-creds.js';

const formats = ['table', 'json', 'yaml', 'token', 'env', 'vault-json'] as const;
type IssueCommandArgs = GlobalArgs & IssueArgs & { output: (typeof formats)[number]; 'dry-run': boolean };

function fields({ lease, token }: IssuedLease) {
  return {
    lease_id: lease.id,
    lease_duration: lease.ttlSeconds,
    lease_renewable: false,
    expires_at: lease.expiresAt,
    service_account_name: lease.serviceAccountName,
    service_account_namespace: lease.namespace,
    service_account_token: token,
    created_objects: lease.objects.map(describeRef),
  };
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

function renderIssued(issued: IssuedLease, format: IssueCommandArgs['output']): string {
  const { lease, token } = issued;
  switch (format) {
    case 'token':
      return `${token}\n`;
    case 'env':
      return [
        ['TEMPCREDS_LEASE_ID', lease.id],
        ['TEMPCREDS_EXPIRES_AT', lease.expiresAt],
        ['TEMPCREDS_NAMESPACE', lease.namespace],
        ['TEMPCREDS_SERVICE_ACCOUNT', lease.serviceAccountName],
        ['TEMPCREDS_TOKEN', token],
      ]
        .map(([name, value]) => `export ${name}=${shellQuote(value!)}\n`)
        .join('');
    case 'json':
    case 'yaml':
      return structured(fields(issued), format);
    case 'vault-json':
      return structured(vaultCredsResponse(issued, randomUUID()), 'json');
    case 'table': {
      const { lease_duration, created_objects, ...rest } = fields(issued);
      return keyValues([
        ...Object.entries({ ...rest, lease_duration: formatDuration(lease_duration) }).map(([key, value]) => [key, String(value)] as [string, string]),
        ['created_objects', created_objects.join(', ') || 'none (existing ServiceAccount; the token is bound to its lease anchor)'],
      ]);
    }
  }
}

export const issueCommand: CommandModule<GlobalArgs, IssueCommandArgs> = {
  command: 'issue <role>',
  aliases: ['creds'],
  describe: 'Issue a credential (a lease): a TTL-bound token with exactly what the role grants',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('role', { type: 'string', demandOption: true })
      .options(issueOptions)
      .option('output', { alias: 'o', choices: formats, default: 'table' as const, describe: 'Output format; token prints only the token; vault-json what vault write -format=json kubernetes/creds/ROLE prints' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Create nothing: show the TTL and namespace decisions, the objects (-o yaml|json: as manifests) and the token\'s permissions, each object checked by the API server (dryRun=All)' })
      .example('$0 issue sample-app -n demo', 'a lease for the existing ServiceAccount sample-app')
      .example('TOKEN=$($0 issue existing-role -n demo --ttl 30m -o token)', 'only the token, for scripts')
      .example('$0 issue rules -n demo --cluster-role-binding', 'generated rules, bound cluster-wide')
      .example('$0 issue sample-app -n demo -o vault-json | jq -r .data.service_account_token', "Vault's output: scripts written for Vault keep working")
      .example('$0 issue rules -n demo --dry-run -o yaml', 'what the issuance would create, as manifests; nothing is created') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    if (args['dry-run']) return printPreview(runtime, args, args.output);
    const issued = await issueLease(issueDepsOf(runtime), issueRequest(args));
    issued.warnings.forEach(warn);
    process.stdout.write(renderIssued(issued, args.output));
    await sweepExpiredLeases(runtime.paths.leases, runtime.now());
  },
};
