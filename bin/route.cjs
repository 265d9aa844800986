// The launchers' one routing, shared by bin/kubectl-tempcreds and the single executable
// (src/single-executable.ts): `token` (the exec credential plugin, run before every kubectl
// API call) goes to the cache-hit entry, which serves a hit by itself and hands anything else
// to the full exec entry; every other command goes to the CLI. CommonJS and dependency-free,
// so the launcher loads it with one small read.
'use strict';
exports.launch = (args, entries) => {
  // A deprecation warning names code inside a dependency that the user cannot act on (Node 24
  // warns of url.parse() in one of @kubernetes/client-node's), and one stderr line is our error.
  process.noDeprecation = true;
  return args[0] === 'token' ? entries.token(args.slice(1)) : entries.cli(args);
};
