// `npm run cluster -- up|env|down|build`: a long-lived local control plane for development and demos.
// `eval "$(npm run -s cluster -- up)"` points kubectl and the tests at it.
import os from 'node:os';
import path from 'node:path';
import { ensureBinaries } from './binaries.ts';
import { clusterJsonPath, isClusterHealthy, readClusterInfo, startCluster, stopCluster, type ClusterInfo } from './cluster.ts';

const USAGE = `usage: npm run cluster -- <command>
  up     start the cluster (or reuse a healthy one) and print shell exports for it
  env    print shell exports for the running cluster
  down   stop the cluster and delete its data
  build  build or locate the control-plane binaries and print their dir
state dir: $TEMPCREDS_CLUSTER_DIR, default \${TMPDIR:-/tmp}/kubectl-tempcreds-cluster-<uid>`;

const stateDir = path.resolve(process.env.TEMPCREDS_CLUSTER_DIR || path.join(os.tmpdir(), `kubectl-tempcreds-cluster-${process.getuid?.() ?? 0}`));

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

function printExports(info: ClusterInfo): void {
  process.stdout.write(
    [
      `# API server: ${info.server} (Kubernetes ${info.kubernetesVersion}, etcd ${info.etcdVersion})`,
      `# CA: ${info.caFile}`,
      `export KUBECONFIG=${shellQuote(info.kubeconfig)}`,
      `export TEMPCREDS_CLUSTER=${shellQuote(clusterJsonPath(info.dir))}`,
      '',
    ].join('\n'),
  );
}

async function runningCluster(): Promise<ClusterInfo | undefined> {
  const info = readClusterInfo(stateDir);
  return info && (await isClusterHealthy(info)) ? info : undefined;
}

const commands: Record<string, () => Promise<void>> = {
  async up() {
    let info = await runningCluster();
    if (!info) {
      await stopCluster(stateDir); // leftovers of a crashed or half-started cluster
      const started = Date.now();
      info = await startCluster({ dir: stateDir });
      process.stderr.write(`cluster: ready in ${((Date.now() - started) / 1000).toFixed(1)} s in ${stateDir}\n`);
    }
    printExports(info);
  },
  async env() {
    const info = await runningCluster();
    if (!info) throw new Error(`no running cluster in ${stateDir}: start one with \`npm run cluster -- up\``);
    printExports(info);
  },
  async down() {
    await stopCluster(stateDir);
    process.stderr.write(`cluster: stopped; removed ${stateDir}\n`);
  },
  async build() {
    process.stdout.write(`${await ensureBinaries()}\n`);
  },
};

const [command, ...extra] = process.argv.slice(2);
const run = command !== undefined && extra.length === 0 ? commands[command] : undefined;
if (!run) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
try {
  await run();
} catch (err) {
  process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
