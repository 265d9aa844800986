import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/core/duration.ts';

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['3600', 3600],
    ['0', 0],
    [' 600 ', 600],
    ['90s', 90],
    ['45m', 2700],
    ['1h', 3600],
    ['80h', 288000],
    ['1h30m', 5400],
    ['1h30m15s', 5415],
    ['2d', 172800],
    ['1.5h', 5400],
    ['1.5m', 90],
    ['1h1h', 7200],
    ['0.5s', undefined],
    ['1.25m', 75],
    ['1.01m', undefined],
    ['', undefined],
    ['   ', undefined],
    ['h', undefined],
    ['1', 1],
    ['1H', undefined],
    ['1w', undefined],
    ['-1h', undefined],
    ['+600', undefined],
    ['1h 30m', undefined],
    ['1e3', undefined],
    ['10 minutes', undefined],
    ['1h30', undefined],
    ['ten', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(parseDuration(text), expected));
  }

  // Go's time.ParseDuration gives 1h6m, 33m and 4h21m for these: whole seconds, whose
  // float product (1.1 * 3600 = 3960.0000000000005) must not be refused as a fraction.
  it('accepts decimal amounts that are whole seconds despite float rounding', () => {
    assert.equal(parseDuration('1.1h'), 3960);
    assert.equal(parseDuration('0.55h'), 1980);
    assert.equal(parseDuration('4.35h'), 15660);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [90, '1m30s'],
    [600, '10m'],
    [3600, '1h'],
    [3601, '1h1s'],
    [5400, '1h30m'],
    [86400, '24h'],
    [288000, '80h'],
    [2 ** 32, '1193046h28m16s'],
  ];
  for (const [seconds, expected] of cases) {
    it(`${seconds} → ${expected}`, () => assert.equal(formatDuration(seconds), expected));
  }

  it('round-trips through parseDuration', () => {
    for (const seconds of [1, 59, 61, 600, 3599, 3600, 5415, 86399, 2 ** 32]) assert.equal(parseDuration(formatDuration(seconds)), seconds);
  });
});
