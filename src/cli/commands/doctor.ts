// `doctor`: is everything in place to issue credentials? One line per check, a fix under
// each problem, exit 0 only when nothing failed (warnings are allowed).

import { buildInfo } from '../../adapters/build-info.js';
import { contextNames, kubeconfigPaths, readIssuer } from '../../adapters/kubeconfig.js';
import { inspectStateDirectories } from '../../adapters/state-check.js';
import { openTokenCache, parseTokenCacheMode } from '../../adapters/token-cache.js';
import { buildChecks, runDoctor, type Check } from '../../app/doctor.js';
import { operationFailed } from '../../core/errors.js';
import type { CommandHandler } from '../command-spec.js';
import { runtimeFor } from '../global-options.js';
import { print } from '../io.js';
import { connectDirect } from '../kube-connect.js';
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
    const runtime = runtimeFor(args);
    const { paths } = runtime;
    const checks = await runDoctor({
      kubeconfig: () => ({ ...readIssuer({ kubeconfig: args.kubeconfig, context: args.context }), files: kubeconfigPaths(args.kubeconfig, process.env) }),
      contextNames: () => contextNames(args.kubeconfig, process.env),
      roles: async () => {
        // A roles directory that cannot be trusted is a failed check, not a crash of the doctor.
        const { roles, unreadable } = await runtime.roles.list().catch((error: Error) => ({ roles: [], unreadable: [error.message] }));
        return { roles: roles.map(({ name, spec }) => ({ name, ...(spec.issuerContext ? { issuerContext: spec.issuerContext } : {}), ...(spec.allowedNamespaces ? { allowedNamespaces: spec.allowedNamespaces } : {}) })), unreadable };
      },
      connect: () => connectDirect(args),
      ...(args.namespace ? { namespace: args.namespace } : {}),
      tokenCache: async () => {
        const store = await openTokenCache(parseTokenCacheMode(args['token-cache'] ?? process.env.KUBECTL_TEMPCREDS_TOKEN_CACHE), paths.cache);
        await store.get('0'.repeat(64)); // a key no credential has: the keychain answers, or `auto` falls back here
        return { kind: store.kind, ...(store.notice ? { notice: store.notice } : {}), directory: paths.cache };
      },
      state: async () => {
        const directories = [...new Set([paths.roles, paths.leases, paths.cache])];
        return { directories, problems: await inspectStateDirectories(directories) };
      },
    });
    print(renderChecks([...buildChecks(buildInfo()), ...checks]));
    const failed = checks.filter((check) => check.status === 'fail').length;
    if (failed > 0) throw operationFailed(`${failed} check${failed === 1 ? '' : 's'} failed; fix ${failed === 1 ? 'it' : 'them'} and run kubectl tempcreds doctor again`);
  },
};
