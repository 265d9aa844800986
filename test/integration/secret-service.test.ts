// The exec hit reads keychain entries over D-Bus directly (src/adapters/secret-service.ts)
// while the full path writes and deletes them with keytar (libsecret): both must see the same
// entry, against a real Secret Service (gnome-keyring, which npm test starts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeychainStore, loadKeytar, recallKeychainEntry } from '../../src/adapters/keychain.ts';
import { cachedToken } from '../unit/fakes.ts';

describe('the hit’s keychain read', () => {
  it('reads what keytar stored, and nothing once keytar deleted it', async () => {
    const store = new KeychainStore(await loadKeytar());
    const key = randomBytes(32).toString('hex');
    const entry = { ...cachedToken(), token: `secret-${randomBytes(8).toString('hex')}` };
    await store.set(key, entry);
    const read = await recallKeychainEntry(key, process.env);
    assert.ok(read && JSON.stringify(read) === JSON.stringify(entry), 'the entry keytar stored is read back'); // no token in a failure
    await store.delete(key);
    assert.equal(await recallKeychainEntry(key, process.env), undefined);
  });

  it('answers undefined for an account never stored, and rejects without a bus (the full path then decides)', async () => {
    assert.equal(await recallKeychainEntry(randomBytes(32).toString('hex'), process.env), undefined);
    await assert.rejects(recallKeychainEntry('b'.repeat(64), { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }));
  });
});
