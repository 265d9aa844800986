// Where state lives, by the platform's convention — as Go's os.UserConfigDir/UserCacheDir and
// most CLIs that kubectl users run choose:
//   Linux    XDG: ~/.config (roles), ~/.local/state (leases, audit log), ~/.cache (token cache)
//   macOS    ~/Library/Application Support (roles, leases, audit log), ~/Library/Caches
//   Windows  %APPDATA% (roles: configuration, may roam with the profile), %LOCALAPPDATA%
//            (leases, audit log, cache: they name this machine's tokens and must not roam)
// each under kubectl-tempcreds/. An XDG variable that is set wins on every platform; one root
// for everything when KUBECTL_TEMPCREDS_HOME is set (tests and CI isolate themselves with it).

import { join, posix, win32 } from 'node:path';
import { parseLeaseId } from '../core/lease.js';

export interface StatePaths {
  /** Role definitions: configuration the user wrote. */
  roles: string;
  /** Lease records. */
  leases: string;
  /** The audit log (JSON lines), beside the lease records. */
  audit: string;
  /** The file token cache and its locks. */
  cache: string;
}

const APP = 'kubectl-tempcreds';

/** The file token store's directory under the cache directory. */
export function tokenDirectory(cache: string): string {
  return join(cache, 'tokens');
}

/** Where the record of lease `id` lives under `directory` (the leases directory). */
export function leaseRecordFile(directory: string, id: string): string {
  const { role, suffix } = parseLeaseId(id);
  return join(directory, role, `${suffix}.json`);
}

/** The platform's own base directories, and the tool's cache directory (Windows keeps caches below the app's folder). */
function platformDirectories(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string) {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local');
    return { config: env.APPDATA || win32.join(home, 'AppData', 'Roaming'), state: local, cache: win32.join(local, APP, 'cache') };
  }
  if (platform === 'darwin') {
    const support = posix.join(home, 'Library', 'Application Support');
    return { config: support, state: support, cache: posix.join(home, 'Library', 'Caches', APP) };
  }
  return { config: posix.join(home, '.config'), state: posix.join(home, '.local', 'state'), cache: posix.join(home, '.cache', APP) };
}

/**
 * The user's home directory as os.homedir() finds it: the variable libuv reads first ($HOME,
 * %USERPROFILE% on Windows) when it is set and not empty, else os.homedir() itself. node:os is
 * loaded only then: the exec hot path (a cache hit) would otherwise load it on every kubectl call.
 */
export function homeDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return (platform === 'win32' ? env.USERPROFILE : env.HOME) || process.getBuiltinModule('node:os').homedir();
}

export function statePaths(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home?: string): StatePaths {
  const path = platform === 'win32' ? win32 : posix;
  const root = env.KUBECTL_TEMPCREDS_HOME;
  if (root) return { roles: path.join(root, 'roles'), leases: path.join(root, 'leases'), audit: path.join(root, 'audit.log'), cache: path.join(root, 'cache') };
  const base = platformDirectories(platform, env, home ?? homeDirectory(env, platform));
  const state = path.join(env.XDG_STATE_HOME || base.state, APP);
  return {
    roles: path.join(env.XDG_CONFIG_HOME || base.config, APP, 'roles'),
    leases: path.join(state, 'leases'),
    audit: path.join(state, 'audit.log'),
    cache: env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, APP) : base.cache,
  };
}
