import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getCredential } from '../../src/app/get-credential.ts';
import { TempcredsError, invalidInput } from '../../src/core/errors.ts';
import { NOW, cachedToken, credentialFixture, leaseRecord, secondsAfter } from './fakes.ts';

const KEY = 'cache-key';

describe('getCredential: cache hit', () => {
  it('serves a servable entry of a live lease without lock or issuance', async () => {
    const fixture = credentialFixture();
    const entry = cachedToken();
    fixture.cache.set(KEY, entry);
    fixture.liveLeases.add(entry.leaseId);
    fixture.clock.now = secondsAfter(NOW, 3600 - 361);
    assert.deepEqual(await getCredential(fixture.deps, KEY), { entry, source: 'cache', warnings: [] });
    assert.deepEqual(fixture.events, []);
  });

  it('serves a hit even while a failure is remembered', async () => {
    const fixture = credentialFixture();
    const entry = cachedToken();
    fixture.cache.set(KEY, entry);
    fixture.liveLeases.add(entry.leaseId);
    fixture.failures.set(KEY, { message: 'old failure', exitCode: 1 });
    assert.equal((await getCredential(fixture.deps, KEY)).source, 'cache');
  });
});

describe('getCredential: issues under the lock, and stores', () => {
  const stale: [string, (fixture: ReturnType<typeof credentialFixture>) => void][] = [
    ['nothing cached', () => undefined],
    [
      'an expired entry',
      (fixture) => {
        fixture.cache.set(KEY, cachedToken());
        fixture.liveLeases.add(cachedToken().leaseId);
        fixture.clock.now = secondsAfter(NOW, 3601);
      },
    ],
    [
      'an entry within the refresh margin (10 % of 1h = 6m)',
      (fixture) => {
        fixture.cache.set(KEY, cachedToken());
        fixture.liveLeases.add(cachedToken().leaseId);
        fixture.clock.now = secondsAfter(NOW, 3600 - 360);
      },
    ],
    ['an entry whose lease was revoked', (fixture) => fixture.cache.set(KEY, cachedToken())],
    ['an entry for another key', (fixture) => fixture.cache.set('other-key', cachedToken())],
  ];
  for (const [name, arrange] of stale) {
    it(name, async () => {
      const fixture = credentialFixture();
      arrange(fixture);
      const result = await getCredential(fixture.deps, KEY);
      assert.equal(result.source, 'issued');
      assert.deepEqual(result.entry, {
        token: 'token-issued000001',
        leaseId: 'reader/issued000001',
        issuedAt: fixture.clock.now.toISOString(),
        expiresAt: secondsAfter(fixture.clock.now, 3600).toISOString(),
      });
      assert.deepEqual(fixture.events, ['lock', 'issue', 'set']);
      assert.deepEqual(fixture.cache.get(KEY), result.entry);
    });
  }

  it("passes on the issuance's warnings", async () => {
    const fixture = credentialFixture({ issue: async () => ({ lease: leaseRecord(), token: 't', warnings: ['capped'] }) });
    assert.deepEqual((await getCredential(fixture.deps, KEY)).warnings, ['capped']);
  });

  it('a second check inside the lock serves what another process stored meanwhile', async () => {
    const entry = cachedToken({ token: 'from-another-process', leaseId: 'reader/other0000000' });
    const fixture = credentialFixture({
      onLock: (self) => {
        self.cache.set(KEY, entry);
        self.liveLeases.add(entry.leaseId);
      },
    });
    assert.deepEqual(await getCredential(fixture.deps, KEY), { entry, source: 'cache', warnings: [] });
    assert.deepEqual(fixture.events, ['lock']);
  });
});

describe('getCredential: failures', () => {
  it('remembers a failure and throws it', async () => {
    const failure = invalidInput('role "reader" does not exist');
    const fixture = credentialFixture({ issue: async () => Promise.reject(failure) });
    await assert.rejects(getCredential(fixture.deps, KEY), (error) => error === failure);
    assert.deepEqual(fixture.failures.get(KEY), { message: 'role "reader" does not exist', exitCode: 2 });
    assert.deepEqual(fixture.events, ['lock', 'issue', 'remember']);
    assert.equal(fixture.cache.has(KEY), false);
  });

  it('remembers a plain error with exit code 1', async () => {
    const fixture = credentialFixture({ issue: async () => Promise.reject(new Error('connection refused')) });
    await assert.rejects(getCredential(fixture.deps, KEY), { message: 'connection refused' });
    assert.deepEqual(fixture.failures.get(KEY), { message: 'connection refused', exitCode: 1 });
  });

  it('throws the remembered failure next time without locking or issuing', async () => {
    const fixture = credentialFixture();
    fixture.failures.set(KEY, { message: 'cannot create Secret: 403 forbidden; nothing was created', exitCode: 1 });
    const error = await getCredential(fixture.deps, KEY).then(
      () => assert.fail('expected the remembered failure'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof TempcredsError);
    assert.equal(error.message, 'cannot create Secret: 403 forbidden; nothing was created');
    assert.equal(error.exitCode, 1);
    assert.deepEqual(fixture.events, []);
  });

  it('keeps the exit code of a remembered invalid-input failure', async () => {
    const fixture = credentialFixture();
    fixture.failures.set(KEY, { message: 'bad', exitCode: 2 });
    await assert.rejects(getCredential(fixture.deps, KEY), { name: 'TempcredsError', exitCode: 2, message: 'bad' });
  });
});

describe('getCredential: waiting for another process that holds the lock', () => {
  /** A lock held by another process: the waiter polls `meanwhile` while `holder` plays that process, step by step. */
  function contended(fixture: ReturnType<typeof credentialFixture>, holder: (poll: number) => void) {
    fixture.deps.withLock = async (_key, work, meanwhile) => {
      for (let poll = 0; poll < 5; poll++) {
        holder(poll);
        const settled = await meanwhile();
        if (settled !== undefined) return settled;
      }
      fixture.events.push('lock');
      return work();
    };
  }

  it('is served as soon as the holder stores its token, without taking the lock', async () => {
    const fixture = credentialFixture();
    const entry = cachedToken({ token: 'from-the-holder', leaseId: 'reader/holder000000' });
    contended(fixture, (poll) => {
      if (poll === 2) {
        fixture.cache.set(KEY, entry);
        fixture.liveLeases.add(entry.leaseId);
      }
    });
    assert.deepEqual(await getCredential(fixture.deps, KEY), { entry, source: 'cache', warnings: [] });
    assert.deepEqual(fixture.events, []);
  });

  it('fails as soon as the holder remembers a failure, without issuing again', async () => {
    const fixture = credentialFixture();
    contended(fixture, (poll) => {
      if (poll === 1) fixture.failures.set(KEY, { message: 'cannot create Secret: 403 forbidden', exitCode: 1 });
    });
    await assert.rejects(getCredential(fixture.deps, KEY), { name: 'TempcredsError', exitCode: 1, message: 'cannot create Secret: 403 forbidden' });
    assert.deepEqual(fixture.events, []);
  });

  it('takes the lock and issues when the holder went away without a result', async () => {
    const fixture = credentialFixture();
    contended(fixture, () => undefined);
    assert.equal((await getCredential(fixture.deps, KEY)).source, 'issued');
    assert.deepEqual(fixture.events, ['lock', 'issue', 'set']);
  });
});
