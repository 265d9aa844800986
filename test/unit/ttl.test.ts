import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GLOBAL_DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, MIN_TTL_SECONDS, checkTokenTtl, resolveTtl, shortenedWarning, type TtlPolicy } from '../../src/core/ttl.ts';
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
