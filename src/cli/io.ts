// The CLI's writers: results on stdout, warnings and errors on stderr (kubectl style), to
// the entry's edges (./edges.ts), never a control character that could drive the terminal
// (see render.ts); rendered documents (JSON, YAML, a token) go out unchanged through write().
// yargs prints help and --version itself, complete.ts the lines of __complete.

import { edges } from './edges.js';
import { terminalSafe } from './render.js';

export function write(text: string): void {
  edges().stdout(text);
}

export function print(text: string): void {
  const safe = terminalSafe(text, { lines: true });
  edges().stdout(safe.endsWith('\n') ? safe : `${safe}\n`);
}

export function warn(message: string): void {
  edges().stderr(`Warning: ${terminalSafe(message, { lines: true })}\n`);
}

/** The line the CLI ends a failed command with. */
export function printError(message: string): void {
  edges().stderr(`error: ${terminalSafe(message, { lines: true })}\n`);
}
