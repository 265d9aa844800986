// `gc`: remove what expired leases and crashed issuances left behind, found by label (and
// proven by their anchor) across the cluster, expiry by the API server's clock; prune expired
// local records.

import { collectGarbage } from '../../app/gc.js';
import { parseDuration } from '../../core/duration.js';
import { invalidInput, operationFailed } from '../../core/errors.js';
import type { CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print, warn } from '../io.js';
import { columnLines } from '../render.js';

/** Lines of the lease table written at a time. */
const PRINT_LINES = 500;
import type { gcSpec } from '../specs/gc.js';

export const gcCommand: CommandHandler<typeof gcSpec> = {
  handler: async (args) => {
    const graceSeconds = parseDuration(args['orphan-grace']);
    if (graceSeconds === undefined) throw invalidInput(`--orphan-grace "${args['orphan-grace']}" is not a duration (e.g. 10m)`);
    // Thousands of short-lived pages and requests: V8 would grow its young generation to 16 MB
    // semispaces for garbage (gc of 5000 leases: 116 → 89 MB peak RSS, same CPU), and let the old
    // one fill with what survives them up to 4 × the live heap before collecting it (10 000 leases:
    // −8 MB), and at least 8 MB past it, 2 MB when optimizing for size (−2 to −3.5 MB; 15–25% more
    // CPU in a run that mostly waits for the API server: bench/RESULTS.md). All are read at each
    // growth, so they take effect after start-up; node:v8 loaded here only (30 modules, ~6 ms).
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    v8.setFlagsFromString('--heap-growing-percent=10');
    v8.setFlagsFromString('--optimize-for-size');
    const report = await collectGarbage(composeFor(args).gcDeps(args.namespace), { dryRun: args['dry-run'], graceMs: graceSeconds * 1000, localOnly: args.local });
    [...report.warnings, ...report.failures].forEach(warn);
    if (!args.quiet) {
      if (report.leases.length > 0) {
        // A part at a time: as one text, 10 000 leases' table is ~0.5 MB, and its write buffer three times that.
        const lines = columnLines(['LEASE ID', 'REASON', 'OBJECTS'], report.leases.map(({ id, reason, objects }) => [id, reason, String(objects)]));
        for (let start = 0; start < lines.length; start += PRINT_LINES) print(lines.slice(start, start + PRINT_LINES).join('\n'));
      }
      print(
        args['dry-run']
          ? `dry run: ${report.leases.length} lease(s) would be collected, ${report.prunedRecords} local record(s) pruned; nothing was deleted`
          : `${report.leases.length} lease(s) collected: ${report.deleted} object(s) deleted${report.alreadyGone ? `, ${report.alreadyGone} already gone` : ''}; ${report.prunedRecords} local record(s) pruned`,
      );
    }
    if (report.failures.length > 0) throw operationFailed(`${report.failures.length} deletion(s) failed; run gc again`);
  },
};
