// The name usage text shows: `kubectl tempcreds` when run as a kubectl plugin (a binary
// named kubectl-tempcreds, found by kubectl or krew), the plain script name otherwise.

import { basename } from 'node:path';

export function programName(scriptPath: string | undefined = process.argv[1]): string {
  const name = basename(scriptPath ?? 'kubectl-tempcreds').replace(/\.(c|m)?js$/, '');
  return name.startsWith('kubectl-') ? `kubectl ${name.slice('kubectl-'.length).replace(/_/g, '-')}` : name;
}
