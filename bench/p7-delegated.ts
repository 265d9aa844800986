// P7: a cold delegated issuance — a new process that loads the CLI, makes a key pair, creates a
// CredentialRequest as a non-admin requester (a client certificate with `use` on the role),
// watches it until the controller (a process of the built tool, leading) answers, and opens the
// sealed token — against a local cold `issue -o token` of the same mode (A: an existing
// ServiceAccount) and TTL. Goal: ≤ 1.5 (the controller watches; the client watches; no polling).

import { prepareDelegation } from '../test/helpers/controller-process.ts';
import { allowRequests } from '../test/helpers/delegation.ts';
import { certificateUser } from '../test/helpers/requesters.ts';
import { createRoles, SERVICE_ACCOUNT, TTL } from './lib/fixtures.ts';
import { compareCommands, round } from './lib/measure.ts';
import { TOOL, toolHome } from './lib/tool.ts';
import type { BenchContext, Figures } from './run.ts';

export async function benchDelegated(ctx: BenchContext): Promise<Figures> {
  const home = toolHome(ctx.cluster.kubeconfig);
  const roles = await createRoles(home, ctx.ns, 'p7');
  const world = await prepareDelegation(ctx.cluster, [ctx.ns]);
  const role = `p7-delegated-${ctx.ns}`.slice(0, 63);
  await world.createRole(role, { allowedNamespaces: [ctx.ns], serviceAccount: SERVICE_ACCOUNT, defaultTtl: TTL });
  const requester = certificateUser(`p7-requester-${ctx.ns}`, [], ctx.cluster);
  await allowRequests(ctx.ns, requester, [role], ctx.cluster);
  const controller = await world.startController();
  try {
    const timed = compareCommands(
      {
        local: `${TOOL} issue ${roles.A} -n ${ctx.ns} --ttl ${TTL} -o token`,
        delegated: `${TOOL} issue ${role} -n ${ctx.ns} --ttl ${TTL} -o token --delegated --kubeconfig ${requester.kubeconfig}`,
      },
      { rounds: 4, runsPerRound: 4, warmup: 1, env: home.env },
    );
    return {
      p7_delegated_issue_vs_local: round(timed.delegated!.medianMs / timed.local!.medianMs),
      p7_delegated_issue_ms: round(timed.delegated!.medianMs, 1),
      p7_local_issue_ms: round(timed.local!.medianMs, 1),
      p7_runs_per_command: timed.local!.runs,
    };
  } finally {
    await controller.stop();
  }
}
