// `lease list|get`: the leases this machine issued.

import type { Argv, CommandModule } from 'yargs';
import { formatDuration } from '../../core/duration.js';
import { invalidInput } from '../../core/errors.js';
import { isExpired, parseLeaseId, type LeaseRecord, type ObjectRef } from '../../core/lease.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { print, warn } from '../io.js';
import { columns, keyValues, structured, type OutputFormat } from '../render.js';

type LeaseArgs = GlobalArgs & { id: string; role?: string; output: OutputFormat };

const outputOption = { alias: 'o', choices: ['table', 'json', 'yaml'] as const, default: 'table' as const, describe: 'Output format' };

export function describeObject(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function status(lease: LeaseRecord, now: Date): string {
  if (isExpired(lease, now)) return 'expired';
  return `${formatDuration(Math.max(0, Math.round((Date.parse(lease.expiresAt) - now.getTime()) / 1000)))} left`;
}

const list: CommandModule<GlobalArgs, LeaseArgs> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'List leases',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('role', { type: 'string', describe: 'Only leases of exactly this role' })
      .option('output', outputOption)
      .example('$0 lease list --role rules', 'leases of one role') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const { leases, unreadable } = await runtime.leases.list(args.role);
    unreadable.forEach(warn);
    const shown = args.namespace ? leases.filter((lease) => lease.namespace === args.namespace) : leases;
    const now = runtime.now();
    if (args.output !== 'table') print(structured(shown, args.output));
    else if (shown.length === 0) print('No leases.');
    else print(columns(['LEASE ID', 'NAMESPACE', 'SERVICE ACCOUNT', 'EXPIRES', 'STATUS'], shown.map((lease) => [lease.id, lease.namespace, lease.serviceAccountName, lease.expiresAt, status(lease, now)])));
  },
};

const get: CommandModule<GlobalArgs, LeaseArgs> = {
  command: 'get <id>',
  describe: 'Show a lease and the objects it created',
  builder: (cli) => (cli as Argv<GlobalArgs>).positional('id', { type: 'string', demandOption: true }).option('output', outputOption) as never,
  handler: async (args) => {
    parseLeaseId(args.id);
    const runtime = runtimeFor(args);
    const lease = await runtime.leases.get(args.id);
    if (!lease) throw invalidInput(`lease "${args.id}" is not known here (see: kubectl tempcreds lease list)`);
    if (args.output !== 'table') return print(structured(lease, args.output));
    print(
      keyValues([
        ['lease_id', lease.id],
        ['role', lease.role],
        ['status', status(lease, runtime.now())],
        ['issued_at', lease.issuedAt],
        ['expires_at', lease.expiresAt],
        ['service_account', `${lease.namespace}/${lease.serviceAccountName}${lease.serviceAccountCreated ? '' : ' (existing)'}`],
        ['issuer', `${lease.issuedBy} (context ${lease.context}, ${lease.cluster})`],
        ['objects', lease.objects.map(describeObject).join(', ')],
      ]),
    );
  },
};

export const leaseCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'lease <command>',
  describe: 'Inspect leases (list, get)',
  builder: (cli) => cli.command([list, get] as CommandModule<GlobalArgs, never>[]).demandCommand(1, 'give a lease subcommand') as never,
  handler: () => undefined,
};
