// The controller's metrics in the Prometheus text exposition format (version 0.0.4), rendered
// from a plain snapshot; the histogram is plain data too, so recording and rendering are testable
// without a server.

export const REQUEST_OUTCOMES = ['issued', 'denied', 'failed'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** Issuance latency buckets, in seconds: an issuance is a few API rounds, seconds when the API server is slow. */
export const ISSUANCE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export interface Histogram {
  /** Upper bounds, ascending; +Inf is implied. */
  bounds: readonly number[];
  /** Observations per bucket (not cumulative), one more than `bounds`: the last is above every bound. */
  counts: number[];
  sum: number;
}

export interface MetricsSnapshot {
  requests: Record<RequestOutcome, number>;
  issuanceSeconds: Histogram;
  liveLeases: number;
  leader: boolean;
}

export function emptyHistogram(bounds: readonly number[] = ISSUANCE_BUCKETS): Histogram {
  return { bounds, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0 };
}

export function observe(histogram: Histogram, value: number): Histogram {
  const index = histogram.bounds.findIndex((bound) => value <= bound);
  const counts = [...histogram.counts];
  counts[index < 0 ? histogram.bounds.length : index]! += 1;
  return { bounds: histogram.bounds, counts, sum: histogram.sum + value };
}

export function emptySnapshot(): MetricsSnapshot {
  return { requests: { issued: 0, denied: 0, failed: 0 }, issuanceSeconds: emptyHistogram(), liveLeases: 0, leader: false };
}

/** Go's float formatting for the values we have: integers plain, +Inf spelt as Prometheus spells it. */
function value(number: number): string {
  return number === Infinity ? '+Inf' : String(number);
}

export function renderMetrics(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  family('tempcreds_requests_total', 'counter', 'CredentialRequests handled, by outcome.');
  for (const outcome of REQUEST_OUTCOMES) lines.push(`tempcreds_requests_total{outcome="${outcome}"} ${snapshot.requests[outcome]}`);
  family('tempcreds_issuance_seconds', 'histogram', 'Time from a request seen to its token written, in seconds.');
  const { bounds, counts, sum } = snapshot.issuanceSeconds;
  let cumulative = 0;
  [...bounds, Infinity].forEach((bound, index) => {
    cumulative += counts[index] ?? 0;
    lines.push(`tempcreds_issuance_seconds_bucket{le="${value(bound)}"} ${cumulative}`);
  });
  lines.push(`tempcreds_issuance_seconds_sum ${value(sum)}`, `tempcreds_issuance_seconds_count ${cumulative}`);
  family('tempcreds_live_leases', 'gauge', 'Leases issued by the controller that have not expired or been revoked.');
  lines.push(`tempcreds_live_leases ${snapshot.liveLeases}`);
  family('tempcreds_leader', 'gauge', '1 while this replica holds the leader election Lease, else 0.');
  lines.push(`tempcreds_leader ${snapshot.leader ? 1 : 0}`);
  return `${lines.join('\n')}\n`;
}
