// The entry of the single executable (`npm run package`, the krew archive): the same
// routing as bin/kubectl-tempcreds — `token` takes the light exec entry, everything else
// the CLI. Bundled into one CommonJS file, these imports become lazy initialisers, so a
// token cache hit never runs yargs or the Kubernetes client here either.

const args = process.argv.slice(2);

void (async () => {
  if (args[0] === 'token') {
    // The cache hit first; it hands anything else to the full exec entry.
    const { main } = await import('./exec/hit.js');
    process.exitCode = await main(args.slice(1));
  } else {
    const { main } = await import('./cli/main.js');
    process.exitCode = await main(args);
  }
})();

export {};
