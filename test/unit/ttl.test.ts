import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GLOBAL_DEFAULT_TTL,
  GLOBAL_DEFAULT_TTL_SECONDS,
  MAX_TTL_SECONDS,
  MIN_TTL_SECONDS,
  checkTokenTtl,
  grantedSeconds,
  requestTtl,
  resolveTtl,
  roleTtlField,
  roleTtlsProblem,
  shortenedWarning,
  type TtlPolicy,
} from '../../src/core/ttl.ts';
import { invalid } from './fakes.ts';

describe('resolveTtl', () => {
  const table: { name: string; policy: TtlPolicy; seconds: number; warnings?: string[] }[] = [
    { name: 'nothing given → the global default (1h)', policy: {}, seconds: 3600 },
    { name: 'role default beats the global default', policy: { roleDefaultSeconds: 1800 }, seconds: 1800 },
    { name: 'request beats the role default', policy: { requestedSeconds: 7200, roleDefaultSeconds: 1800 }, seconds: 7200 },
    { name: 'request within the max is kept', policy: { requestedSeconds: 7200, roleMaxSeconds: 7200 }, seconds: 7200 },
    {
      name: 'request over the max is capped, with a warning',
      policy: { requestedSeconds: 11 * 3600, roleMaxSeconds: 5 * 3600 },
      seconds: 5 * 3600,
      warnings: ["the TTL 11h is greater than the role's max TTL 5h; capping it at 5h"],
    },
    {
      name: 'role default over the max is capped too',
      policy: { roleDefaultSeconds: 7200, roleMaxSeconds: 5400 },
      seconds: 5400,
      warnings: ["the TTL 2h is greater than the role's max TTL 1h30m; capping it at 1h30m"],
    },
    {
      name: 'the global default is capped by a smaller max',
      policy: { roleMaxSeconds: 1200 },
      seconds: 1200,
      warnings: ["the TTL 1h is greater than the role's max TTL 20m; capping it at 20m"],
    },
    { name: 'exactly 10m is accepted', policy: { requestedSeconds: MIN_TTL_SECONDS }, seconds: 600 },
    { name: 'exactly 2^32 s is accepted', policy: { requestedSeconds: MAX_TTL_SECONDS }, seconds: MAX_TTL_SECONDS },
  ];
  for (const { name, policy, seconds, warnings = [] } of table) {
    it(name, () => assert.deepEqual(resolveTtl(policy), { seconds, warnings }));
  }

  it('the global default is one hour', () => assert.equal(GLOBAL_DEFAULT_TTL_SECONDS, 3600));

  it('refuses a TTL under 10m with exit code 2', () => {
    assert.throws(() => resolveTtl({ requestedSeconds: 599 }), invalid('TTL 9m59s is too short: Kubernetes tokens live at least 10m; use --ttl 10m or more'));
    assert.throws(() => resolveTtl({ requestedSeconds: 0 }), invalid(/^TTL 0s is too short/));
  });

  it('refuses a TTL over 2^32 s with exit code 2', () => {
    assert.throws(() => resolveTtl({ requestedSeconds: MAX_TTL_SECONDS + 1 }), invalid('TTL 1193046h28m17s is too long: Kubernetes tokens live at most 4294967296s'));
  });

  it('checks the capped value, not the requested one', () => {
    assert.deepEqual(resolveTtl({ requestedSeconds: MAX_TTL_SECONDS + 1, roleMaxSeconds: 3600 }).seconds, 3600);
  });
});

describe('checkTokenTtl', () => {
  it('names what it checks', () => assert.throws(() => checkTokenTtl(60, 'defaultTtl'), invalid(/^defaultTtl 1m is too short/)));
  it('accepts the bounds', () => {
    checkTokenTtl(MIN_TTL_SECONDS, 'TTL');
    checkTokenTtl(MAX_TTL_SECONDS, 'TTL');
  });
});

describe('shortenedWarning', () => {
  it('is silent when the server granted what was asked, or within 5 s of it', () => {
    assert.equal(shortenedWarning(3600, 3600), undefined);
    assert.equal(shortenedWarning(3600, 3595), undefined);
    assert.equal(shortenedWarning(3600, 7200), undefined);
  });
  it('warns when the server shortened the lifetime', () => {
    assert.equal(
      shortenedWarning(7200, 3600),
      "the API server shortened the token's lifetime from 2h to 1h (its --service-account-max-token-expiration); the lease expires with the token",
    );
    assert.match(shortenedWarning(3600, 3594)!, /from 1h to 59m54s/);
  });
});

describe('requestTtl: a role and --ttl to the decision table', () => {
  const role = { spec: { defaultTtl: '30m', maxTtl: '2h' } };
  it('takes --ttl, else the role default, else the global default', () => {
    assert.equal(requestTtl(role, '1h').seconds, 3600);
    assert.equal(requestTtl(role, undefined).seconds, 1800);
    assert.equal(requestTtl({ spec: {} }, undefined).seconds, GLOBAL_DEFAULT_TTL_SECONDS);
  });
  it('caps at the role max with a warning', () => assert.deepEqual(requestTtl(role, '3h').warnings.length, 1));
  it('refuses a --ttl that is not a duration (exit 2)', () => assert.throws(() => requestTtl(role, 'soon'), invalid('--ttl "soon" is not a duration (use e.g. 30m, 1h or seconds)')));
  it('shows the global default as a role listing does', () => assert.equal(GLOBAL_DEFAULT_TTL, '1h'));
});

describe("a role's TTL fields", () => {
  const table: { value: unknown; expected: ReturnType<typeof roleTtlField> }[] = [
    { value: '80h', expected: { seconds: 288000 } },
    { value: 600, expected: { seconds: 600 } },
    { value: 'later', expected: { problem: 'maxTtl "later" is not a duration (use e.g. 30m, 1h, 80h or seconds)' } },
    { value: -5, expected: { problem: 'maxTtl "-5" is not a duration (use e.g. 30m, 1h, 80h or seconds)' } },
    { value: '5m', expected: { problem: 'maxTtl 5m is under 10m, the shortest lifetime Kubernetes gives a token' } },
    { value: MAX_TTL_SECONDS + 1, expected: { problem: `maxTtl 1193046h28m17s is over ${MAX_TTL_SECONDS}s, the longest lifetime Kubernetes gives a token` } },
  ];
  for (const { value, expected } of table) it(`${JSON.stringify(value)}`, () => assert.deepEqual(roleTtlField('maxTtl', value), expected));
  it('a default over the max is refused, as Vault does', () => {
    assert.equal(roleTtlsProblem(39600, 18000), 'defaultTtl 11h cannot be greater than maxTtl 5h');
    assert.equal(roleTtlsProblem(3600, 3600), undefined);
    assert.equal(roleTtlsProblem(3600, undefined), undefined);
  });
});

describe('grantedSeconds', () => {
  it('is the lifetime from the issuance, rounded to whole seconds', () => {
    assert.equal(grantedSeconds(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T01:00:00.400Z')), 3600);
  });
});
