// P4: 32 `kubectl get pods` started together on a cold token cache (a CI job fanning out):
// how many leases they issue between them (the per-key lock should make it one), and their
// wall time against one cold `kubectl get pods` (which issues alone). Each trial gets a fresh
// tool home, so its cache is cold; trials alternate single and burst. For scale, the same
// burst and single call with a plain client certificate (the admin context: no exec plugin at all).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { median, round, wallMs } from './lib/measure.ts';
import { mustRun, toolHome } from './lib/tool.ts';
import { createRoles } from './lib/fixtures.ts';
import type { BenchContext, Figures } from './run.ts';

const PARALLEL = 32;
const TRIALS = 3;

async function coldContext(ctx: BenchContext) {
  const home = toolHome(ctx.cluster.kubeconfig);
  const roles = await createRoles(home, ctx.ns, 'fan');
  await home.tool(['kubeconfig', roles.B, '-n', ctx.ns]);
  const getPods = () => mustRun('kubectl', ['--context', `tempcreds-${roles.B}-${ctx.ns}`, 'get', 'pods', '-n', ctx.ns], home.env);
  const leases = () => readdirSync(join(home.home, 'leases', roles.B)).filter((file) => file.endsWith('.json')).length;
  return { home, getPods, leases };
}

const burstOf = (call: () => Promise<unknown>) => wallMs(() => Promise.all(Array.from({ length: PARALLEL }, call)));

export async function benchParallel(ctx: BenchContext): Promise<Figures> {
  const plain = toolHome(ctx.cluster.kubeconfig);
  // A client certificate: kubectl with nothing to exec. Also warms kubectl's discovery cache
  // (~/.kube/cache), which every context of this server shares.
  const plainGetPods = () => mustRun('kubectl', ['--context', 'admin', 'get', 'pods', '-n', ctx.ns], plain.env);
  await plainGetPods();
  const single: number[] = [];
  const burst: number[] = [];
  const plainSingle: number[] = [];
  const plainBurst: number[] = [];
  const issued: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const one = await coldContext(ctx);
    single.push(await wallMs(one.getPods));
    const many = await coldContext(ctx);
    burst.push(await burstOf(many.getPods));
    issued.push(many.leases());
    plainSingle.push(await wallMs(plainGetPods));
    plainBurst.push(await burstOf(plainGetPods));
  }
  return {
    p4_parallel_issuances: Math.max(...issued),
    p4_wall_vs_single_cold: round(median(burst) / median(single)),
    p4_burst_wall_ms: round(median(burst), 0),
    p4_single_cold_ms: round(median(single), 0),
    p4_issuances_per_trial: issued.join(', '),
    p4_kubectl_alone_burst_ms: round(median(plainBurst), 0),
    p4_kubectl_alone_single_ms: round(median(plainSingle), 0),
    p4_kubectl_alone_burst_vs_single_cold: round(median(plainBurst) / median(single)),
  };
}
