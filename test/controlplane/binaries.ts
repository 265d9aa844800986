// The control plane's binaries: envtest's KUBEBUILDER_ASSETS when it has them all, else built once
// from the pinned Go module in ./go and cached per go.mod/go.sum outside the repo. `ensureGoBinaries`
// does the same for any pinned Go module (the packaging test builds krew with it).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { BUILD_CACHE } from '../../scripts/node-runtime.ts';

const GO_MODULE_DIR = fileURLToPath(new URL('./go/', import.meta.url));

/** Binary name → Go package. etcd's main package is its server module root, so `go build` names it `server`. */
const GO_PACKAGES = {
  etcd: 'go.etcd.io/etcd/server/v3',
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
} as const;
export type BinaryName = keyof typeof GO_PACKAGES;
export const BINARY_NAMES = Object.keys(GO_PACKAGES) as BinaryName[];

const log = (message: string): void => void process.stderr.write(`controlplane: ${message}\n`);

/** A pinned Go module and the binaries built from it. */
export interface GoBinaries {
  /** Directory holding go.mod and go.sum. */
  moduleDir: string;
  /** Binary name → Go package. */
  packages: Record<string, string>;
  /** Cache folder under ${XDG_CACHE_HOME:-~/.cache}/kubectl-tempcreds/. */
  cacheName: string;
  /** What the log calls it, and how long a first build takes. */
  what: string;
  ldflags?: () => string;
  /** Built name → wanted name, for main packages named after their module (etcd's `server`). */
  renames?: Record<string, string>;
}

const CONTROL_PLANE: GoBinaries = {
  moduleDir: GO_MODULE_DIR,
  packages: GO_PACKAGES,
  cacheName: 'controlplane',
  what: `${BINARY_NAMES.join(', ')} from test/controlplane/go (first run only, ~15 min on 2 cores)`,
  ldflags: versionLdflags,
  renames: { server: 'etcd' },
};

export async function ensureBinaries(): Promise<string> {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets) {
    const missing = missingBinaries(assets, BINARY_NAMES);
    if (missing.length === 0) return assets;
    log(`KUBEBUILDER_ASSETS=${assets} lacks ${missing.join(', ')}; using binaries built from test/controlplane/go`);
  }
  return ensureGoBinaries(CONTROL_PLANE);
}

/** Builds the module's binaries once per go.mod/go.sum (one build at a time), and returns their directory. */
export async function ensureGoBinaries(spec: GoBinaries): Promise<string> {
  const names = Object.keys(spec.packages);
  const target = cacheDir(spec);
  if (missingBinaries(target, names).length === 0) return target;

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const release = await lockBuild(target);
  try {
    // Another run may have finished the build while this one waited for the lock.
    if (missingBinaries(target, names).length > 0) await build(target, spec);
  } finally {
    await release();
  }
  return target;
}

function missingBinaries(dir: string, names: string[]): string[] {
  return names.filter((name) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Keyed by the module files, so a version bump builds afresh and never mixes binaries. */
function cacheDir(spec: GoBinaries): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(fs.readFileSync(path.join(spec.moduleDir, file)));
  return path.join(BUILD_CACHE, spec.cacheName, hash.digest('hex').slice(0, 16));
}

/** One build at a time per cache dir; proper-lockfile refreshes the lock while the build runs. */
async function lockBuild(target: string): Promise<() => Promise<void>> {
  const options = { realpath: false, stale: 60_000, lockfilePath: `${target}.lock` };
  try {
    return await lockfile.lock(target, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    log(`another run is building the control plane into ${target}; waiting for it`);
    return lockfile.lock(target, { ...options, retries: { retries: 720, minTimeout: 5_000, maxTimeout: 5_000 } });
  }
}

/** The release in go.mod, stamped into the binaries so /version reports it instead of v0.0.0-master. */
function kubernetesRelease(): string {
  const goMod = fs.readFileSync(path.join(GO_MODULE_DIR, 'go.mod'), 'utf8');
  const match = /^\s*k8s\.io\/kubernetes (v(\d+)\.(\d+)\.\d+)/m.exec(goMod);
  if (!match) throw new Error(`test/controlplane/go/go.mod does not require k8s.io/kubernetes vX.Y.Z`);
  return match[1]!;
}

function versionLdflags(): string {
  const release = kubernetesRelease();
  const [major, minor] = release.slice(1).split('.');
  const vars = { gitVersion: release, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [name, value] of Object.entries(vars)) flags.push(`-X ${pkg}.${name}=${value}`);
  }
  return flags.join(' ');
}

/** Builds into a staging dir next to the cache dir, then renames it into place: readers never see half a build. */
async function build(target: string, spec: GoBinaries): Promise<void> {
  // Under the lock any staging dir is the leftover of an interrupted build.
  const cacheRoot = path.dirname(target);
  for (const entry of fs.readdirSync(cacheRoot)) {
    if (entry.startsWith(`${path.basename(target)}.tmp-`)) fs.rmSync(path.join(cacheRoot, entry), { recursive: true, force: true });
  }
  const staging = `${target}.tmp-${process.pid}`;
  fs.mkdirSync(staging);
  const started = Date.now();
  log(`building ${spec.what}`);
  try {
    await runGoBuild(['build', '-v', `-ldflags=${spec.ldflags?.() ?? '-s -w'}`, '-o', staging, ...Object.values(spec.packages)], started, spec.moduleDir);
    for (const [built, wanted] of Object.entries(spec.renames ?? {})) fs.renameSync(path.join(staging, built), path.join(staging, wanted));
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`built in ${elapsed(started)} into ${target}`);
}

/** Runs go with -v output turned into a progress line every 30 s; other output is shown only on failure. */
function runGoBuild(args: string[], started: number, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
    let compiled = 0;
    let downloaded = 0;
    const otherOutput: string[] = [];
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.startsWith('go: downloading ')) downloaded++;
      else if (/^[\w.~/-]+$/.test(line)) compiled++;
      else otherOutput.push(line);
    });
    const progress = setInterval(() => {
      log(`still building (${elapsed(started)}): ${downloaded} modules downloaded, ${compiled} packages compiled`);
    }, 30_000);
    child.on('error', (err) => {
      clearInterval(progress);
      const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        notFound
          ? new Error('`go` was not found: install Go (https://go.dev/dl/) or set KUBEBUILDER_ASSETS to a dir with etcd, kube-apiserver and kube-controller-manager')
          : err,
      );
    });
    child.on('close', (code, signal) => {
      clearInterval(progress);
      if (code === 0) return resolve();
      if (otherOutput.length > 0) process.stderr.write(`${otherOutput.slice(-40).join('\n')}\n`);
      reject(new Error(`go build in ${path.relative(process.cwd(), cwd) || cwd} failed (${signal ?? `exit ${code}`}); its output is above`));
    });
  });
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
