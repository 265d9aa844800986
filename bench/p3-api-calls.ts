// P3: the API requests of one issuance per mode, and how many of them had to wait for the
// one before (sequential rounds), counted from the API server's audit log: every request the
// issuer identity made in this run's namespace, or cluster-wide, while `issue` ran. Three
// issuances per mode, medians reported: calls meant to run concurrently count as one round only
// if the server saw them overlap, so a call that was late to leave (a new TLS handshake, a busy
// CPU) shows up as a round of its own.

import { auditOffset, completedSince, sequentialRounds, type AuditEvent } from './lib/audit.ts';
import { median } from './lib/measure.ts';
import { toolHome } from './lib/tool.ts';
import { createRoles, MODES, TTL, type Mode } from './lib/fixtures.ts';
import type { BenchContext, Figures } from './run.ts';

const ISSUER_USER = 'tempcreds-issuer';
const ISSUANCES = 3;

function describe(event: AuditEvent): string {
  const ref = event.objectRef ?? {};
  return `${event.verb} ${ref.resource ?? event.requestURI}${ref.subresource ? `/${ref.subresource}` : ''}`;
}

export async function benchApiCalls(ctx: BenchContext): Promise<Figures> {
  const home = toolHome(ctx.cluster.kubeconfig);
  const roles = await createRoles(home, ctx.ns, 'calls');
  const requests = {} as Record<Mode, number>;
  const rounds = {} as Record<Mode, number>;
  const observed = {} as Record<Mode, string>;
  const calls = {} as Record<Mode, string>;
  for (const mode of MODES) {
    const counts: number[] = [];
    const depths: number[] = [];
    for (let issuance = 0; issuance < ISSUANCES; issuance++) {
      const offset = auditOffset(ctx.cluster.auditLog);
      await home.tool(['issue', roles[mode], '-n', ctx.ns, '--ttl', TTL, '-o', 'token']);
      await new Promise((resolve) => setTimeout(resolve, 500)); // the audit backend writes after the response
      const events = completedSince(ctx.cluster.auditLog, offset).filter(
        (event) => event.user.username === ISSUER_USER && (event.objectRef?.namespace ?? ctx.ns) === ctx.ns,
      );
      counts.push(events.length);
      depths.push(sequentialRounds(events));
      calls[mode] ??= events.map(describe).join(', ');
    }
    requests[mode] = median(counts);
    rounds[mode] = median(depths);
    observed[mode] = depths.join(' ');
  }
  return { p3_api_requests: requests, p3_sequential_rounds: rounds, p3_rounds_per_issuance: observed, p3_requests: calls };
}
