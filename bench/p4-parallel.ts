// P4: 32 `kubectl get pods` started together on a cold token cache (a CI job fanning out):
// how many leases they issue between them (the per-key lock should make it one), and their
// wall time and CPU seconds against the same 32 kubectl with the token they got written
// statically into a kubeconfig (kubectl's own floor: no exec plugin at all), and with that token
// handed out by floor/exec-plugin.cjs (the floor of any exec plugin running on Node: start Node,
// read a file, print). Each trial gets a fresh tool home, so its cache is cold; the static and
// floor bursts run right after the cold one. For the record, one cold call and a burst with a
// client certificate (the admin context).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { median, round, wallMs } from './lib/measure.ts';
import { cachedToken, mustRun, ROOT, toolHome } from './lib/tool.ts';
import { createRoles } from './lib/fixtures.ts';
import type { BenchContext, Figures } from './run.ts';

const PARALLEL = 32;
const TRIALS = 3;
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds of this process's reaped children (utime + stime from /proc/self/stat): kubectl
 * and, as kubectl waits for it, every exec plugin it ran. A detached background sweep is not
 * reaped by kubectl and is not counted (one per fresh home).
 */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, cutime field 16, cstime field 17.
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / CLOCK_TICKS_PER_SECOND;
}

async function burstOf(call: () => Promise<unknown>): Promise<{ ms: number; cpu: number }> {
  const cpuBefore = childrenCpuSeconds();
  const ms = await wallMs(() => Promise.all(Array.from({ length: PARALLEL }, call)));
  return { ms, cpu: childrenCpuSeconds() - cpuBefore };
}

async function coldContext(ctx: BenchContext) {
  const home = toolHome(ctx.cluster.kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' }); // the static burst reads the token from there
  const roles = await createRoles(home, ctx.ns, 'fan');
  await home.tool(['kubeconfig', roles.B, '-n', ctx.ns]);
  const context = `tempcreds-${roles.B}-${ctx.ns}`;
  const getPods = () => mustRun('kubectl', ['--context', context, 'get', 'pods', '-n', ctx.ns], home.env);
  const leases = () => readdirSync(join(home.home, 'leases', roles.B)).filter((file) => file.endsWith('.json')).length;
  /**
   * The same context with the token the burst got, written into the kubeconfig instead of the exec
   * entry (`static`), and handed out by the Node plugin floor (`nodePlugin`).
   */
  const withToken = () => {
    const { token, tokenFile } = cachedToken(home.home);
    const config = yaml.load(readFileSync(home.kubeconfig, 'utf8')) as { contexts: { name: string; context: { user: string } }[]; users: { name: string; user: unknown }[] };
    const user = config.contexts.find((entry) => entry.name === context)!.context.user;
    const getPodsAs = (name: string, credential: unknown) => {
      const kubeconfig = join(home.home, `${name}-kubeconfig`);
      writeFileSync(kubeconfig, yaml.dump({ ...config, users: config.users.map((entry) => (entry.name === user ? { name: user, user: credential } : entry)) }), { mode: 0o600 });
      return () => mustRun('kubectl', ['--kubeconfig', kubeconfig, '--context', context, 'get', 'pods', '-n', ctx.ns], home.env);
    };
    const floorPlugin = { apiVersion: 'client.authentication.k8s.io/v1', command: 'node', args: [join(ROOT, 'bench', 'floor', 'exec-plugin.cjs'), tokenFile], interactiveMode: 'Never' };
    return { static: getPodsAs('static', { token }), nodePlugin: getPodsAs('node-plugin', { exec: floorPlugin }) };
  };
  return { home, getPods, leases, withToken };
}

export async function benchParallel(ctx: BenchContext): Promise<Figures> {
  const plain = toolHome(ctx.cluster.kubeconfig);
  // A client certificate: kubectl with nothing to exec. Also warms kubectl's discovery cache
  // (~/.kube/cache), which every context of this server shares.
  const plainGetPods = () => mustRun('kubectl', ['--context', 'admin', 'get', 'pods', '-n', ctx.ns], plain.env);
  await plainGetPods();
  const single: number[] = [];
  const burst: { ms: number; cpu: number }[] = [];
  const staticBurst: { ms: number; cpu: number }[] = [];
  const pluginFloorBurst: { ms: number; cpu: number }[] = [];
  const plainBurst: number[] = [];
  const issued: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const one = await coldContext(ctx);
    single.push(await wallMs(one.getPods));
    const many = await coldContext(ctx);
    burst.push(await burstOf(many.getPods));
    issued.push(many.leases());
    const withToken = many.withToken();
    staticBurst.push(await burstOf(withToken.static));
    pluginFloorBurst.push(await burstOf(withToken.nodePlugin));
    plainBurst.push((await burstOf(plainGetPods)).ms);
  }
  const wall = median(burst.map((b) => b.ms));
  const cpu = median(burst.map((b) => b.cpu));
  const staticWall = median(staticBurst.map((b) => b.ms));
  const staticCpu = median(staticBurst.map((b) => b.cpu));
  const floorWall = median(pluginFloorBurst.map((b) => b.ms));
  const floorCpu = median(pluginFloorBurst.map((b) => b.cpu));
  return {
    p4_parallel_issuances: Math.max(...issued),
    p4_burst_vs_static_token: round(wall / staticWall),
    p4_burst_cpu_vs_static_token: round(cpu / staticCpu),
    p4_burst_wall_ms: round(wall, 0),
    p4_burst_cpu_s: round(cpu, 2),
    p4_static_token_burst_wall_ms: round(staticWall, 0),
    p4_static_token_burst_cpu_s: round(staticCpu, 2),
    p4_burst_vs_node_plugin_floor: round(wall / floorWall),
    p4_burst_cpu_vs_node_plugin_floor: round(cpu / floorCpu),
    p4_node_plugin_floor_vs_static_token: round(floorWall / staticWall),
    p4_node_plugin_floor_cpu_vs_static_token: round(floorCpu / staticCpu),
    p4_wall_vs_single_cold: round(wall / median(single)),
    p4_single_cold_ms: round(median(single), 0),
    p4_issuances_per_trial: issued.join(', '),
    p4_kubectl_alone_burst_ms: round(median(plainBurst), 0),
  };
}
