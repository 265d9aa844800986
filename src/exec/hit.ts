// The exec credential entry's first step, and all of a cache hit: kubectl runs the plugin
// before every API call, so this is the hottest path. It recalls which cache entry this exact
// invocation resolved to last time (credential-memo: valid while the role and kubeconfig files
// are unchanged), reads that token and checks its lease is still recorded — without parsing
// arguments, YAML or the role, and without node:crypto. Anything else (no memo, a changed
// file, an expired or missing token, an unreadable keychain, --help, any error) is handed
// unchanged to the full entry (./main.js), which explains errors and issues tokens.
//
// Built as its own small CommonJS bundle (dist/exec/hit.cjs, see scripts/build.ts): nothing
// else loads on a hit.

import { readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { recallMemo, memoInvocation, type MemoTarget } from '../adapters/credential-memo.js';
import { KeychainStore, loadKeytar } from '../adapters/keychain.js';
import { leaseRecordFile } from '../adapters/lease-store.js';
import { statePaths, tokenDirectory } from '../adapters/paths.js';
import { directoriesTrusted, directoryChain } from '../adapters/private-dirs.js';
import { execApiVersion, renderExecCredential } from '../core/exec-credential.js';
import { isServable, parseCachedToken, refreshAt, type CachedToken } from '../core/token-cache.js';
// The one hook user besides the composition root (../compose.ts): bundling the root here would
// grow this file from 9 KB to 53 KB, parsed on every kubectl call.
import { HOOK_INPUTS, faultsFrom } from '../test-hooks/faults.js';

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const credential = await cachedCredential(args, env).catch(() => undefined);
  if (credential === undefined) return (await import('./main.js')).main(args, env);
  writeAll(credential);
  return 0;
}

/** The ExecCredential to print, when this invocation is a plain cache hit. */
async function cachedCredential(args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const paths = statePaths(env);
  const memoDirectory = join(paths.cache, 'memo');
  // Any directory that cannot be trusted is a miss: the full path then says what is wrong.
  const trusted = (root: string, directory: string) => directoriesTrusted(directoryChain(root, directory));
  if (!trusted(paths.cache, memoDirectory) || !trusted(paths.cache, tokenDirectory(paths.cache))) return undefined;
  const memo = recallMemo(memoDirectory, memoInvocation(args, env, HOOK_INPUTS), { leases: paths.leases, tokens: tokenDirectory(paths.cache) });
  if (!memo) return undefined;
  const entry = await readToken(memo.target);
  if (!entry || !isServable(entry, faultsFrom(env).now(), memo.refresh)) return undefined;
  const record = leaseRecordFile(memo.leases, entry.leaseId);
  if (!trusted(dirname(paths.leases), dirname(record))) return undefined;
  JSON.parse(readFileSync(record, 'utf8')); // revoked here: no record, a miss
  return renderExecCredential(execApiVersion(env.KUBERNETES_EXEC_INFO), entry.token, refreshAt(entry, memo.refresh));
}

async function readToken(target: MemoTarget): Promise<CachedToken | undefined> {
  if (target.store === 'file') return parseCachedToken(readFileSync(target.file, 'utf8'));
  return new KeychainStore(await loadKeytar()).get(target.key);
}

/** Straight to fd 1: creating process.stdout for a pipe would load node:net and streams. */
function writeAll(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    // A non-blocking pipe that is full: let the stream wait for it.
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(offset));
  }
}
