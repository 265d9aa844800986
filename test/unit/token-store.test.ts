// Token cache stores: a key becomes a file name or a keychain account, so only a real key (hex sha256) is accepted.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KeychainStore } from '../../src/adapters/keychain.ts';
import { openTokenCache } from '../../src/adapters/token-cache.ts';
import { cachedToken } from './fakes.ts';

const BAD_KEYS = ['../../victim', '../x', '', 'A'.repeat(64), `${'a'.repeat(64)}/..`];

describe('token cache stores refuse keys that are not keys', () => {
  it('files: nothing outside the token directory is read, written or removed', async () => {
    const cache = join(mkdtempSync(join(tmpdir(), 'tempcreds-tokens-')), 'cache');
    const victim = join(cache, '..', 'victim.json');
    writeFileSync(victim, JSON.stringify(cachedToken()));
    const store = await openTokenCache('file', cache);
    for (const key of BAD_KEYS) {
      await assert.rejects(store.delete(key), /is not a token cache key/, key);
      await assert.rejects(store.get(key), /is not a token cache key/, key);
      await assert.rejects(store.set(key, cachedToken()), /is not a token cache key/, key);
    }
    assert.ok(existsSync(victim), 'the victim file is intact');
    const key = 'a'.repeat(64);
    await store.set(key, cachedToken());
    assert.deepEqual(await store.get(key), cachedToken());
  });

  it('keychain: no other account is ever asked for', async () => {
    const asked: string[] = [];
    const keytar = {
      getPassword: async (_: string, account: string) => (asked.push(account), null),
      setPassword: async (_: string, account: string) => void asked.push(account),
      deletePassword: async (_: string, account: string) => (asked.push(account), true),
    } as never;
    const store = new KeychainStore(keytar);
    for (const key of BAD_KEYS) {
      await assert.rejects(store.get(key), /is not a token cache key/, key);
      await assert.rejects(store.delete(key), /is not a token cache key/, key);
    }
    assert.deepEqual(asked, []);
  });
});
