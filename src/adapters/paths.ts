// Where state lives: XDG base directories, or one root for everything when
// KUBECTL_TEMPCREDS_HOME is set (tests and CI isolate themselves with it).

import { homedir } from 'node:os';
import { join } from 'node:path';

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

/** The file token store's directory under the cache directory. */
export function tokenDirectory(cache: string): string {
  return join(cache, 'tokens');
}

export function statePaths(env: NodeJS.ProcessEnv = process.env): StatePaths {
  const root = env.KUBECTL_TEMPCREDS_HOME;
  if (root) return { roles: join(root, 'roles'), leases: join(root, 'leases'), audit: join(root, 'audit.log'), cache: join(root, 'cache') };
  const home = homedir();
  const base = (variable: string, fallback: string) => join(env[variable] || join(home, fallback), 'kubectl-tempcreds');
  const state = base('XDG_STATE_HOME', join('.local', 'state'));
  return {
    roles: join(base('XDG_CONFIG_HOME', '.config'), 'roles'),
    leases: join(state, 'leases'),
    audit: join(state, 'audit.log'),
    cache: base('XDG_CACHE_HOME', '.cache'),
  };
}
