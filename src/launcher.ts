// The npm launcher: built to bin/kubectl-tempcreds (scripts/build.ts), the one file a cache hit
// loads — the routing and the hit itself. Anything else requires its entry from dist/ on first
// use: the CLI (dist/cli/main.cjs), the full exec entry on a miss (dist/exec/main.cjs), the
// keychain's reader for a keychain hit (dist/exec/keychain.cjs). Node starts, reads
// and compiles this one small file, and nothing more, before every kubectl API call.

import { launch } from './route.js';
import { main as hit } from './exec/hit.js';

void launch(process.argv.slice(2), { token: hit, cli: async (args) => (await import('./cli/main.js')).main(args) }).then((code) => {
  process.exitCode = code;
});
