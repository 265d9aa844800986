// In the single executable, everything but the cache hit: the full exec entry and the CLI. Its
// main (src/single-executable.ts) holds only the routing and the hit; this module stands in for
// ./exec/main.js there and loads the rest — a second bundle stored in the executable as the asset
// REST_ASSET, with its V8 code cache as REST_CODE_CACHE_ASSET where the build made one — on first
// use, so a hit neither reads nor compiles the ~900 KB of yargs, issuance and the Kubernetes client.
// The asset is one function expression of (exports, require, module) (scripts/build.ts
// bundleSingleExecutable), which is what the code cache was made from.

import { createRequire } from 'node:module';
import { getAsset } from 'node:sea';
import { Script } from 'node:vm';
import type { main as execMain } from './exec/main.js';
import type { main as cliMain } from './cli/main.js';

export const REST_ASSET = 'rest.cjs';
export const REST_CODE_CACHE_ASSET = 'rest.cjs.cache';

interface Rest {
  exec: typeof execMain;
  cli: typeof cliMain;
}

let loaded: Rest | undefined;

function rest(): Rest {
  if (loaded) return loaded;
  let cachedData: Buffer | undefined;
  try {
    cachedData = Buffer.from(getAsset(REST_CODE_CACHE_ASSET));
  } catch {
    // a cross-built executable has no code cache (V8's is not portable): compiled from source
  }
  const script = new Script(getAsset(REST_ASSET, 'utf8'), { filename: REST_ASSET, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Rest };
  // Builtins and keytar's addon beside the executable are all it requires.
  (script.runInThisContext() as (exports: Rest, require: NodeJS.Require, module: { exports: Rest }) => void)(module.exports, createRequire(process.execPath), module);
  return (loaded = module.exports);
}

/** The full exec entry, in place of ./exec/main.js. */
export const main: typeof execMain = (args, env) => rest().exec(args, env);

export const cli: typeof cliMain = (args) => rest().cli(args);
