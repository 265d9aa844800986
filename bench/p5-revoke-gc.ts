// P5: revoking 500 leases (`revoke --role`) and collecting 5000 expired ones (`gc`), each
// against `kubectl delete -l` of the same objects, created the same way just before; and the
// tool's peak memory (GNU time's maximum RSS) as the count grows (gc of 500, 5000, 10000).
// The API server runs on the same two cores, so these are end-to-end wall times of both sides.

import { existsSync } from 'node:fs';
import { createLeases, remaining } from './lib/leases.ts';
import { round, wallMs } from './lib/measure.ts';
import { mustRun, run, TOOL, toolHome, type ToolHome } from './lib/tool.ts';
import type { BenchContext, Figures } from './run.ts';

const REVOKE_COUNT = 500;
// Memory grows until V8 first collects its old generation (a few thousand leases in), then stays
// flat: 10000 shows the plateau that 5000 reaches.
const GC_COUNTS = [500, 5000, 10000];
/** The count `gc` is compared with `kubectl delete` at. */
const GC_COMPARED = 5000;
const GNU_TIME = '/usr/bin/time';

/** Wall ms and peak RSS (MB) of one tool command, which must succeed. */
async function measured(home: ToolHome, args: string[]): Promise<{ ms: number; rssMb?: number }> {
  const timeAvailable = existsSync(GNU_TIME);
  let result: Awaited<ReturnType<typeof run>> | undefined;
  const ms = await wallMs(async () => {
    result = timeAvailable ? await run(GNU_TIME, ['-f', 'peak-rss-kb %M', TOOL, ...args], home.env) : await run(TOOL, args, home.env);
  });
  if (result!.status !== 0) throw new Error(`kubectl-tempcreds ${args.join(' ')} exited ${result!.status}: ${result!.stderr.trim().slice(-500)}`);
  const kb = result!.stderr.match(/peak-rss-kb (\d+)/)?.[1];
  return { ms, ...(kb ? { rssMb: round(Number(kb) / 1024, 1) } : {}) };
}

/**
 * `--wait=false`: the tool's plain background deletes do not wait for objects to disappear either
 * (none of these has a finalizer); kubectl's default wait then GETs every object again, behind
 * its client-side rate limit (~5/s here: 10 minutes for 5000 Secrets), which would only flatter us.
 */
async function kubectlDelete(home: ToolHome, ns: string, kinds: string, roleName: string): Promise<number> {
  return wallMs(() => mustRun('kubectl', ['delete', kinds, '-n', ns, '-l', `tempcreds.dev/role=${roleName}`, '--wait=false'], home.env));
}

async function hasCommand(home: ToolHome, command: string): Promise<boolean> {
  return (await run(TOOL, [command, '--help'], home.env)).status === 0;
}

export async function benchRevokeAndGc(ctx: BenchContext): Promise<Figures> {
  const home = toolHome(ctx.cluster.kubeconfig);
  const rss: Record<string, number> = {};
  const batch = (roleName: string, count: number, expired: boolean, record: boolean) =>
    createLeases(ctx.admin, { home: home.home, roleName, ns: ctx.ns, count, ttlSeconds: 3600, issuedAgoSeconds: expired ? 7200 : 0, record, server: ctx.cluster.server });
  const mustBeGone = async (roleName: string, what: string) => {
    const left = await remaining(ctx.admin, ctx.ns, roleName);
    if (left !== 0) throw new Error(`p5: ${left} object(s) of role ${roleName} left after ${what}`);
  };

  // Revocation: mode B leases (anchor Secret, ServiceAccount, RoleBinding), recorded locally as `issue` records them.
  await home.tool(['role', 'create', 'revoke-b', '--kubernetes-role', 'reader', '--allowed-namespaces', ctx.ns]);
  const revokeRuns: number[] = [];
  const kubectlRuns: number[] = [];
  for (const order of [['tool', 'kubectl'], ['kubectl', 'tool']]) {
    for (const side of order) {
      const { objects } = await batch('revoke-b', REVOKE_COUNT, false, side === 'tool');
      ctx.log(`p5: ${REVOKE_COUNT} leases (${objects} objects) → ${side === 'tool' ? 'revoke --role' : 'kubectl delete -l'}`);
      if (side === 'tool') {
        const { ms, rssMb } = await measured(home, ['revoke', '--role', 'revoke-b']);
        revokeRuns.push(ms);
        if (rssMb !== undefined) rss[`revoke_${REVOKE_COUNT}`] = Math.max(rss[`revoke_${REVOKE_COUNT}`] ?? 0, rssMb);
      } else {
        kubectlRuns.push(await kubectlDelete(home, ctx.ns, 'secrets,serviceaccounts,rolebindings', 'revoke-b'));
      }
      await mustBeGone('revoke-b', side);
    }
  }
  const revokeMs = revokeRuns.reduce((a, b) => a + b) / revokeRuns.length;
  const kubectlRevokeMs = kubectlRuns.reduce((a, b) => a + b) / kubectlRuns.length;
  const figures: Figures = {
    p5_revoke_500_vs_kubectl_delete: round(revokeMs / kubectlRevokeMs),
    p5_revoke_500_ms: round(revokeMs, 0),
    p5_kubectl_delete_500_leases_ms: round(kubectlRevokeMs, 0),
  };

  // Garbage collection: expired mode A leases (only their anchor Secrets), found by label; no local records.
  if (!(await hasCommand(home, 'gc'))) {
    figures.p5_gc_5000_vs_kubectl_delete = 'pending: kubectl tempcreds gc does not exist yet';
  } else {
    await home.tool(['role', 'create', 'gc-a', '--service-account', 'app', '--allowed-namespaces', ctx.ns]);
    for (const count of GC_COUNTS) {
      const { objects } = await batch('gc-a', count, true, false);
      ctx.log(`p5: ${count} expired leases (${objects} objects) → gc`);
      const { ms, rssMb } = await measured(home, ['gc']);
      if (rssMb !== undefined) rss[`gc_${count}`] = rssMb;
      await mustBeGone('gc-a', 'gc');
      if (count !== GC_COMPARED) continue;
      await batch('gc-a', count, true, false);
      ctx.log(`p5: ${count} expired leases → kubectl delete -l`);
      const kubectlMs = await kubectlDelete(home, ctx.ns, 'secrets', 'gc-a');
      await mustBeGone('gc-a', 'kubectl delete');
      Object.assign(figures, {
        p5_gc_5000_vs_kubectl_delete: round(ms / kubectlMs),
        p5_gc_5000_ms: round(ms, 0),
        p5_kubectl_delete_5000_leases_ms: round(kubectlMs, 0),
      });
    }
  }
  const peaks = Object.values(rss);
  figures.p5_peak_rss_mb = peaks.length > 0 ? Math.max(...peaks) : `not measured (${GNU_TIME} is missing: apt-get install -y time)`;
  figures.p5_peak_rss_mb_by_run = rss;
  figures.p5_gc_10000_peak_rss_mb = rss.gc_10000 ?? 'not measured';
  return figures;
}
