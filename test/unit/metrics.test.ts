import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyHistogram, emptySnapshot, observe, renderMetrics } from '../../src/core/metrics.ts';

describe('metrics rendering (Prometheus text format)', () => {
  it('renders every family with HELP and TYPE, zeros included, before anything happened', () => {
    const text = renderMetrics(emptySnapshot());
    assert.ok(text.endsWith('\n'));
    for (const [name, type] of [['tempcreds_requests_total', 'counter'], ['tempcreds_issuance_seconds', 'histogram'], ['tempcreds_live_leases', 'gauge'], ['tempcreds_leader', 'gauge']]) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S.*\\n# TYPE ${name} ${type}$`, 'm'));
    }
    assert.match(text, /^tempcreds_requests_total\{outcome="issued"\} 0$/m);
    assert.match(text, /^tempcreds_issuance_seconds_bucket\{le="\+Inf"\} 0$/m);
    assert.match(text, /^tempcreds_leader 0$/m);
  });

  it('renders cumulative buckets, sum and count, counters by outcome and the gauges', () => {
    let issuance = emptyHistogram([0.1, 1]);
    for (const seconds of [0.05, 0.1, 0.5, 3]) issuance = observe(issuance, seconds);
    const text = renderMetrics({ requests: { issued: 3, denied: 1, failed: 0 }, issuanceSeconds: issuance, liveLeases: 17, leader: true });
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    assert.deepEqual(samples, [
      'tempcreds_requests_total{outcome="issued"} 3',
      'tempcreds_requests_total{outcome="denied"} 1',
      'tempcreds_requests_total{outcome="failed"} 0',
      'tempcreds_issuance_seconds_bucket{le="0.1"} 2',
      'tempcreds_issuance_seconds_bucket{le="1"} 3',
      'tempcreds_issuance_seconds_bucket{le="+Inf"} 4',
      'tempcreds_issuance_seconds_sum 3.65',
      'tempcreds_issuance_seconds_count 4',
      'tempcreds_live_leases 17',
      'tempcreds_leader 1',
    ]);
  });

  it('observe returns a new histogram and leaves the old one as it was', () => {
    const before = emptyHistogram([1]);
    const after = observe(before, 0.5);
    assert.deepEqual(before.counts, [0, 0]);
    assert.deepEqual(after.counts, [1, 0]);
  });
});
