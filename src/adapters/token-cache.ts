// Where issued tokens are cached until they expire: the OS keychain (keytar, one entry
// per cache key), private files, or nowhere. `auto` prefers the keychain and falls back
// to files, with a one-line notice, when no keychain answers (headless Linux, containers).

import { join } from 'node:path';
import { invalidInput } from '../core/errors.js';
import { checkTokenCacheKey, parseCachedToken, type CachedToken } from '../core/token-cache.js';
import { readTextIfExists, removeFile, writeFileAtomic } from './files.js';
import { KeychainStore, loadKeytar } from './keychain.js';
import { tokenDirectory } from './paths.js';
import type { TokenCacheStore } from '../app/ports.js';
import { checkDirectories, directoryChain } from './private-dirs.js';

export const TOKEN_CACHE_MODES = ['auto', 'keychain', 'file', 'none'] as const;
export type TokenCacheMode = (typeof TOKEN_CACHE_MODES)[number];

class FileTokenStore implements TokenCacheStore {
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

class NoTokenStore implements TokenCacheStore {
  readonly kind = 'none';
  async get() {
    return undefined;
  }
  async set() {}
  async delete() {}
}

/** Uses the keychain until it fails once, then the file store for the rest of the process. */
class FallbackStore implements TokenCacheStore {
  private current: TokenCacheStore;
  notice?: string;
  constructor(
    primary: TokenCacheStore,
    private readonly fallback: () => FileTokenStore,
  ) {
    this.current = primary;
  }
  get kind() {
    return this.current.kind;
  }
  private async attempt<T>(operation: (store: TokenCacheStore) => Promise<T>): Promise<T> {
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

export function parseTokenCacheMode(value: string | undefined): TokenCacheMode {
  const mode = (value ?? 'auto').toLowerCase();
  if (!(TOKEN_CACHE_MODES as readonly string[]).includes(mode)) {
    throw invalidInput(`token cache "${value}" is not one of ${TOKEN_CACHE_MODES.join(', ')} (--token-cache or KUBECTL_TEMPCREDS_TOKEN_CACHE)`);
  }
  return mode as TokenCacheMode;
}

export async function openTokenCache(mode: TokenCacheMode, cacheDirectory: string, env: NodeJS.ProcessEnv = process.env): Promise<TokenCacheStore> {
  const directory = tokenDirectory(cacheDirectory);
  const fileStore = (notice?: string) => new FileTokenStore(directory, cacheDirectory, notice);
  if (mode === 'none') return new NoTokenStore();
  if (mode === 'file') return fileStore();
  // Without a session bus libsecret cannot reach a Secret Service: don't even try.
  const noBus = process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS;
  if (mode === 'keychain') {
    if (noBus) throw invalidInput('--token-cache keychain: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service can answer; start one, or use --token-cache file|none');
    return new KeychainStore(await loadKeytar().catch((error: Error) => Promise.reject(invalidInput(`--token-cache keychain: ${error.message}; use --token-cache file|none`))));
  }
  if (noBus) return fileStore(fileFallbackNotice(new Error('no D-Bus session'), directory));
  try {
    return new FallbackStore(new KeychainStore(await loadKeytar()), () => fileStore());
  } catch (error) {
    return fileStore(fileFallbackNotice(error, directory));
  }
}

/** Best effort: drops the entries from every store they may be in. */
export async function evictTokens(keys: string[], cacheDirectory: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (keys.length === 0) return;
  const stores = [await openTokenCache('file', cacheDirectory, env), await openTokenCache('auto', cacheDirectory, env)];
  await Promise.all(keys.flatMap((key) => stores.map((store) => store.delete(key).catch(() => undefined))));
}
