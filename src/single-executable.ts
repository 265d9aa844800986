// The entry of the single executable (`npm run package`, the krew archive): the launcher's
// routing (bin/route.cjs) over the bundled entries. Bundled into one CommonJS file, these
// imports become lazy initialisers, so a token cache hit never runs yargs or the Kubernetes
// client here either.

import { launch } from '../bin/route.cjs';

void launch(process.argv.slice(2), {
  // The cache hit first; it hands anything else to the full exec entry.
  token: async (args) => (await import('./exec/hit.js')).main(args),
  cli: async (args) => (await import('./cli/main.js')).main(args),
}).then((code) => {
  process.exitCode = code;
});
