// What the CLI entry is given from outside — the environment, where output goes, the clock —
// set once by main() for the command it runs, so tests can run the CLI in-process.

import type { Clock } from '../app/ports.js';

export interface CliEdges {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Replaces the local clock (else the real one, or the test build's fixed one). */
  clock?: Clock;
}

export const processEdges: CliEdges = {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

let current = processEdges;

export function edges(): CliEdges {
  return current;
}

export function useEdges(next: CliEdges): void {
  current = next;
}
