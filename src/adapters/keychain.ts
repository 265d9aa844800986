// The OS keychain as a token store, through keytar (one entry per cache key). Its own module,
// free of file and crypto imports, so the exec hot path can read the keychain cheaply.

import { checkTokenCacheKey, parseCachedToken, type CachedToken } from '../core/token-cache.js';
import type { TokenStore } from '../app/ports.js';

const KEYCHAIN_SERVICE = 'kubectl-tempcreds';
const KEYCHAIN_TIMEOUT_MS = 3000;

type Keytar = typeof import('keytar');

export class KeychainStore implements TokenStore {
  readonly kind = 'keychain';
  constructor(private readonly keytar: Keytar) {}

  private async call<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000}s`)), KEYCHAIN_TIMEOUT_MS);
    });
    try {
      return await Promise.race([operation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // The key is the account name: only a real key, so no other account is read or removed.
  async get(key: string) {
    return parseCachedToken(await this.call(this.keytar.getPassword(KEYCHAIN_SERVICE, checkTokenCacheKey(key))));
  }
  async set(key: string, entry: CachedToken) {
    await this.call(this.keytar.setPassword(KEYCHAIN_SERVICE, checkTokenCacheKey(key), JSON.stringify(entry)));
  }
  async delete(key: string) {
    await this.call(this.keytar.deletePassword(KEYCHAIN_SERVICE, checkTokenCacheKey(key)));
  }
}

/**
 * The exec hit's read of one entry. On Linux straight from the Secret Service, where keytar
 * (libsecret) stores it under these attributes: loading keytar costs the hit as much as starting
 * Node. Elsewhere through keytar. A locked or missing item is undefined: the full path decides.
 */
export async function recallKeychainEntry(key: string, env: NodeJS.ProcessEnv): Promise<CachedToken | undefined> {
  if (process.platform !== 'linux') return new KeychainStore(await loadKeytar()).get(key);
  // Loaded only here: the single executable's cache hit holds this module, and a file-store hit
  // has no socket to open (node:net).
  const { lookupSecret } = await import('./secret-service.js');
  return parseCachedToken(await lookupSecret({ service: KEYCHAIN_SERVICE, account: checkTokenCacheKey(key) }, env, KEYCHAIN_TIMEOUT_MS));
}

export async function loadKeytar(): Promise<Keytar> {
  try {
    const module = (await import('keytar')) as Keytar & { default?: Keytar };
    return module.default ?? module;
  } catch (error) {
    throw new Error(`keytar is not installed or did not load: ${(error as Error).message.split('\n')[0]}`);
  }
}
