// `run`: one command with a fresh lease. The command gets KUBECONFIG pointing at a private
// temporary kubeconfig holding the token; when it ends (normally or by a signal) the lease is
// revoked and the file removed, and its exit code becomes ours.

import { join } from 'node:path';
import { tokenKubeconfig } from '../core/kubeconfig-entry.js';
import type { LeaseRecord } from '../core/lease.js';
import { toYaml } from '../core/structured-text.js';
import type { IssuedLease, IssueRequest } from './issue.js';
import type { KubernetesPort } from './ports.js';
import type { RevokeOutcome } from './revoke.js';

/** Runs a command to its end (forwarding this process's signals to it) and answers its exit code. */
export interface ProcessRunner {
  /** `env` is added to this process's environment; `error` says why the command could not start (exit code 127). */
  run(command: string, args: string[], env: Record<string, string>): Promise<{ exitCode: number; error?: string }>;
}

export interface RunPorts {
  issue(request: IssueRequest): Promise<IssuedLease>;
  connect(context: string | undefined, kubeconfig?: string): Promise<KubernetesPort>;
  /** A new private directory, and how to remove it with what it holds. */
  privateDirectory(): Promise<{ path: string; remove(): Promise<void> }>;
  writePrivateFile(path: string, text: string): Promise<void>;
  runner: ProcessRunner;
  revoke(lease: LeaseRecord): Promise<RevokeOutcome | undefined>;
  /** Said on stderr as it happens (before the command's own output). */
  warn(message: string): void;
}

/** The command's exit code (127 when it could not start). */
export async function runWithLease(ports: RunPorts, request: IssueRequest & { role: string }, [command, ...args]: [string, ...string[]]): Promise<number> {
  const issued = await ports.issue(request);
  issued.warnings.forEach(ports.warn);
  const directory = await ports.privateDirectory();
  let exitCode = 1;
  try {
    const kube = await ports.connect(issued.lease.context, issued.lease.kubeconfig);
    const kubeconfig = join(directory.path, 'kubeconfig');
    await ports.writePrivateFile(kubeconfig, toYaml(tokenKubeconfig({ ...kube.issuer, token: issued.token, namespace: issued.lease.namespace, name: `tempcreds-${request.role}` })));
    const result = await ports.runner.run(command, args, { KUBECONFIG: kubeconfig, TEMPCREDS_LEASE_ID: issued.lease.id });
    if (result.error) ports.warn(result.error);
    exitCode = result.exitCode;
  } finally {
    await directory.remove();
    const outcome = await ports.revoke(issued.lease);
    outcome?.failures.forEach((failure) => ports.warn(`could not revoke lease "${issued.lease.id}": ${failure} — run: kubectl tempcreds revoke ${issued.lease.id}`));
  }
  return exitCode;
}
