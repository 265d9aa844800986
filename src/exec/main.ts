// The exec credential entry (kubectl runs `kubectl-tempcreds token …`); it arrives with the exec plugin.
import type { ExitCode } from '../core/errors.js';

export async function main(): Promise<ExitCode> {
  process.stderr.write('kubectl-tempcreds: the token command is not available yet\n');
  return 1;
}
