// The release's single executable, as `npm run package` builds it: BENCH_SEA_BIN if set, else
// the unpacked host archive in release/, else one the bench builds (with --out, so the committed
// krew manifest is left alone) into bench/results/package/.

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { executableName } from '../../scripts/krew-manifest.ts';
import { HOST } from '../../scripts/node-runtime.ts';
import { chooseTarget, unpackedName } from '../../scripts/release-target.ts';
import { ROOT } from './tool.ts';

let found: string | undefined;

export function seaBinary(log: (line: string) => void): string {
  if (found) return found;
  if (process.env.BENCH_SEA_BIN) return (found = process.env.BENCH_SEA_BIN);
  const target = chooseTarget(undefined, HOST);
  const inDirectory = (directory: string) => join(directory, unpackedName(target), executableName(target));
  const released = inDirectory(join(ROOT, 'release'));
  if (existsSync(released)) {
    log(`single executable: ${released} (built ${statSync(released).mtime.toISOString()}; delete release/ to measure this tree)`);
    return (found = released);
  }
  const out = join(ROOT, 'bench', 'results', 'package');
  log(`single executable: building it (npm run package -- --out ${out})`);
  const built = spawnSync('npm', ['run', '-s', 'package', '--', '--out', out, '--no-typecheck'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error(`npm run package failed (exit ${built.status})`);
  return (found = inDirectory(out));
}
