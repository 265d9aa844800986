// P2: a cold `issue -o token` per mode — a new process that loads the CLI and the Kubernetes
// client, creates the lease's objects and requests its token — against `kubectl create token`
// for the same ServiceAccount `app` and TTL, bound to a Secret as the issuer guard requires (one
// TokenRequest, nothing created, nothing to revoke: the floor of any tool that hands out a token).
// For scale, the floor of a Node.js tool, and the goal's denominator: floor/token-request.mjs, one
// TokenRequest with node:https and nothing else, same identity and TTL. The floor of each mode on
// this tool's own packages and protocol: floor/issue.mjs (yargs, client-node's KubeConfig, the
// mode's objects and bound token in the tool's rounds, a lease record), given the grant of the
// mode's role and bundled as the tool is. P6: the release's single executable issuing mode A.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleSingleFile } from '../scripts/build.ts';
import { pkiPaths } from '../test/controlplane/pki.ts';
import { compareCommands, round } from './lib/measure.ts';
import { seaBinary } from './lib/sea.ts';
import { BASELINE_TOOL, ROOT, TOOL, toolHome } from './lib/tool.ts';
import { createRoles, MODES, roleGrants, SERVICE_ACCOUNT, TTL } from './lib/fixtures.ts';
import type { BenchContext, Figures } from './run.ts';

const TTL_SECONDS = 3600;

export async function benchIssue(ctx: BenchContext): Promise<Figures> {
  const home = toolHome(ctx.cluster.kubeconfig);
  const roles = await createRoles(home, ctx.ns, 'issue');
  const pki = pkiPaths(ctx.cluster.dir);
  const issuer = pki.client('issuer'); // the kubeconfig's current context, as for kubectl and the tool
  // The issuer guard lets the issuer request only tokens bound to a Secret (as mode A's are to its anchor).
  await ctx.admin.create(`/api/v1/namespaces/${ctx.ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'p2-bound' } }, true);
  const bound = { name: 'p2-bound', uid: (await ctx.admin.request('GET', `/api/v1/namespaces/${ctx.ns}/secrets/p2-bound`)).body.metadata.uid as string };
  const floor = [join(ROOT, 'bench', 'floor', 'token-request.mjs'), ctx.cluster.server, pki.ca.cert, issuer.cert, issuer.key, ctx.ns, SERVICE_ACCOUNT, TTL_SECONDS, bound.name, bound.uid];
  const packageFloor = await bundlePackageFloor();
  const grants = roleGrants(home.home);
  const commands: Record<string, string> = {
    kubectl: `kubectl create token ${SERVICE_ACCOUNT} -n ${ctx.ns} --duration ${TTL} --bound-object-kind Secret --bound-object-name ${bound.name} --bound-object-uid ${bound.uid}`,
    node: `node ${floor.join(' ')}`,
  };
  for (const mode of MODES) {
    commands[mode] = `${TOOL} issue ${roles[mode]} -n ${ctx.ns} --ttl ${TTL} -o token`;
    commands[`package_floor_${mode}`] = `node ${packageFloor} issue ${grants[mode].join(' ')} -n ${ctx.ns} --ttl ${TTL_SECONDS} --record ${join(home.home, 'floor-records')}`;
  }
  commands.sea_A = `${seaBinary(ctx.log)} issue ${roles.A} -n ${ctx.ns} --ttl ${TTL} -o token`;
  if (BASELINE_TOOL) for (const mode of MODES) commands[`baseline_${mode}`] = `${BASELINE_TOOL} issue ${roles[mode]} -n ${ctx.ns} --ttl ${TTL} -o token`;
  let timed: ReturnType<typeof compareCommands>;
  try {
    timed = compareCommands(commands, { rounds: 4, runsPerRound: 4, warmup: 1, env: home.env });
  } finally {
    rmSync(dirname(packageFloor), { recursive: true, force: true });
    // Everything the package floor created: its anchors, and now, not at the garbage collector's
    // pace, what they own.
    const core = `/api/v1/namespaces/${ctx.ns}`;
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ctx.ns}`;
    for (const collection of [`${core}/secrets`, `${core}/serviceaccounts`, `${rbac}/roles`, `${rbac}/rolebindings`]) {
      await ctx.admin.request('DELETE', `${collection}?labelSelector=bench.tempcreds.dev%2Ffloor%3Dtrue`);
    }
  }
  const kubectl = timed.kubectl!.medianMs;
  const nodeFloor = timed.node!.medianMs;
  return {
    p2_issue_vs_node_floor: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.medianMs / nodeFloor)])),
    p2_issue_vs_kubectl_create_token: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.medianMs / kubectl)])),
    p2_issue_vs_package_floor: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.medianMs / timed[`package_floor_${mode}`]!.medianMs)])),
    p2_issue_cpu_vs_package_floor: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.cpuMs / timed[`package_floor_${mode}`]!.cpuMs)])),
    p2_package_floor_ms: Object.fromEntries(MODES.map((mode) => [mode, round(timed[`package_floor_${mode}`]!.medianMs, 1)])),
    p2_issue_ms: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.medianMs, 1)])),
    p2_kubectl_create_token_ms: round(kubectl, 1),
    p2_node_floor_ms: round(timed.node!.medianMs, 1),
    p2_node_floor_vs_kubectl_create_token: round(timed.node!.medianMs / kubectl),
    p2_runs_per_command: timed.kubectl!.runs,
    ...(BASELINE_TOOL
      ? {
          p2_issue_vs_baseline: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.medianMs / timed[`baseline_${mode}`]!.medianMs)])),
          p2_issue_cpu_vs_baseline: Object.fromEntries(MODES.map((mode) => [mode, round(timed[mode]!.cpuMs / timed[`baseline_${mode}`]!.cpuMs)])),
        }
      : {}),
    p6_sea_issue_vs_npm: round(timed.sea_A!.medianMs / timed.A!.medianMs),
    p6_sea_issue_ms: round(timed.sea_A!.medianMs, 1),
  };
}

/** floor/issue.mjs as one CommonJS file, built with the tool's bundle options (yargs reads its own URL). */
async function bundlePackageFloor(): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'tempcreds-bench-floor-')), 'issue.cjs');
  await bundleSingleFile(join(ROOT, 'bench', 'floor', 'issue.mjs'), out, {
    define: { 'import.meta.url': '__floorModuleUrl' },
    banner: { js: "const __floorModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  return out;
}
