// Where issued tokens are cached until they expire: the OS keychain (keytar, one entry
// per cache key), private files, or nowhere. `auto` prefers the keychain and falls back
// to files, with a one-line notice, when no keychain answers (headless Linux, containers).

import { join } from 'node:path';
import type { TokenStore } from '../app/ports.js';
import { invalidInput } from '../core/errors.js';
import { checkTokenCacheKey, parseCachedToken, type CachedToken, type TokenCacheMode } from '../core/token-cache.js';
import { readTextIfExists, removeFile, writeFileAtomic } from './files.js';
import { KeychainStore, loadKeytar } from './keychain.js';
import { tokenDirectory } from './paths.js';
import { checkDirectories, directoryChain } from './private-dirs.js';

class FileTokenStore implements TokenStore {
  readonly kind = 'file';
  constructor(
    readonly directory: string,
    private readonly cacheDirectory: string,
    readonly notice?: string,
  ) {}
  fileFor(key: string) {
    return join(this.directory, `${checkTokenCacheKey(key)}.json`);
  }
  /** The entry's file, once the cache directory and the token directory can be trusted. */
  private async trustedFile(key: string) {
    const file = this.fileFor(key);
    await checkDirectories(directoryChain(this.cacheDirectory, this.directory));
    return file;
  }
  async get(key: string) {
    return parseCachedToken(await readTextIfExists(await this.trustedFile(key)));
  }
  async set(key: string, entry: CachedToken) {
    await writeFileAtomic(await this.trustedFile(key), JSON.stringify(entry));
  }
  async delete(key: string) {
    await removeFile(await this.trustedFile(key));
  }
}

class NoTokenStore implements TokenStore {
  readonly kind = 'none';
  async get() {
    return undefined;
  }
  async set() {}
  async delete() {}
}

/** Uses the keychain until it fails once, then the file store for the rest of the process. */
class FallbackStore implements TokenStore {
  private current: TokenStore;
  notice?: string;
  constructor(
    primary: TokenStore,
    private readonly fallback: () => FileTokenStore,
  ) {
    this.current = primary;
  }
  get kind() {
    return this.current.kind;
  }
  private async attempt<T>(operation: (store: TokenStore) => Promise<T>): Promise<T> {
    if (this.current.kind === 'file') return operation(this.current);
    try {
      return await operation(this.current);
    } catch (error) {
      const fileStore = this.fallback();
      this.current = fileStore;
      this.notice = fileFallbackNotice(error, fileStore.directory);
      return operation(this.current);
    }
  }
  get(key: string) {
    return this.attempt((store) => store.get(key));
  }
  set(key: string, entry: CachedToken) {
    return this.attempt((store) => store.set(key, entry));
  }
  delete(key: string) {
    return this.attempt((store) => store.delete(key));
  }
  fileFor(key: string) {
    return this.current.fileFor?.(key);
  }
}

function fileFallbackNotice(error: unknown, directory: string): string {
  return `no OS keychain answered (${(error as Error).message.split('\n')[0]}); caching tokens in private files under ${directory} (choose with --token-cache)`;
}

type Factory = (cacheDirectory: string, env: NodeJS.ProcessEnv) => Promise<TokenStore>;

const fileStore = (cacheDirectory: string, notice?: string) => new FileTokenStore(tokenDirectory(cacheDirectory), cacheDirectory, notice);

// Without a session bus libsecret cannot reach a Secret Service: don't even try.
const noSessionBus = (env: NodeJS.ProcessEnv) => process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS;

/** One backend per mode: a mode without one does not compile. */
const BACKENDS = {
  none: async () => new NoTokenStore(),
  file: async (cacheDirectory) => fileStore(cacheDirectory),
  async keychain(_cacheDirectory, env) {
    if (noSessionBus(env)) throw invalidInput('--token-cache keychain: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service can answer; start one, or use --token-cache file|none');
    return new KeychainStore(await loadKeytar().catch((error: Error) => Promise.reject(invalidInput(`--token-cache keychain: ${error.message}; use --token-cache file|none`))));
  },
  async auto(cacheDirectory, env) {
    if (noSessionBus(env)) return fileStore(cacheDirectory, fileFallbackNotice(new Error('no D-Bus session'), tokenDirectory(cacheDirectory)));
    try {
      return new FallbackStore(new KeychainStore(await loadKeytar()), () => fileStore(cacheDirectory));
    } catch (error) {
      return fileStore(cacheDirectory, fileFallbackNotice(error, tokenDirectory(cacheDirectory)));
    }
  },
} satisfies Record<TokenCacheMode, Factory>;

export function openTokenCache(mode: TokenCacheMode, cacheDirectory: string, env: NodeJS.ProcessEnv = process.env): Promise<TokenStore> {
  return BACKENDS[mode](cacheDirectory, env);
}

/** Best effort: drops the entries from every store they may be in. */
export async function evictTokens(keys: string[], cacheDirectory: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (keys.length === 0) return;
  const stores = [await openTokenCache('file', cacheDirectory, env), await openTokenCache('auto', cacheDirectory, env)];
  await Promise.all(keys.flatMap((key) => stores.map((store) => store.delete(key).catch(() => undefined))));
}
