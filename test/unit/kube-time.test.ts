import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeTime } from '../../src/core/kube-time.ts';

describe('kubeTime', () => {
  it('prints RFC 3339 in UTC with whole seconds, as Kubernetes does', () => {
    assert.equal(kubeTime(new Date('2025-01-01T01:02:03.999Z')), '2025-01-01T01:02:03Z');
    assert.equal(kubeTime(new Date(0)), '1970-01-01T00:00:00Z');
    assert.equal(kubeTime(new Date('0042-03-04T05:06:07Z')), '0042-03-04T05:06:07Z');
  });
  it('agrees with toISOString() without its milliseconds, across leap days and month ends', () => {
    for (let ms = Date.UTC(1999, 11, 31, 23, 59, 59); ms < Date.UTC(2101, 0, 1); ms += 86_399_937) {
      const time = new Date(ms);
      assert.equal(kubeTime(time), time.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    }
  });
});
