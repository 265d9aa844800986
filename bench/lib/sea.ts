// The release's single executable, as `npm run package` builds it: BENCH_SEA_BIN if set, else
// the unpacked host archive in release/, else one the bench builds (with --out, so the committed
// krew manifest is left alone) into bench/results/package/ when it is missing or older than src/.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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
  const built = inDirectory(out);
  if (existsSync(built) && statSync(built).mtimeMs > newestSource(join(ROOT, 'src'))) return (found = built);
  log(`single executable: building it (npm run package -- --out ${out})`);
  const packaged = spawnSync('npm', ['run', '-s', 'package', '--', '--out', out, '--no-typecheck'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (packaged.status !== 0) throw new Error(`npm run package failed (exit ${packaged.status})`);
  return (found = built);
}

/** The latest change under `directory` (ms): an executable built before it is rebuilt. */
function newestSource(directory: string): number {
  return Math.max(
    statSync(directory).mtimeMs,
    ...readdirSync(directory, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? newestSource(join(directory, entry.name)) : statSync(join(directory, entry.name)).mtimeMs)),
  );
}
