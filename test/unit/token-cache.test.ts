import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_REFRESH, checkRefreshMargin, isServable, parseCachedToken, parseRefreshMargin, refreshAt, refreshMarginSeconds, tokenCacheKey, type CredentialIdentity } from '../../src/core/token-cache.ts';
import { NOW, cachedToken, secondsAfter } from './fakes.ts';

const identity: CredentialIdentity = {
  server: 'https://127.0.0.1:6443',
  caDigest: 'ca0',
  issuerUser: 'issuer',
  role: 'reader',
  roleDigest: 'd0',
  namespace: 'dev',
  ttlSeconds: 3600,
  clusterRoleBinding: false,
  audiences: ['a', 'b'],
};

describe('tokenCacheKey', () => {
  it('is a sha256 hex digest, stable for the same identity', () => {
    assert.match(tokenCacheKey(identity), /^[0-9a-f]{64}$/);
    assert.equal(tokenCacheKey({ ...identity }), tokenCacheKey(identity));
  });
  it('is independent of audience order', () => assert.equal(tokenCacheKey({ ...identity, audiences: ['b', 'a'] }), tokenCacheKey(identity)));
  it('does not sort the caller\'s audiences in place', () => {
    const audiences = ['b', 'a'];
    tokenCacheKey({ ...identity, audiences });
    assert.deepEqual(audiences, ['b', 'a']);
  });
  const changes: [string, Partial<CredentialIdentity>][] = [
    ['server', { server: 'https://other:6443' }],
    ['caDigest', { caDigest: 'ca1' }],
    ['issuerUser', { issuerUser: 'someone' }],
    ['role', { role: 'writer' }],
    ['roleDigest', { roleDigest: 'd1' }],
    ['namespace', { namespace: 'prod' }],
    ['ttlSeconds', { ttlSeconds: 1800 }],
    ['ttlSeconds absent', { ttlSeconds: undefined }],
    ['clusterRoleBinding', { clusterRoleBinding: true }],
    ['audiences', { audiences: ['a'] }],
    ['no audiences', { audiences: [] }],
    ['tlsServerName', { tlsServerName: 'kubernetes.internal' }],
    ['proxyUrl', { proxyUrl: 'http://proxy:3128' }],
  ];
  for (const [field, change] of changes) {
    it(`changes with ${field}`, () => assert.notEqual(tokenCacheKey({ ...identity, ...change }), tokenCacheKey(identity)));
  }
  it('is unchanged without tls-server-name and proxy-url: entries cached before they joined the key stay valid', () =>
    assert.equal(tokenCacheKey({ ...identity, tlsServerName: undefined, proxyUrl: undefined }), tokenCacheKey(identity)));
});

describe('refreshAt and isServable', () => {
  it('defaults: 10 % of the lifetime, at least 60 s', () => assert.deepEqual(DEFAULT_REFRESH, { fraction: 0.1, minSeconds: 60 }));
  const cases: [string, number, number][] = [
    ['a 1h token refreshes 6m before expiry', 3600, 3600 - 360],
    ['a 10m token refreshes 60 s before expiry (the floor)', 600, 540],
    ['a 20m token: 10 % = 120 s', 1200, 1080],
  ];
  for (const [name, lifetime, refreshSecond] of cases) {
    it(name, () => {
      const entry = cachedToken({ issuedAt: NOW.toISOString(), expiresAt: secondsAfter(NOW, lifetime).toISOString() });
      assert.equal(refreshAt(entry).toISOString(), secondsAfter(NOW, refreshSecond).toISOString());
      assert.equal(isServable(entry, secondsAfter(NOW, refreshSecond - 1)), true);
      assert.equal(isServable(entry, secondsAfter(NOW, refreshSecond)), false);
      assert.equal(isServable(entry, secondsAfter(NOW, lifetime + 1)), false);
    });
  }
  it('honours a custom policy', () => {
    const entry = cachedToken({ expiresAt: secondsAfter(NOW, 1000).toISOString() });
    assert.equal(refreshAt(entry, { fraction: 0.5, minSeconds: 0 }).toISOString(), secondsAfter(NOW, 500).toISOString());
    assert.equal(refreshAt(entry, { fraction: 0, minSeconds: 300 }).toISOString(), secondsAfter(NOW, 700).toISOString());
  });
  it('an entry with an unreadable issuedAt is never served', () => {
    assert.equal(isServable(cachedToken({ issuedAt: 'yesterday' }), NOW), false);
  });
  it('never keeps more than half the lifetime in reserve (a server that shortened the token)', () => {
    assert.equal(refreshMarginSeconds(600, { fraction: 0, minSeconds: 3600 }), 300);
    const entry = cachedToken({ expiresAt: secondsAfter(NOW, 600).toISOString() });
    assert.equal(isServable(entry, secondsAfter(NOW, 299), { fraction: 0, minSeconds: 3600 }), true);
  });
});

describe('--refresh-margin', () => {
  it('defaults to 10 %, at least 60 s', () => assert.deepEqual(parseRefreshMargin(undefined), DEFAULT_REFRESH));
  it('takes a percentage under 100 % (keeping the 60 s floor) or a duration', () => {
    assert.deepEqual(parseRefreshMargin('25%'), { fraction: 0.25, minSeconds: 60 });
    assert.deepEqual(parseRefreshMargin('2.5%'), { fraction: 0.025, minSeconds: 60 });
    assert.deepEqual(parseRefreshMargin('5m'), { fraction: 0, minSeconds: 300 });
  });
  for (const text of ['100%', '150%', '-5%', 'soon', '']) {
    it(`refuses "${text}" with exit code 2`, () => assert.throws(() => parseRefreshMargin(text), { exitCode: 2, message: new RegExp(`^--refresh-margin "${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" is neither a percentage under 100% nor a duration`) }));
  }
  it('refuses a margin over half the token lifetime before anything is issued', () => {
    assert.throws(() => checkRefreshMargin(parseRefreshMargin('2h'), 3600), { exitCode: 2, message: "--refresh-margin 2h is more than half of the token's lifetime 1h: choose a smaller margin or a longer --ttl" });
    assert.throws(() => checkRefreshMargin(parseRefreshMargin('60%'), 3600), /--refresh-margin 36m is more than half/);
    assert.doesNotThrow(() => checkRefreshMargin(parseRefreshMargin('30m'), 3600));
    assert.doesNotThrow(() => checkRefreshMargin(DEFAULT_REFRESH, 600));
  });
});

describe('parseCachedToken', () => {
  const entry = cachedToken();
  it('reads a stored entry', () => assert.deepEqual(parseCachedToken(JSON.stringify(entry)), entry));
  const garbage: [string, string | null | undefined][] = [
    ['undefined', undefined],
    ['null', null],
    ['empty', ''],
    ['not JSON', '{token'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['a missing field', JSON.stringify({ ...entry, leaseId: undefined })],
    ['a field of the wrong type', JSON.stringify({ ...entry, token: 1 })],
    ['an unreadable expiry', JSON.stringify({ ...entry, expiresAt: 'soon' })],
  ];
  for (const [name, text] of garbage) it(`treats ${name} as a miss`, () => assert.equal(parseCachedToken(text), undefined));
});
