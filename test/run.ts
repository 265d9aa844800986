// `npm test [-- selector… --node=this|lts|both --node-test-flag=value…]`: builds, starts ONE control plane for
// the run (unless only unit tests run), runs node's test runner under a Secret Service (keytar), always stops
// the cluster. A selector is a test file, a dir, or a substring of test file paths: `npm test -- test/unit`.
// The whole suite (no selector) runs twice, on the Node running npm and on the Node LTS from the registry
// (scripts/node-runtime.ts), so package.json's engines is proven on both; `--node` chooses.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries } from './controlplane/binaries.ts';
import { clusterJsonPath, startCluster, stopCluster, type ClusterInfo } from './controlplane/cluster.ts';
import { TEST_BUILD, bundleDist, typecheck } from '../scripts/build.ts';
import { HOST, NODE_LTS, registryNode } from '../scripts/node-runtime.ts';
import { NODE_CHOICES, testRuntimes } from './runtimes.ts';

const TEST_DIRS = ['test/unit', 'test/integration'];

class UsageError extends Error {}

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

function testFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join(dir, file))
    .sort();
}

function selectTestFiles(selectors: string[]): string[] {
  const all = TEST_DIRS.flatMap(testFilesUnder);
  if (selectors.length === 0) return all;
  const selected = selectors.flatMap((selector) => {
    const stat = fs.statSync(selector, { throwIfNoEntry: false });
    const matches = stat?.isDirectory() ? testFilesUnder(path.normalize(selector)) : stat ? [path.normalize(selector)] : all.filter((file) => file.includes(selector));
    if (matches.length === 0) throw new UsageError(`no test file matches ${selector}`);
    return matches;
  });
  return [...new Set(selected)];
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * keytar needs a Secret Service on D-Bus; headless runs get a private bus and a gnome-keyring unlocked
 * with a random password. Its keyrings live in a throwaway dir: a login keyring kept from an earlier
 * run would stay locked under a new password.
 */
function withSecretService(command: string[]): { command: string[]; keyringHome?: string } {
  if (process.env.DBUS_SESSION_BUS_ADDRESS) return { command };
  for (const tool of ['dbus-run-session', 'gnome-keyring-daemon']) {
    if (!onPath(tool)) throw new Error(`${tool} is missing; keytar tests need it: apt-get install -y dbus gnome-keyring`);
  }
  const keyringHome = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-tempcreds-keyring-'));
  const script = 'printf %s "$1" | XDG_DATA_HOME="$2" gnome-keyring-daemon --unlock --components=secrets >/dev/null; shift 2; exec "$@"';
  const password = randomBytes(16).toString('hex');
  return { command: ['dbus-run-session', '--', 'sh', '-c', script, 'sh', password, keyringHome, ...command], keyringHome };
}

const FAILURE_REPORTER = fileURLToPath(new URL('failure-reporter.mjs', import.meta.url));

interface RunFailures {
  node: string;
  lines: string[];
}

/** The failure reporter's lines (and its directory is gone); a failed run that wrote none still counts. */
function readFailures(file: string, exitCode: number): string[] {
  let lines: string[] = [];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // no reporter ran (the runner did not start, or the caller chose its own reporters)
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return lines.length === 0 && exitCode !== 0 ? [`the test runner exited with code ${exitCode} and reported no failed test (see above)`] : lines;
}

/** Last in the output, where CI's excerpt shows it: what failed on every Node of the run. */
function printFailures(failures: RunFailures[]): void {
  for (const { node, lines } of failures) {
    process.stderr.write(lines.length === 0 ? `npm test: ${node}: no test failed\n` : `npm test: ${node}: ${lines.length} failed:\n${lines.map((line) => `  ${line}\n`).join('')}`);
  }
}

/** The type check, then the test build (with its test hooks) in .test-build/, which the tests run. */
async function build(): Promise<void> {
  typecheck();
  await bundleDist({ flavour: 'test' });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const selectors = args.filter((arg) => !arg.startsWith('-'));
  const files = selectTestFiles(selectors);
  const nodeFlag = args.find((arg) => arg.startsWith('--node='));
  const runnerFlags = args.filter((arg) => arg.startsWith('-') && arg !== nodeFlag);
  const choice = nodeFlag?.slice('--node='.length);
  const chosen = testRuntimes(choice, selectors.length > 0);
  if (!chosen) throw new UsageError(`--node=${choice} is not one of ${NODE_CHOICES.join(', ')}`);
  const runtimes = chosen.map((runtime) => (runtime === 'this' ? process.execPath : registryNode(HOST, NODE_LTS)));
  await build();

  let clusterDir: string | undefined;
  let startup: Promise<ClusterInfo> | undefined;
  const keyringHomes: string[] = [];
  let runner: ChildProcess | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUpOnce = (): Promise<void> =>
    (cleaning ??= (async () => {
      const dir = clusterDir;
      if (dir) {
        await startup?.catch(() => undefined); // a startup in flight finishes first: nothing it spawns may outlive the run
        await stopCluster(dir);
      }
      // Last: a keyring daemon orphaned by an interrupt may still be writing there.
      for (const home of keyringHomes) fs.rmSync(home, { recursive: true, force: true });
    })());
  let interruptedBy: NodeJS.Signals | undefined;
  const exitCodeFor = (signal: NodeJS.Signals): number => 128 + os.constants.signals[signal];
  // The runner runs in its own process group, signalled as a whole: dbus-run-session does not forward signals.
  const signalRunner = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-runner!.pid!, signal);
    } catch {
      // already gone
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interruptedBy = signal;
      if (runner) {
        signalRunner(signal); // main() cleans up once the runner has exited
        setTimeout(() => signalRunner('SIGKILL'), 10_000).unref();
      } else {
        void cleanUpOnce().finally(() => process.exit(exitCodeFor(signal)));
      }
    });
  }

  try {
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPCREDS_BIN_DIR: path.join(TEST_BUILD, 'bin') };
    if (files.some((file) => !file.startsWith('test/unit/'))) {
      await ensureBinaries(); // outside the startup, so an interrupt never waits for a build
      clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-tempcreds-test-'));
      const started = Date.now();
      startup = startCluster({ dir: clusterDir });
      const cluster = await startup.catch((err: Error) => {
        clusterDir = undefined; // startCluster stopped what it started; its logs stay for a look
        throw new Error(`the test cluster did not start: ${err.message}`);
      });
      process.stderr.write(`npm test: cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server} (Kubernetes ${cluster.kubernetesVersion})\n`);
      env.TEMPCREDS_CLUSTER = clusterJsonPath(cluster.dir);
      env.KUBECONFIG = cluster.kubeconfig;
    }
    if (interruptedBy) return exitCodeFor(interruptedBy); // interrupted during startup: the handler cleans up
    let failed = 0;
    const failures: RunFailures[] = [];
    for (const node of runtimes) {
      // First on PATH: the tool under test (bin/'s `#!/usr/bin/env node`) and npm run on the same Node.
      const runEnv = { ...env, PATH: `${path.dirname(node)}${path.delimiter}${env.PATH ?? ''}` };
      const runLabel = `Node ${node === process.execPath ? process.version : `v${NODE_LTS}`}`;
      if (runtimes.length > 1) process.stderr.write(`npm test: on ${runLabel} (${node})\n`);
      // In a directory of its own: a predictable name in the shared temp directory could be planted.
      const failuresFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-tempcreds-failures-')), 'failed.txt');
      const reporters = runnerFlags.some((flag) => flag.startsWith('--test-reporter'))
        ? []
        : ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${FAILURE_REPORTER}`, `--test-reporter-destination=${failuresFile}`];
      const wrapped = withSecretService([node, '--import', 'tsx', '--test', '--test-concurrency=2', ...reporters, ...runnerFlags, ...files]);
      if (wrapped.keyringHome) keyringHomes.push(wrapped.keyringHome);
      const [command, ...commandArgs] = wrapped.command;
      runner = spawn(command!, commandArgs, { stdio: 'inherit', env: runEnv, detached: true });
      const code = await new Promise<number>((resolve, reject) => {
        runner!.on('error', reject);
        runner!.on('close', (exitCode) => resolve(exitCode ?? 1));
      });
      if (interruptedBy) return exitCodeFor(interruptedBy);
      failed ||= code;
      failures.push({ node: runLabel, lines: readFailures(failuresFile, code) });
    }
    printFailures(failures);
    return failed;
  } finally {
    await cleanUpOnce();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`npm test: ${err.message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
