// `doctor`: is everything in place to issue credentials? One line per check, a fix under
// each problem, exit 0 only when nothing failed (warnings are allowed).

import type { Argv, CommandModule } from 'yargs';
import { buildInfo } from '../../adapters/build-info.js';
import { TOKEN_CACHE_MODES } from '../../core/token-cache.js';
import { buildChecks, runDoctor, type Check } from '../../app/doctor.js';
import { operationFailed } from '../../core/errors.js';
import { composeFor, type GlobalArgs } from '../global-options.js';
import { print } from '../io.js';

type DoctorArgs = GlobalArgs & { 'token-cache'?: string };

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

export const doctorCommand: CommandModule<GlobalArgs, DoctorArgs> = {
  command: 'doctor',
  describe: 'Check the kubeconfig, the API server, the issuer\'s permissions, the roles\' issuer contexts, the token cache and the state directories, and say how to fix what is wrong',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('token-cache', { choices: TOKEN_CACHE_MODES, describe: 'Token cache to check (default: $KUBECTL_TEMPCREDS_TOKEN_CACHE, else auto)' })
      .example('$0 doctor', 'check the current context as the issuer')
      .example('$0 doctor --context ci-issuer', 'check another issuer context')
      .example('$0 doctor -n team-a', 'an issuer set up with --namespaces: check its rights in team-a too (its roles\' namespaces are always checked)')
      .epilog('Exit status: 0 when every check passed (warnings allowed), 1 when one failed.') as never,
  handler: async (args) => {
    const checks = await runDoctor(composeFor(args).doctorPorts({ namespace: args.namespace, tokenCache: args['token-cache'] }));
    print(renderChecks([...buildChecks(buildInfo()), ...checks]));
    const failed = checks.filter((check) => check.status === 'fail').length;
    if (failed > 0) throw operationFailed(`${failed} check${failed === 1 ? '' : 's'} failed; fix ${failed === 1 ? 'it' : 'them'} and run kubectl tempcreds doctor again`);
  },
};
