// `gc`: remove what expired leases and crashed issuances left behind, found by label (and
// proven by their anchor) across the cluster, expiry by the API server's clock; prune expired
// local records.

import type { Argv, CommandModule } from 'yargs';
import { collectGarbage } from '../../app/gc.js';
import { parseDuration } from '../../core/duration.js';
import { invalidInput, operationFailed } from '../../core/errors.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { print, warn } from '../io.js';
import { columns } from '../render.js';
import { searchNamespaces } from '../../app/leases.js';

type GcArgs = GlobalArgs & { 'dry-run': boolean; 'orphan-grace': string; local: boolean; quiet: boolean };

export const gcCommand: CommandModule<GlobalArgs, GcArgs> = {
  command: 'gc',
  describe: "Delete the objects of expired leases (by the API server's clock) and what crashed issuances left behind",
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('dry-run', { type: 'boolean', default: false, describe: 'Only show what would be deleted' })
      .option('orphan-grace', { type: 'string', default: '10m', describe: 'Leave unfinished leases younger than this alone (an issuance may be in flight)' })
      .option('local', { type: 'boolean', default: false, describe: "Only revoke this machine's expired leases (no cluster-wide listing)" })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print nothing unless something fails' })
      .example('$0 gc --dry-run', 'what would be deleted, and why')
      .example('$0 gc --context prod-issuer', 'collect in another cluster; safe to run from two machines at once')
      .example('$0 gc -n team-a', 'an issuer set up with --namespaces searches where this machine knows it serves: -n adds one') as never,
  handler: async (args) => {
    const graceSeconds = parseDuration(args['orphan-grace']);
    if (graceSeconds === undefined) throw invalidInput(`--orphan-grace "${args['orphan-grace']}" is not a duration (e.g. 10m)`);
    const runtime = runtimeFor(args);
    const report = await collectGarbage(
      { ...runtime, localLeases: () => runtime.leases.list(), deleteLease: (id) => runtime.leases.delete(id), searchNamespaces: searchNamespaces(runtime, args.namespace) },
      { dryRun: args['dry-run'], graceMs: graceSeconds * 1000, localOnly: args.local },
    );
    [...report.warnings, ...report.failures].forEach(warn);
    if (!args.quiet) {
      if (report.leases.length > 0) print(columns(['LEASE ID', 'REASON', 'OBJECTS'], report.leases.map(({ id, reason, objects }) => [id, reason, String(objects)])));
      print(
        args['dry-run']
          ? `dry run: ${report.leases.length} lease(s) would be collected, ${report.prunedRecords} local record(s) pruned; nothing was deleted`
          : `${report.leases.length} lease(s) collected: ${report.deleted} object(s) deleted${report.alreadyGone ? `, ${report.alreadyGone} already gone` : ''}; ${report.prunedRecords} local record(s) pruned`,
      );
    }
    if (report.failures.length > 0) throw operationFailed(`${report.failures.length} deletion(s) failed; run gc again`);
  },
};
