// Control-plane processes: detached so they outlive `cluster up`, logged to files, and found again
// through /proc by their binary name plus the cluster dir in their arguments — never by name alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BinaryName } from './binaries.ts';
import { waitFor } from './wait.ts';

/** Ports free on 127.0.0.1 right now, all held open together so they are distinct. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export function spawnDetached(binary: string, args: string[], logFile: string): number {
  const out = fs.openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out] });
    child.on('error', () => {}); // an early exit shows in the log and in the readiness check
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    return child.pid;
  } finally {
    fs.closeSync(out);
  }
}

export function logTail(logFile: string, lines = 40): string {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${logFile})`;
  }
}

/** argv of a live process; undefined once it is gone or a zombie (whose cmdline is empty). */
function commandLine(pid: number): string[] | undefined {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length > 0 ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** True while `pid` is the given control-plane binary started for `clusterDir` (not a reused pid). */
export function isClusterProcess(pid: number, clusterDir: string, binary: BinaryName): boolean {
  const argv = commandLine(pid);
  return !!argv && path.basename(argv[0]!) === binary && argv.some((arg) => arg.includes(`${clusterDir}/`));
}

export function findClusterProcesses(clusterDir: string, binary: BinaryName): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => isClusterProcess(pid, clusterDir, binary));
}

/** Gone, or a zombie whose parent is not this process (init reaps it). Our own children are awaited until reaped. */
function hasExited(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, parentPid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return state === 'Z' && Number(parentPid) !== process.pid;
  } catch {
    return true;
  }
}

/**
 * Clients before servers: kube-apiserver's graceful shutdown needs etcd, so stopping them together
 * leaves it hanging until SIGKILL. Each gets SIGTERM, 10 s, then SIGKILL.
 */
export async function stopClusterProcesses(clusterDir: string): Promise<void> {
  for (const binary of ['kube-controller-manager', 'kube-apiserver', 'etcd'] as const) {
    const signalAll = (pids: number[], signal: NodeJS.Signals) => {
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    };
    const pids = findClusterProcesses(clusterDir, binary);
    const allExited = () => pids.every(hasExited);
    signalAll(pids, 'SIGTERM');
    try {
      await waitFor(allExited, { timeoutMs: 10_000, intervalMs: 50 });
    } catch {
      signalAll(findClusterProcesses(clusterDir, binary), 'SIGKILL');
      await waitFor(allExited, { timeoutMs: 5_000, intervalMs: 50, what: `${binary} of ${clusterDir} to exit` });
    }
  }
}
