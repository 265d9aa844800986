// `run ROLE -n NS -- COMMAND…`: one command with a fresh lease. The command gets
// KUBECONFIG pointing at a private temporary kubeconfig holding the token; signals are
// forwarded; when it ends (normally or by a signal) the lease is revoked and the file
// removed, and its exit code becomes ours.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../adapters/files.js';
import { issueLease } from '../../app/issue.js';
import { revokeLeases } from '../../app/revoke.js';
import { CommandExit, invalidInput } from '../../core/errors.js';
import { tokenKubeconfig } from '../../core/kubeconfig-entry.js';
import { toYaml } from '../../core/structured-text.js';
import { issueDepsOf } from '../../runtime.js';
import type { CommandHandler } from '../command-spec.js';
import { runtimeFor } from '../global-options.js';
import { issueRequest } from '../issue-options.js';
import { warn } from '../io.js';
import type { runSpec } from '../specs/run.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };

/** Runs the command to its end, forwarding our signals; resolves to its exit code. */
function runToCompletion(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = (code: number) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(code);
    };
    child.on('error', (error) => {
      warn(`cannot run ${command}: ${error.message}`);
      done(127);
    });
    child.on('exit', (code, signal) => done(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 1)));
  });
}

/** The words after `--` (the builder asks yargs for them: populate--), which yargs does not type. */
const afterDashes = (args: Record<string, unknown>): string[] => (Array.isArray(args['--']) ? args['--'].map(String) : []);

export const runCommand: CommandHandler<typeof runSpec> = {
  handler: async (args) => {
    const [command, ...commandArgs] = afterDashes(args);
    if (!command) throw invalidInput('give the command to run after --, e.g. kubectl tempcreds run ROLE -n NS -- kubectl get pods');
    const runtime = runtimeFor(args);
    const issued = await issueLease(issueDepsOf(runtime), issueRequest(args));
    issued.warnings.forEach(warn);
    const directory = await mkdtemp(join(tmpdir(), 'kubectl-tempcreds-run-'));
    let exitCode = 1;
    try {
      const kube = await runtime.connect(issued.lease.context, issued.lease.kubeconfig);
      const kubeconfig = join(directory, 'kubeconfig');
      await writeFileAtomic(
        kubeconfig,
        toYaml(tokenKubeconfig({ ...kube.issuer, token: issued.token, namespace: issued.lease.namespace, name: `tempcreds-${args.role}` })),
      );
      exitCode = await runToCompletion(command, commandArgs, { ...process.env, KUBECONFIG: kubeconfig, TEMPCREDS_LEASE_ID: issued.lease.id });
    } finally {
      await rm(directory, { recursive: true, force: true });
      const [outcome] = await revokeLeases({ ...runtime, deleteLease: (id) => runtime.leases.delete(id) }, [issued.lease]);
      outcome?.failures.forEach((failure) => warn(`could not revoke lease "${issued.lease.id}": ${failure} — run: kubectl tempcreds revoke ${issued.lease.id}`));
    }
    if (exitCode !== 0) throw new CommandExit(exitCode);
  },
};
