// `npm run bench [-- p1 p3 …]`: builds the bundles, starts the local control plane (or uses
// the one TEMPCREDS_CLUSTER names), runs the benchmarks, prints a table and writes the same
// figures, with the machine they were measured on, to bench/results/latest.json.
// Every figure is a ratio of two things measured in the same run (see bench/RESULTS.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { bundleDist } from '../scripts/build.ts';
import type { ClusterInfo } from '../test/controlplane/cluster.ts';
import { Admin, benchCluster } from './lib/cluster.ts';
import { createNamespace, deleteNamespace } from './lib/fixtures.ts';
import { benchEnv, mustRun, removeToolHomes, ROOT } from './lib/tool.ts';
import { benchCacheHit } from './p1-cache-hit.ts';
import { benchIssue } from './p2-issue.ts';
import { benchApiCalls } from './p3-api-calls.ts';
import { benchParallel } from './p4-parallel.ts';
import { benchRevokeAndGc } from './p5-revoke-gc.ts';
import { benchDelegated } from './p7-delegated.ts';
import { benchController } from './p8-controller.ts';

export type Figure = number | string | Record<string, number | string>;
export type Figures = Record<string, Figure>;

export interface BenchContext {
  cluster: ClusterInfo;
  admin: Admin;
  /** A namespace of this run, with the ServiceAccount `app` (see lib/fixtures.ts). */
  ns: string;
  log(line: string): void;
}

const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<Figures>> = {
  p1: benchCacheHit,
  p2: benchIssue,
  p3: benchApiCalls,
  p4: benchParallel,
  p5: benchRevokeAndGc,
  p7: benchDelegated,
  p8: benchController,
};

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function machine(cluster: ClusterInfo): Promise<Record<string, number | string>> {
  const kubectl = JSON.parse(await mustRun('kubectl', ['version', '--client', '-o', 'json'], benchEnv())) as { clientVersion: { gitVersion: string } };
  const hyperfine = (await mustRun('hyperfine', ['--version'], benchEnv())).trim();
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kubernetes: cluster.kubernetesVersion,
    kubectl: kubectl.clientVersion.gitVersion,
    hyperfine,
    load_average_1m: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

function table(figures: Figures): string {
  const rows = Object.entries(figures).map(([key, value]) => [key, typeof value === 'object' ? Object.entries(value).map(([k, v]) => `${k}: ${v}`).join(', ') : String(value)]);
  const width = Math.max(...rows.map(([key]) => key!.length));
  return rows.map(([key, value]) => `${key!.padEnd(width)}  ${value}`).join('\n');
}

async function main(selected: string[]): Promise<void> {
  const unknown = selected.filter((name) => !BENCHMARKS[name]);
  if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(' ')}`);
  const started = Date.now();
  log('building dist/');
  await bundleDist();
  const { info, release } = await benchCluster(log);
  const admin = new Admin(info);
  const figures: Figures = {};
  let ns: string | undefined;
  try {
    figures.machine = await machine(info);
    ns = await createNamespace(admin, 'bench');
    const ctx: BenchContext = { cluster: info, admin, ns, log };
    for (const name of selected.length > 0 ? selected : Object.keys(BENCHMARKS)) {
      const benchStarted = Date.now();
      log(`${name}…`);
      Object.assign(figures, await BENCHMARKS[name]!(ctx));
      log(`${name} done in ${((Date.now() - benchStarted) / 1000).toFixed(0)} s`);
    }
    figures.bench_seconds = Math.round((Date.now() - started) / 1000);
    figures.measured_at = new Date().toISOString();
  } finally {
    if (ns) await deleteNamespace(admin, ns).catch(() => undefined);
    admin.close();
    removeToolHomes();
    await release();
  }
  const results = join(ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'latest.json'), `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`${table(figures)}\n`);
  log(`wrote bench/results/latest.json (${figures.bench_seconds} s)`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
