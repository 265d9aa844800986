import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_MEMORY_MS, getCredential, serve, type CredentialInput } from '../../src/app/get-credential.ts';
import { credentialKey, DEFAULT_REFRESH } from '../../src/core/token-cache.ts';
import { roleDigest } from '../../src/core/role-spec.ts';
import { TempcredsError, invalidInput } from '../../src/core/errors.ts';
import { NOW, cachedToken, credentialFixture, issuerFingerprint, leaseRecord, role, secondsAfter } from './fakes.ts';

const KEY = 'cache-key';

describe('serve: cache hit', () => {
  it('serves a servable entry of a live lease without lock or issuance', async () => {
    const fixture = credentialFixture();
    const entry = cachedToken();
    fixture.cache.set(KEY, entry);
    fixture.liveLeases.add(entry.leaseId);
    fixture.clock.now = secondsAfter(NOW, 3600 - 361);
    assert.deepEqual(await serve(fixture.deps, KEY, DEFAULT_REFRESH), { entry, source: 'cache', warnings: [] });
    assert.deepEqual(fixture.events, []);
  });

  it('serves a hit even while a failure is remembered', async () => {
    const fixture = credentialFixture();
    const entry = cachedToken();
    fixture.cache.set(KEY, entry);
    fixture.liveLeases.add(entry.leaseId);
    fixture.failures.set(KEY, { message: 'old failure', exitCode: 1 });
    assert.equal((await serve(fixture.deps, KEY, DEFAULT_REFRESH)).source, 'cache');
  });
});

describe('serve: issues under the lock, and stores', () => {
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
      const result = await serve(fixture.deps, KEY, DEFAULT_REFRESH);
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
    assert.deepEqual((await serve(fixture.deps, KEY, DEFAULT_REFRESH)).warnings, ['capped']);
  });

  it('a second check inside the lock serves what another process stored meanwhile', async () => {
    const entry = cachedToken({ token: 'from-another-process', leaseId: 'reader/other0000000' });
    const fixture = credentialFixture({
      onLock: (self) => {
        self.cache.set(KEY, entry);
        self.liveLeases.add(entry.leaseId);
      },
    });
    assert.deepEqual(await serve(fixture.deps, KEY, DEFAULT_REFRESH), { entry, source: 'cache', warnings: [] });
    assert.deepEqual(fixture.events, ['lock']);
  });
});

describe('serve: failures', () => {
  it('remembers a failure and throws it', async () => {
    const failure = invalidInput('role "reader" does not exist');
    const fixture = credentialFixture({ issue: async () => Promise.reject(failure) });
    await assert.rejects(serve(fixture.deps, KEY, DEFAULT_REFRESH), (error) => error === failure);
    assert.deepEqual(fixture.failures.get(KEY), { message: 'role "reader" does not exist', exitCode: 2 });
    assert.deepEqual(fixture.events, ['lock', 'issue', 'remember']);
    assert.equal(fixture.cache.has(KEY), false);
  });

  it('remembers a plain error with exit code 1', async () => {
    const fixture = credentialFixture({ issue: async () => Promise.reject(new Error('connection refused')) });
    await assert.rejects(serve(fixture.deps, KEY, DEFAULT_REFRESH), { message: 'connection refused' });
    assert.deepEqual(fixture.failures.get(KEY), { message: 'connection refused', exitCode: 1 });
  });

  it('throws the remembered failure next time without locking or issuing', async () => {
    const fixture = credentialFixture();
    fixture.failures.set(KEY, { message: 'cannot create Secret: 403 forbidden; nothing was created', exitCode: 1 });
    const error = await serve(fixture.deps, KEY, DEFAULT_REFRESH).then(
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
    await assert.rejects(serve(fixture.deps, KEY, DEFAULT_REFRESH), { name: 'TempcredsError', exitCode: 2, message: 'bad' });
  });
});

describe('serve: waiting for another process that holds the lock', () => {
  /** A lock held by another process: the waiter polls `meanwhile` while `holder` plays that process, step by step. */
  function contended(fixture: ReturnType<typeof credentialFixture>, holder: (poll: number) => void) {
    fixture.deps.lock = async (_key, work, meanwhile) => {
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
    assert.deepEqual(await serve(fixture.deps, KEY, DEFAULT_REFRESH), { entry, source: 'cache', warnings: [] });
    assert.deepEqual(fixture.events, []);
  });

  it('fails as soon as the holder remembers a failure, without issuing again', async () => {
    const fixture = credentialFixture();
    contended(fixture, (poll) => {
      if (poll === 1) fixture.failures.set(KEY, { message: 'cannot create Secret: 403 forbidden', exitCode: 1 });
    });
    await assert.rejects(serve(fixture.deps, KEY, DEFAULT_REFRESH), { name: 'TempcredsError', exitCode: 1, message: 'cannot create Secret: 403 forbidden' });
    assert.deepEqual(fixture.events, []);
  });

  it('takes the lock and issues when the holder went away without a result', async () => {
    const fixture = credentialFixture();
    contended(fixture, () => undefined);
    assert.equal((await serve(fixture.deps, KEY, DEFAULT_REFRESH)).source, 'issued');
    assert.deepEqual(fixture.events, ['lock', 'issue', 'set']);
  });
});

/** A `token reader` invocation, as the exec entry builds it. */
function input(overrides: Partial<CredentialInput> = {}): CredentialInput {
  return { role: 'reader', clusterRoleBinding: false, audiences: [], refresh: DEFAULT_REFRESH, cacheMode: 'auto', ...overrides };
}

/** The key issuance caches under for role "reader" in `namespace`, through the fixture's issuer. */
function keyFor(fixture: ReturnType<typeof credentialFixture>, namespace: string, issuerContext = 'ci-admin'): string {
  const reader = fixture.roles.get('reader')!;
  return credentialKey(fixture.issuers.get(issuerContext)!, { role: 'reader', roleDigest: roleDigest(reader), namespace, clusterRoleBinding: false, audiences: [] });
}

describe('getCredential: the namespace policy of issue decides the cache key', () => {
  // Before, the exec entry keyed "DEV" and "" apart from "dev" (two leases for one credential).
  for (const [name, namespace] of [
    ['-n dev', 'dev'],
    ['-n DEV, lower-cased', 'DEV'],
    ['-n " dev ", trimmed', ' dev '],
    ["no -n: the role's only namespace", undefined],
  ] as const) {
    it(`${name} is served the token cached for dev`, async () => {
      const fixture = credentialFixture();
      const entry = cachedToken();
      fixture.cache.set(keyFor(fixture, 'dev'), entry);
      fixture.liveLeases.add(entry.leaseId);
      assert.deepEqual(await getCredential(fixture.ports, input({ namespace })), { entry, source: 'cache', warnings: [] });
      assert.deepEqual(fixture.events, []);
    });
  }

  // Before, "*" became the key's namespace and the refusal came from a failed issuance, remembered as a failure.
  for (const [name, spec] of [
    ['"*"', { serviceAccount: 'app', allowedNamespaces: ['*'] }],
    ['two namespaces', { serviceAccount: 'app', allowedNamespaces: ['dev', 'prod'] }],
    ['one namespace and a selector', { serviceAccount: 'app', allowedNamespaces: ['dev'], namespaceSelector: { matchLabels: { team: 'a' } } }],
  ] as const) {
    it(`no -n with a role allowing ${name} is bad input, before any lookup`, async () => {
      const fixture = credentialFixture();
      fixture.roles.set('reader', role('reader', spec));
      await assert.rejects(getCredential(fixture.ports, input()), { name: 'TempcredsError', exitCode: 2, message: 'role "reader" allows more than one namespace: choose one with -n NAMESPACE' });
      assert.deepEqual([fixture.events, fixture.issued, fixture.memos, [...fixture.failures.keys()]], [[], [], [], []]);
    });
  }

  it('a namespace that is not a DNS label is bad input', async () => {
    const fixture = credentialFixture();
    await assert.rejects(getCredential(fixture.ports, input({ namespace: 'dev_1' })), { exitCode: 2, message: /^namespace "dev_1" / });
    assert.deepEqual(fixture.events, []);
  });

  it('a namespace the role does not allow is bad input, before any issuance', async () => {
    const fixture = credentialFixture();
    await assert.rejects(getCredential(fixture.ports, input({ namespace: 'prod' })), { exitCode: 2, message: /^namespace "prod" is not in role "reader"'s allowed namespaces/ });
    assert.deepEqual(fixture.events, []);
  });
});

describe('getCredential: what it refuses before looking anything up', () => {
  it('a role that does not exist', async () => {
    const fixture = credentialFixture();
    await assert.rejects(getCredential(fixture.ports, input({ role: 'nope' })), { exitCode: 2, message: 'role "nope" does not exist (see: kubectl tempcreds role list)' });
  });

  it('a refresh margin over half the lifetime', async () => {
    const fixture = credentialFixture();
    await assert.rejects(getCredential(fixture.ports, input({ ttl: '10m', refresh: { fraction: 0, minSeconds: 400 } })), { exitCode: 2, message: /^--refresh-margin 6m40s is more than half/ });
  });

  it('an issuer context that itself runs kubectl-tempcreds', async () => {
    const fixture = credentialFixture();
    fixture.issuers.set('ci-admin', issuerFingerprint({ execCommand: '/usr/local/bin/kubectl-tempcreds' }));
    await assert.rejects(getCredential(fixture.ports, input({ namespace: 'dev' })), { exitCode: 2, message: /^the issuer context "ci-admin" itself runs kubectl-tempcreds/ });
    assert.deepEqual(fixture.events, []);
  });
});

describe('getCredential: issuance on a miss', () => {
  it('issues with the request as given, through the issuer context the key was derived from', async () => {
    const fixture = credentialFixture();
    fixture.roles.set('reader', role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'], issuerContext: 'team-issuer' }));
    fixture.issuers.set('team-issuer', issuerFingerprint({ context: 'team-issuer', user: 'team' }));
    const result = await getCredential(fixture.ports, input({ namespace: 'DEV', ttl: '2h', audiences: ['vault'] }));
    assert.equal(result.source, 'issued');
    const [{ request, context }] = fixture.issued as [(typeof fixture.issued)[number]];
    assert.deepEqual(request, { role: 'reader', namespace: 'DEV', ttl: '2h', clusterRoleBinding: false, audiences: ['vault'] });
    assert.equal(context.issuerContext, 'team-issuer');
    assert.equal(context.role, fixture.roles.get('reader'));
    assert.equal(context.key, credentialKey(fixture.issuers.get('team-issuer')!, { role: 'reader', roleDigest: roleDigest(fixture.roles.get('reader')!), namespace: 'dev', ttl: '2h', clusterRoleBinding: false, audiences: ['vault'] }));
  });

  it('--context wins over the role\'s issuer context', async () => {
    const fixture = credentialFixture();
    fixture.roles.set('reader', role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'], issuerContext: 'team-issuer' }));
    fixture.issuers.set('other', issuerFingerprint({ context: 'other' }));
    await getCredential(fixture.ports, input({ context: 'other' }));
    assert.equal(fixture.issued[0]?.context.issuerContext, 'other');
  });

  it("adds the token store's notice to the warnings of an issuance, not of a hit", async () => {
    const fixture = credentialFixture();
    fixture.store.notice = 'no OS keychain answered';
    const issued = await getCredential(fixture.ports, input());
    assert.deepEqual(issued.warnings, ['no OS keychain answered']);
    assert.deepEqual((await getCredential(fixture.ports, input())).warnings, []);
  });

  it('remembers for the hot path which entry it resolved to, unless nothing is cached', async () => {
    const fixture = credentialFixture();
    await getCredential(fixture.ports, input());
    const key = keyFor(fixture, 'dev');
    assert.deepEqual(fixture.memos, [{ key, role: 'reader', store: 'file', file: `/cache/tokens/${key}.json`, issuer: fixture.issuers.get('ci-admin') }]);
    fixture.store.kind = 'none';
    await getCredential(fixture.ports, input());
    assert.equal(fixture.memos.length, 1);
  });
});

describe('getCredential: the failure memory runs on the injected clock', () => {
  it(`repeats a failure for ${FAILURE_MEMORY_MS / 1000} s, then tries again`, async () => {
    let fail = true;
    const fixture = credentialFixture({ issue: async () => (fail ? Promise.reject(new Error('connection refused')) : { lease: leaseRecord(), token: 't', warnings: [] }) });
    await assert.rejects(getCredential(fixture.ports, input()), { message: 'connection refused' });
    assert.equal(fixture.failureUntil.get(keyFor(fixture, 'dev')), NOW.getTime() + FAILURE_MEMORY_MS);
    fail = false;
    fixture.clock.now = new Date(NOW.getTime() + FAILURE_MEMORY_MS - 1);
    await assert.rejects(getCredential(fixture.ports, input()), { name: 'TempcredsError', exitCode: 1, message: 'connection refused' });
    assert.deepEqual(fixture.events, ['lock', 'issue', 'remember']);
    fixture.clock.now = new Date(NOW.getTime() + FAILURE_MEMORY_MS);
    assert.equal((await getCredential(fixture.ports, input())).source, 'issued');
  });
});
