// `issue ROLE`: a new lease and its token (Vault's `write kubernetes/creds/ROLE`).

import { randomUUID } from 'node:crypto';
import { issueLease, type IssuedLease } from '../../app/issue.js';
import { formatDuration } from '../../core/duration.js';
import { printPreview } from '../preview-output.js';
import type { ArgsOf, CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { issueRequest } from '../issue-options.js';
import { warn, write } from '../io.js';
import { keyValues, structured } from '../render.js';
import { describeRef } from '../../core/object-ref.js';
import { vaultCredsResponse } from '../../core/vault-creds.js';
import type { issueSpec } from '../specs/issue.js';

type IssueCommandArgs = ArgsOf<typeof issueSpec>;

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

export const issueCommand: CommandHandler<typeof issueSpec> = {
  handler: async (args) => {
    const root = composeFor(args);
    if (args['dry-run']) return printPreview(root.issueDeps, args, args.output);
    const issued = await issueLease(root.issueDeps, issueRequest(args));
    issued.warnings.forEach(warn);
    write(renderIssued(issued, args.output));
    await root.sweep();
  },
};
