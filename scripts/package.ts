// `npm run package [-- --platform OS/ARCH --out DIR --uri-base URL --node-binary PATH --no-typecheck]`:
// the release archives for krew.
//
// Each archive holds a Node single executable application named kubectl-tempcreds (Node itself
// plus the tool in two CommonJS bundles with V8 code caches — a small main that serves a token
// cache hit, and the rest it loads only on a miss or another command; no Node needed on the
// user's machine), keytar's native addon beside it (loaded relative to the executable), the
// kubectl_complete-tempcreds helper (not on Windows) and the LICENSE; names and files come from
// scripts/krew-manifest.ts (kubectl-tempcreds.exe in a .zip on Windows). The archive is written by
// scripts/archive.ts, deterministic; its lowercase sha256 goes into the manifest rendered from
// krew-manifest.template.yaml.
//
// Without --out it is a release build: release/ gets the archives (and each unpacked, to run
// and benchmark as is) and tempcreds.yaml (uri:
// the GitHub release of this version), and the committed krew-manifest.yaml is rewritten with
// the new sha256 — commit it together with the release upload. With --out (the packaging
// test) only DIR is written, and --uri-base may point at it.
//
// Node: the executable embeds Node 24 from the npm registry's platform package of its target, in the
// version pinned for it in scripts/release-target.ts (cached outside the repo, scripts/node-runtime.ts),
// never the Node running the build — except for darwin/arm64, which has no such package: built on an
// Apple silicon Mac, it embeds --node-binary PATH, else the Node 24 running the build. The SEA blob
// must come from that same Node version: the target's own when the target is this host (with a V8
// code cache), else the host's package of the same version (no code cache: V8's is not portable).
// macOS: the blob goes into the NODE_SEA Mach-O segment, and on a Mac the executable is re-signed
// ad hoc (codesign), which Apple silicon requires.
//
// Platforms: `--platform os/arch` (krew's names, e.g. linux/arm64; default: this host). keytar's addon
// is compiled for the host only (npm ci), so another platform's archive leaves it out and caches
// tokens in private files; release jobs build each platform on its own runner, addon included.
// Without --platform the committed krew-manifest.yaml is rewritten; with it, only DIR/tempcreds.yaml.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleSingleExecutable, ROOT, typecheck, type SingleExecutableBundles } from './build.ts';
import { REST_ASSET, REST_CODE_CACHE_ASSET } from '../src/single-executable-rest.ts';
import { tarGz, zip, type ArchiveEntry } from './archive.ts';
import { archiveFiles, archiveName, executableName, packageVersion, REPOSITORY } from './krew-manifest.ts';
import { HOST, registryNode } from './node-runtime.ts';
import { archiveFormat, chooseNodeSource, chooseTarget, injection, isHostTarget, targetName, unpackedName, UsageError, type NodeSource, type ReleaseTarget } from './release-target.ts';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const COMPLETION_HELPER = 'kubectl_complete-tempcreds';
const ADDON = 'keytar.node';

type Platform = ReleaseTarget;
const isHost = (platform: Platform) => isHostTarget(platform, HOST);

const require = createRequire(import.meta.url);
const log = (message: string) => process.stderr.write(`package: ${message}\n`);

function timed<T>(what: string, work: () => T): T {
  const started = Date.now();
  const result = work();
  log(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** The bundling step: the main and the rest (scripts/build.ts), every dependency inside, keytar's addon loaded from beside the executable. */
async function bundle(dir: string, version: string): Promise<SingleExecutableBundles> {
  const { commonOptions } = await import('./build.ts');
  return bundleSingleExecutable(dir, {
    external: [],
    // ES modules inside (yargs' createRequire(import.meta.url), …) get the executable's URL.
    define: { TEMPCREDS_VERSION: JSON.stringify(version), 'import.meta.url': '__tempcredsModuleUrl' },
    banner: { js: "var __tempcredsModuleUrl = require('node:url').pathToFileURL(process.execPath).href;" },
    plugins: [
      ...(commonOptions.plugins ?? []),
      {
        name: 'native-addon-beside-executable',
        setup(build) {
          build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: 'addon-beside-executable' }));
          build.onLoad({ filter: /.*/, namespace: 'addon-beside-executable' }, (args) => ({
            contents: `const { createRequire } = require('node:module'); const { dirname, join } = require('node:path');
module.exports = createRequire(process.execPath)(join(dirname(process.execPath), ${JSON.stringify(args.path.split('/').pop())}));`,
            loader: 'js',
          }));
        },
      },
    ],
  });
}

const codesign = (args: string[]) => execFileSync('codesign', args, { stdio: ['ignore', 'ignore', 'inherit'] });

/**
 * The rest bundle's V8 code cache, made by the Node it will run on (V8 rejects another's), after
 * the rest has run a few commands (scripts/rest-code-cache.cjs): what useCodeCache does for the
 * main, for the asset the main compiles on a miss, and the functions a command calls as well.
 */
function restCodeCache(node: string, rest: string, out: string): void {
  const made = spawnSync(node, [join(ROOT, 'scripts', 'rest-code-cache.cjs'), rest, out], { encoding: 'utf8', timeout: 60_000 });
  if (made.status !== 0) throw new Error(`the code cache of ${rest} failed (exit ${made.status}): ${made.stderr}`);
}

/**
 * Node's single executable: the blob (the main with a code cache on the host, the rest as an asset
 * with its own code cache on the host) injected into a copy of the target's Node.
 */
async function singleExecutable(work: string, bundles: SingleExecutableBundles, target: string, platform: Platform, source: NodeSource): Promise<void> {
  const node = source.kind === 'local' ? source.path : registryNode(platform.node, source.version);
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea-prep.blob');
  const host = isHost(platform);
  const assets: Record<string, string> = { [REST_ASSET]: bundles.rest.path };
  if (host) restCodeCache(node, bundles.rest.path, (assets[REST_CODE_CACHE_ASSET] = join(work, REST_CODE_CACHE_ASSET)));
  writeFileSync(config, JSON.stringify({ main: bundles.main.path, output: blob, disableExperimentalSEAWarning: true, useCodeCache: host, assets }));
  const prepared = spawnSync(host ? node : registryNode(HOST, source.version), ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (prepared.status !== 0) throw new Error(`node --experimental-sea-config failed: ${prepared.stderr}`);
  copyFileSync(node, target);
  chmodSync(target, 0o755);
  const { machoSegmentName, codesign: sign } = injection(platform, HOST);
  // Node's SEA docs: drop Node's signature before injecting, sign ad hoc after (else macOS kills it).
  if (sign) codesign(['--remove-signature', target]);
  const { inject } = require('postject') as { inject(file: string, resource: string, data: Buffer, options: { sentinelFuse: string; machoSegmentName?: string }): Promise<void> };
  const warn = console.warn;
  console.warn = () => undefined; // postject's ELF notes warnings ("Can't find string offset…") are harmless noise
  try {
    await inject(target, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE, ...(machoSegmentName ? { machoSegmentName } : {}) });
  } finally {
    console.warn = warn;
  }
  if (sign) codesign(['--sign', '-', '--force', target]);
  else if (platform.os === 'darwin') log(`not on a Mac: the ${targetName(platform)} executable is unsigned (sign it there with codesign --sign -)`);
}

function keytarAddon(): string {
  const path = join(dirname(require.resolve('keytar/package.json')), 'build', 'Release', ADDON);
  if (!existsSync(path)) throw new Error(`keytar's native addon is missing (${path}): install libsecret-1-dev and a C++ toolchain, then npm ci`);
  return path;
}

/** The staged files, sorted, each with one mtime (the last commit's): the same inputs give the same bytes. */
function writeArchive(platform: Platform, stage: string, files: string[], archive: string): void {
  const mtime = Number(process.env.SOURCE_DATE_EPOCH ?? (spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || '0'));
  // Windows reports no executable bits: the executable and the helper are executables wherever built.
  const executables = new Set([executableName(platform), COMPLETION_HELPER]);
  const entries: ArchiveEntry[] = [...files].sort().map((name) => ({ name, mode: executables.has(name) ? 0o755 : 0o644, data: readFileSync(join(stage, name)) }));
  writeFileSync(archive, archiveFormat(platform) === 'zip' ? zip(entries, mtime) : tarGz(entries, mtime));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

export function renderManifest(template: string, version: string, platforms: { platform: Platform; uri: string; sha256: string; files: string[] }[]): string {
  const entries = platforms.map(({ platform, uri, sha256: digest, files }) =>
    [
      '  - selector:',
      '      matchLabels:',
      `        os: ${platform.os}`,
      `        arch: ${platform.arch}`,
      `    uri: ${uri}`,
      `    sha256: ${digest}`,
      `    bin: ${executableName(platform)}`,
      '    files:',
      ...files.flatMap((file) => [`    - from: ${file}`, '      to: .']),
    ].join('\n'),
  );
  const manifest = template
    .replace(/^#.*\n/gm, '')
    .replaceAll('{{VERSION}}', version)
    .replaceAll('{{HOMEPAGE}}', REPOSITORY)
    .replace('{{PLATFORMS}}', entries.join('\n'));
  const left = /\{\{\w+\}\}/.exec(manifest);
  if (left) throw new Error(`krew-manifest.template.yaml: ${left[0]} is not filled in`);
  return manifest;
}

/** The version a Node binary reports (--node-binary must be one that runs here). */
function localNodeVersion(path: string): string {
  const ran = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (ran.status !== 0) throw new UsageError(`--node-binary ${path} does not run here (${ran.error?.message ?? `exit ${ran.status}`}): give the path of a Node 24 binary for this host`);
  return ran.stdout.trim();
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, 'uri-base': { type: 'string' }, 'no-typecheck': { type: 'boolean' }, platform: { type: 'string' }, 'node-binary': { type: 'string' } } });
  const platform = chooseTarget(values.platform, HOST);
  const given = values['node-binary'] === undefined ? undefined : { path: resolve(values['node-binary']), version: localNodeVersion(resolve(values['node-binary'])) };
  const source = chooseNodeSource(platform, HOST, given, { path: process.execPath, version: process.version });
  // --platform builds one archive beside the committed manifest, whose platforms it does not know.
  const release = values.out === undefined && values.platform === undefined;
  const out = resolve(values.out ?? join(ROOT, 'release'));
  const version = packageVersion();
  const uriBase = values['uri-base'] ?? `${REPOSITORY}/releases/download/v${version}`;
  const started = Date.now();
  if (!values['no-typecheck']) timed('type-checked', typecheck);

  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'kubectl-tempcreds-package-'));
  try {
    const started = Date.now();
    const bundles = await bundle(work, version);
    const kb = (path: string) => Math.round(statSync(path).size / 1024);
    log(`bundled ${kb(bundles.main.path)} KB main, ${kb(bundles.rest.path)} KB rest (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const stage = join(work, 'stage');
    mkdirSync(stage);
    const executable = executableName(platform);
    const executableStarted = Date.now();
    await singleExecutable(work, bundles, join(stage, executable), platform, source);
    log(`single executable on Node ${source.version} (${source.kind === 'local' ? source.path : 'npm registry'}) for ${targetName(platform)}, ${Math.round(statSync(join(stage, executable)).size / 2 ** 20)} MB (${((Date.now() - executableStarted) / 1000).toFixed(1)} s)`);
    if (isHost(platform)) copyFileSync(keytarAddon(), join(stage, ADDON));
    else log(`keytar's addon is built for this host only: the ${targetName(platform)} archive caches tokens in private files`);
    const files = archiveFiles(platform).filter((file) => file !== ADDON || isHost(platform));
    if (files.includes(COMPLETION_HELPER)) {
      copyFileSync(join(ROOT, 'bin', COMPLETION_HELPER), join(stage, COMPLETION_HELPER));
      chmodSync(join(stage, COMPLETION_HELPER), 0o755);
    }
    copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    const archive = join(out, archiveName(platform));
    timed(`archived ${archiveName(platform)}`, () => writeArchive(platform, stage, files, archive));
    // Unpacked too, to run and measure as is (bench: BENCH_SEA_BIN=release/kubectl-tempcreds_linux_amd64/kubectl-tempcreds).
    const unpacked = join(out, unpackedName(platform));
    rmSync(unpacked, { recursive: true, force: true });
    renameSync(stage, unpacked);
    const digest = sha256(archive);
    log(`${archiveName(platform)}: ${Math.round(statSync(archive).size / 2 ** 20)} MB, sha256 ${digest}`);

    const template = readFileSync(join(ROOT, 'krew-manifest.template.yaml'), 'utf8');
    const manifest = renderManifest(template, version, [{ platform, uri: `${uriBase}/${archiveName(platform)}`, sha256: digest, files }]);
    // krew wants the manifest named after the plugin.
    writeFileSync(join(out, 'tempcreds.yaml'), manifest);
    if (release) writeFileSync(join(ROOT, 'krew-manifest.yaml'), manifest);
    log(`wrote ${join(out, 'tempcreds.yaml')}${release ? ' and krew-manifest.yaml (commit it with the release)' : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`package: ${error.message}\n`);
  process.exit(error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
});
