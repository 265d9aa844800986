// The launchers' one routing, shared by the npm launcher (./launcher.ts, built to
// bin/kubectl-tempcreds) and the single executable (./single-executable.ts): `token` (the exec
// credential plugin, run before every kubectl API call) goes to the cache hit, which serves a hit
// by itself and hands anything else to the full exec entry; every other command goes to the CLI.

export interface Entries {
  token(args: string[]): Promise<number>;
  cli(args: string[]): Promise<number>;
}

export function launch(args: string[], entries: Entries): Promise<number> {
  // A deprecation warning names code inside a dependency that the user cannot act on (Node 24
  // warns of url.parse() in one of @kubernetes/client-node's), and one stderr line is our error.
  process.noDeprecation = true;
  return args[0] === 'token' ? entries.token(args.slice(1)) : entries.cli(args);
}
