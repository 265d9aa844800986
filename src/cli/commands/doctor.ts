// `doctor`: is everything in place to issue credentials? One line per check, a fix under
// each problem, exit 0 only when nothing failed (warnings are allowed).

import { buildInfo } from '../../adapters/build-info.js';
import { buildChecks, runDoctor, type Check } from '../../app/doctor.js';
import { operationFailed } from '../../core/errors.js';
import type { CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print } from '../io.js';
import type { doctorSpec } from '../specs/doctor.js';

const LABELS = { ok: 'OK', warn: 'WARN', fail: 'FAIL' } as const;

function renderChecks(checks: Check[]): string {
  const areaWidth = Math.max(...checks.map((check) => check.area.length));
  const lines: string[] = [];
  checks.forEach((check, index) => {
    lines.push(`${LABELS[check.status].padEnd(6)}${check.area.padEnd(areaWidth + 2)}${check.message}`);
    const next = checks[index + 1];
    // A fix shared by a run of checks (e.g. several missing permissions) is said once, after the last.
    if (check.fix && check.status !== 'ok' && !(next && next.fix === check.fix && next.status === check.status)) lines.push(`${' '.repeat(6 + areaWidth + 2)}fix: ${check.fix}`);
  });
  return lines.join('\n');
}

export const doctorCommand: CommandHandler<typeof doctorSpec> = {
  handler: async (args) => {
    const checks = await runDoctor(composeFor(args).doctorPorts({ namespace: args.namespace, tokenCache: args['token-cache'] }));
    print(renderChecks([...buildChecks(buildInfo()), ...checks]));
    const failed = checks.filter((check) => check.status === 'fail').length;
    if (failed > 0) throw operationFailed(`${failed} check${failed === 1 ? '' : 's'} failed; fix ${failed === 1 ? 'it' : 'them'} and run kubectl tempcreds doctor again`);
  },
};
