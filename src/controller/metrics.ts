// The controller's counters and gauges, recorded by the loop and the reconciler, rendered by
// core/metrics.ts for /metrics.

import { emptySnapshot, observe, renderMetrics, type MetricsSnapshot, type RequestOutcome } from '../core/metrics.js';

export class ControllerMetrics {
  private snapshot: MetricsSnapshot = emptySnapshot();

  recordOutcome(outcome: RequestOutcome): void {
    this.snapshot.requests[outcome] += 1;
  }

  observeIssuance(seconds: number): void {
    this.snapshot.issuanceSeconds = observe(this.snapshot.issuanceSeconds, seconds);
  }

  setLiveLeases(count: number): void {
    this.snapshot.liveLeases = count;
  }

  setLeader(leader: boolean): void {
    this.snapshot.leader = leader;
  }

  render(): string {
    return renderMetrics(this.snapshot);
  }
}
