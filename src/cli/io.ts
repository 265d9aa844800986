// Writing for commands: results on stdout, warnings and errors on stderr (kubectl style),
// never a control character that could drive the terminal (see render.ts). Not the only
// writers: yargs prints help and --version, issue.ts its credential and preview-output.ts
// the dry-run preview (both rendered with render.ts), complete.ts the lines of __complete.

import { terminalSafe } from './render.js';

export function print(text: string): void {
  const safe = terminalSafe(text, { lines: true });
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`Warning: ${terminalSafe(message, { lines: true })}\n`);
}

/** The line the CLI ends a failed command with. */
export function printError(message: string, stderr: Pick<NodeJS.WriteStream, 'write'> = process.stderr): void {
  stderr.write(`error: ${terminalSafe(message, { lines: true })}\n`);
}
