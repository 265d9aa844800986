// `__complete WORDS…` (hidden): shell completion in Cobra's protocol, answered for the
// script of `completion bash|zsh` and for kubectl_complete-tempcreds, which kubectl runs for
// `kubectl tempcreds <TAB>`. It runs on every TAB: command and flag names come from the specs
// (never yargs or a command's handler), values from completion-values.ts, loaded only then.

import type { Command } from './command-spec.js';
import { commandSpecs, globalFlagSpecs, NO_FILES, parseWords, structuralCandidates, type Completion } from './completion-engine.js';
import { withGlobalOptions } from './global-flags.js';

/** Answers `__complete WORDS…` on stdout in Cobra's format. Never fails: a broken source just offers nothing. */
export async function complete(words: string[], commands: readonly Command[]): Promise<0> {
  const globalFlags = globalFlagSpecs(withGlobalOptions);
  const root = { name: '', aliases: [], positionals: [], flags: [], subcommands: commandSpecs(commands) };
  const parsed = parseWords(root, globalFlags, words);
  let completion: Completion;
  try {
    completion = parsed.slot.kind === 'none' ? { candidates: structuralCandidates(parsed, globalFlags), directive: NO_FILES } : await (await import('./completion-values.js')).valueCandidates(parsed);
  } catch {
    completion = { candidates: [], directive: NO_FILES };
  }
  const lines = completion.candidates
    .filter((candidate) => candidate.value.startsWith(parsed.current))
    .map((candidate) => (candidate.describe ? `${candidate.value}\t${candidate.describe.split('\n')[0]}` : candidate.value));
  process.stdout.write(`${[...lines, `:${completion.directive}`].join('\n')}\n`);
  return 0;
}
