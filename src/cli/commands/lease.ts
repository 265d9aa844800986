// `lease list|get`: the leases this machine issued.

import { formatDuration } from '../../core/duration.js';
import { invalidInput } from '../../core/errors.js';
import { isExpired, leaseIdFromInput, type LeaseRecord } from '../../core/lease.js';
import { describeRef } from '../../core/object-ref.js';
import { findLeases } from '../../app/leases.js';
import type { CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print, warn } from '../io.js';
import { columns, keyValues, structured } from '../render.js';
import type { leaseGetSpec, leaseListSpec } from '../specs/lease.js';

function status(lease: LeaseRecord, now: Date): string {
  if (!lease.expiresAt) return 'unknown';
  if (isExpired(lease, now)) return 'expired';
  return `${formatDuration(Math.max(0, Math.round((Date.parse(lease.expiresAt) - now.getTime()) / 1000)))} left`;
}

export const list: CommandHandler<typeof leaseListSpec> = {
  handler: async (args) => {
    const root = composeFor(args);
    const target = args.role ? { role: args.role } : { all: true as const };
    const { found, warnings } = await findLeases(root.leaseSources(args.namespace), target, { cluster: !args.local });
    warnings.forEach(warn);
    const shown = found.filter(({ lease }) => !args.namespace || lease.namespace === args.namespace);
    const now = root.now();
    if (args.output !== 'table') print(structured(shown.map(({ lease, where }) => ({ ...lease, foundIn: where })), args.output));
    else if (shown.length === 0) print('No leases.');
    else
      print(
        columns(
          ['LEASE ID', 'NAMESPACE', 'SERVICE ACCOUNT', 'EXPIRES', 'STATUS', 'FOUND IN'],
          shown.map(({ lease, where }) => [lease.id, lease.namespace, lease.serviceAccountName, lease.expiresAt || '-', status(lease, now), where]),
        ),
      );
  },
};

export const get: CommandHandler<typeof leaseGetSpec> = {
  handler: async (args) => {
    const id = leaseIdFromInput(args.id);
    const root = composeFor(args);
    const history = await root.auditHistory(id);
    const historyRows = history.map((event, index): [string, string] => [
      index === 0 ? 'history' : '',
      `${event.time} ${event.action} ${event.outcome} by ${event.identity}${event.error ? `: ${event.error}` : ''}`,
    ]);
    const lease = (await root.leases.get(id)) ?? (await findLeases(root.leaseSources(args.namespace), { id })).found[0]?.lease;
    if (!lease) {
      // Revoked or collected: only its history is left.
      if (history.length === 0) throw invalidInput(`lease "${id}" is neither recorded here nor found in the cluster (see: kubectl tempcreds lease list)`);
      if (args.output !== 'table') return print(structured({ id, status: 'gone', history }, args.output));
      return print(keyValues([['lease_id', id], ['status', 'gone (revoked or collected)'], ...historyRows]));
    }
    if (args.output !== 'table') return print(structured({ ...lease, history }, args.output));
    print(
      keyValues([
        ['lease_id', lease.id],
        ['role', lease.role],
        ['status', status(lease, root.now())],
        ['issued_at', lease.issuedAt],
        ['expires_at', lease.expiresAt],
        ['service_account', `${lease.namespace}/${lease.serviceAccountName}${lease.serviceAccountCreated ? '' : ' (existing)'}`],
        ['issuer', `${lease.issuedBy} (context ${lease.context}, ${lease.cluster})`],
        ['objects', lease.objects.map(describeRef).join(', ')],
        ...historyRows,
      ]),
    );
  },
};

