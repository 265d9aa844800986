// The main of the single executable (`npm run package`, the krew archive): the launchers' routing
// (./route.ts) with the cache hit bundled in; anything else loads the rest from the executable
// (./single-executable-rest.ts), so a cache hit compiles only this small bundle.

import { launch } from './route.js';
import { main as hit } from './exec/hit.js';
import { cli } from './single-executable-rest.js';

void launch(process.argv.slice(2), { token: hit, cli }).then((code) => {
  process.exitCode = code;
});
