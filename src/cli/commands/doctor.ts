// `doctor`: is everything in place to issue credentials? One line per check, a fix under
// each problem, exit 0 only when nothing failed (warnings are allowed).

import { buildInfo } from '../../adapters/build-info.js';
import { buildChecks, runDoctor, type Check } from '../../app/doctor.js';
import { operationFailed } from '../../core/errors.js';
import type { CommandHandler } from '../command-spec.js';
import type { Composition } from '../../compose.js';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE, REQUESTS_POLICY } from '../../core/delegation-names.js';
import { composeFor, isDelegated } from '../global-options.js';
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

/** --delegated: the request API, the controller and this requester's rights, as the requester (--context). */
async function delegatedChecks(root: Composition, namespace: string | undefined): Promise<Check[]> {
  const { delegationChecks } = await import('../../app/doctor-delegated.js');
  try {
    const port = await root.connectRequester(undefined);
    return await delegationChecks(port, { namespace, now: root.now(), lease: { namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME }, policy: REQUESTS_POLICY });
  } catch (error) {
    return [{ area: 'API server', status: 'fail', message: (error as Error).message, fix: 'check that the cluster is reachable and that --context is your own, current identity' }];
  }
}

export const doctorCommand: CommandHandler<typeof doctorSpec> = {
  handler: async (args) => {
    const root = composeFor(args);
    const checks = isDelegated(args) ? await delegatedChecks(root, args.namespace) : await runDoctor(root.doctorPorts({ namespace: args.namespace, tokenCache: args['token-cache'] }));
    print(renderChecks([...buildChecks(buildInfo()), ...checks]));
    const failed = checks.filter((check) => check.status === 'fail').length;
    if (failed > 0) throw operationFailed(`${failed} check${failed === 1 ? '' : 's'} failed; fix ${failed === 1 ? 'it' : 'them'} and run kubectl tempcreds doctor again`);
  },
};
