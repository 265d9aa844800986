// `version`: what this build is — the lines doctor starts with, or JSON/YAML for scripts.

import { buildInfo } from '../../adapters/build-info.js';
import { versionEntries } from '../../core/build-info.js';
import type { CommandHandler } from '../command-spec.js';
import { print } from '../io.js';
import { structured } from '../render.js';
import type { versionSpec } from '../specs/version.js';

export const versionCommand: CommandHandler<typeof versionSpec> = {
  handler: (args) => {
    const info = buildInfo();
    if (args.output !== 'table') return print(structured(info, args.output));
    const entries = versionEntries(info);
    const width = Math.max(...entries.map(([key]) => key.length)) + 2;
    print(entries.map(([key, value]) => `${key.padEnd(width)}${value}`).join('\n'));
  },
};
