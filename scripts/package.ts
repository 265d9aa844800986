// `npm run package [-- --out DIR --uri-base URL --no-typecheck]`: the release archives for krew.
//
// Each archive holds a Node single executable application named kubectl-tempcreds (Node itself
// plus one CommonJS bundle of the tool with a V8 code cache; no Node needed on the user's
// machine), keytar's native addon beside it (loaded relative to the executable), the
// kubectl_complete-tempcreds helper and the LICENSE. The archive is deterministic (sorted
// entries, fixed owner and mtime, gzip without a timestamp), its lowercase sha256 goes into
// the manifest rendered from krew-manifest.template.yaml.
//
// Without --out it is a release build: release/ gets the archives (and each unpacked, to run
// and benchmark as is) and tempcreds.yaml (uri:
// the GitHub release of this version), and the committed krew-manifest.yaml is rewritten with
// the new sha256 — commit it together with the release upload. With --out (the packaging
// test) only DIR is written, and --uri-base may point at it.
//
// Node: the executable embeds the Node LTS from the npm registry's platform package of its target
// (scripts/node-runtime.ts, cached outside the repo), never the Node running the build. The SEA blob
// must come from that same Node version: the target's own when the target is this host (with a V8
// code cache), else the host's package of the same version (no code cache: V8's is not portable).
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
import { bundleSingleFile, ROOT, typecheck } from './build.ts';
import { HOST, NODE_LTS, registryNode, type NodeTarget } from './node-runtime.ts';

/** Where releases are published; the manifest's homepage and archive URIs derive from it. */
const REPOSITORY = process.env.TEMPCREDS_REPOSITORY ?? 'https://github.com/kubectl-tempcreds/kubectl-tempcreds';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const EXECUTABLE = 'kubectl-tempcreds';
const COMPLETION_HELPER = 'kubectl_complete-tempcreds';
const ADDON = 'keytar.node';

interface Platform {
  /** krew's selector labels (Go's names). */
  os: string;
  arch: string;
  /** Node's names for the same. */
  node: NodeTarget;
}

const PLATFORMS: Platform[] = [
  { os: 'linux', arch: 'amd64', node: { platform: 'linux', arch: 'x64' } },
  { os: 'linux', arch: 'arm64', node: { platform: 'linux', arch: 'arm64' } },
];

const isHost = (platform: Platform) => platform.node.platform === HOST.platform && platform.node.arch === HOST.arch;

class UsageError extends Error {}

const require = createRequire(import.meta.url);
const log = (message: string) => process.stderr.write(`package: ${message}\n`);

function timed<T>(what: string, work: () => T): T {
  const started = Date.now();
  const result = work();
  log(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

export const archiveName = (platform: Platform) => `kubectl-tempcreds_${platform.os}_${platform.arch}.tar.gz`;

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The bundling step: one CommonJS file, every dependency inside, keytar's addon loaded from beside the executable. */
async function bundle(outfile: string, version: string): Promise<void> {
  const { commonOptions } = await import('./build.ts');
  await bundleSingleFile(join(ROOT, 'src/single-executable.ts'), outfile, {
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

/** Node's single executable: the blob (bundle, and a code cache on the host) injected into a copy of the target's Node. */
async function singleExecutable(work: string, bundlePath: string, target: string, platform: Platform): Promise<void> {
  const node = registryNode(platform.node);
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea-prep.blob');
  const host = isHost(platform);
  writeFileSync(config, JSON.stringify({ main: bundlePath, output: blob, disableExperimentalSEAWarning: true, useCodeCache: host }));
  const prepared = spawnSync(host ? node : registryNode(HOST), ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (prepared.status !== 0) throw new Error(`node --experimental-sea-config failed: ${prepared.stderr}`);
  copyFileSync(node, target);
  chmodSync(target, 0o755);
  const { inject } = require('postject') as { inject(file: string, resource: string, data: Buffer, options: { sentinelFuse: string }): Promise<void> };
  const warn = console.warn;
  console.warn = () => undefined; // postject's ELF notes warnings ("Can't find string offset…") are harmless noise
  try {
    await inject(target, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
}

function keytarAddon(): string {
  const path = join(dirname(require.resolve('keytar/package.json')), 'build', 'Release', ADDON);
  if (!existsSync(path)) throw new Error(`keytar's native addon is missing (${path}): install libsecret-1-dev and a C++ toolchain, then npm ci`);
  return path;
}

/** Sorted, owned by 0:0, one mtime, gzip without a name or timestamp: the same inputs give the same bytes. */
function tarGz(stage: string, files: string[], archive: string): void {
  const mtime = process.env.SOURCE_DATE_EPOCH ?? (spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || '0');
  const tar = execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`, '-C', stage, '-cf', '-', ...files], { maxBuffer: 1 << 30 });
  const gz = spawnSync('gzip', ['-n', '-6'], { input: tar, maxBuffer: 1 << 30 });
  if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr}`);
  writeFileSync(archive, gz.stdout);
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
      `    bin: ${EXECUTABLE}`,
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

function targetPlatform(name: string | undefined): Platform {
  const platform = name === undefined ? PLATFORMS.find(isHost) : PLATFORMS.find((candidate) => `${candidate.os}/${candidate.arch}` === name);
  if (platform) return platform;
  const known = PLATFORMS.map((candidate) => `${candidate.os}/${candidate.arch}`).join(', ');
  throw new UsageError(name === undefined ? `no platform entry for this host (${HOST.platform}/${HOST.arch}): choose one with --platform (${known})` : `--platform ${name} is not one of ${known}`);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, 'uri-base': { type: 'string' }, 'no-typecheck': { type: 'boolean' }, platform: { type: 'string' } } });
  const platform = targetPlatform(values.platform);
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
    const bundlePath = join(work, 'kubectl-tempcreds.cjs');
    const started = Date.now();
    await bundle(bundlePath, version);
    log(`bundled ${Math.round(statSync(bundlePath).size / 1024)} KB (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const stage = join(work, 'stage');
    mkdirSync(stage);
    const executableStarted = Date.now();
    await singleExecutable(work, bundlePath, join(stage, EXECUTABLE), platform);
    log(`single executable on Node ${NODE_LTS} for ${platform.os}/${platform.arch}, ${Math.round(statSync(join(stage, EXECUTABLE)).size / 2 ** 20)} MB (${((Date.now() - executableStarted) / 1000).toFixed(1)} s)`);
    if (isHost(platform)) copyFileSync(keytarAddon(), join(stage, ADDON));
    else log(`keytar's addon is built for this host only: the ${platform.os}/${platform.arch} archive caches tokens in private files`);
    copyFileSync(join(ROOT, 'bin', COMPLETION_HELPER), join(stage, COMPLETION_HELPER));
    chmodSync(join(stage, COMPLETION_HELPER), 0o755);
    copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    const files = [EXECUTABLE, ...(isHost(platform) ? [ADDON] : []), COMPLETION_HELPER, 'LICENSE'];
    const archive = join(out, archiveName(platform));
    timed(`archived ${archiveName(platform)}`, () => tarGz(stage, files, archive));
    // Unpacked too, to run and measure as is (bench: BENCH_SEA_BIN=release/kubectl-tempcreds_linux_amd64/kubectl-tempcreds).
    const unpacked = join(out, archiveName(platform).replace(/\.tar\.gz$/, ''));
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
