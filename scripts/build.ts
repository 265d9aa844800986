// `npm run build` (also `prepare`, and `npm test` before it runs): type-checks with tsc, then
// bundles with esbuild, minified, all CommonJS:
//
//   bin/kubectl-tempcreds          the launcher (src/launcher.ts): the routing and `token`'s
//                                  cache hit, small, loads nothing else on a hit; the rest it
//                                  requires from dist/ on first use ↓
//   dist/exec/main.cjs             the full exec credential entry (a miss)
//   dist/exec/keychain.cjs         the keychain's reader (a keychain hit)
//   dist/cli/main.cjs              every other command: the command table's specs (enough for
//                                  __complete) and, initialised only when called, each handler
//   dist/vendor/*.cjs              the packages (yargs, @kubernetes/client-node, js-yaml,
//                                  proper-lockfile, jose), each required when first used
//
// Each entry holds all of this tool's own code it can reach: what a command does not call is
// parsed but never run (esbuild wraps lazily imported modules in initialisers). One file per
// entry plus the packages it uses, and CommonJS: ES modules would cost every command the ES module
// loader's start-up, an asynchronous read and a link step per file (bench/RESULTS.md, #12). The
// ~650 ms import of client-node's ~500 files becomes one read of its part this tool uses.
// keytar (a native addon) stays external and is resolved from node_modules at run time.
//
// Reuse: `bundleSingleFile()` builds one CommonJS file (no chunks, no dynamic
// imports of files) from the same options; `bundleSingleExecutable()` builds the two a Node
// single executable needs (its small main with the cache hit, and the rest it loads on a miss).
//
// Flavours: every build is a release build — src/test-hooks/faults.ts (the test hooks, driven by
// KUBECTL_TEMPCREDS_TEST_* variables) is swapped for src/test-hooks/no-faults.ts, so no bundle holds hook
// code — except the test build (`npm test`: `bundleDist({ flavour: 'test' })`), which keeps the
// hooks and goes to .test-build/ (its own bin/ and dist/), never to dist/, which npm publishes.
//
//   tsx scripts/build.ts                 type-check + dist/
//   tsx scripts/build.ts --no-typecheck  the launcher and dist/ only

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Where the test build goes: bin/ and package.json (copied) and dist/, laid out as in the package. */
export const TEST_BUILD = join(ROOT, '.test-build');

export type Flavour = 'release' | 'test';

/** The bundles in dist/: output path (without .cjs) → source. The launcher requires them by these paths. */
export const ENTRY_POINTS = { 'exec/main': 'src/exec/main.ts', 'exec/keychain': 'src/adapters/keychain.ts', 'cli/main': 'src/cli/main.ts' };

/** Native addons cannot be bundled. */
export const EXTERNAL = ['keytar'];

/**
 * The npm launcher, written where package.json's "bin" points (bin/package.json makes the
 * extensionless file CommonJS): one file for a cache hit to load, as a script run by Node is.
 */
const LAUNCHER = { source: 'src/launcher.ts', out: 'bin/kubectl-tempcreds' };

/**
 * client-node's generated code is free of import-time side effects, but its package.json does not
 * say so; saying it lets esbuild drop whole unused modules (its other API groups, watch, exec, cp…).
 */
const clientNodeHasNoSideEffects: esbuild.Plugin = {
  name: 'client-node-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || !/@kubernetes[/\\]client-node/.test(`${args.importer} ${args.path}`)) return undefined;
      const result = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (result.errors.length > 0 || !/@kubernetes[/\\]client-node[/\\]dist[/\\]/.test(result.path)) return result;
      return { ...result, sideEffects: false };
    });
  },
};

/**
 * node-fetch 2 (client-node's HTTP client) imports whatwg-url, with tr46's ~270 KB Unicode table,
 * only as a fallback for runtimes without a global URL. Node has one: hand it that.
 */
const nativeWhatwgUrl: esbuild.Plugin = {
  name: 'native-whatwg-url',
  setup(build) {
    build.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'native' }));
    build.onLoad({ filter: /.*/, namespace: 'native' }, () => ({ contents: 'export const URL = globalThis.URL; export default { URL };', loader: 'js' }));
  },
};

/**
 * yargs renders help text (for --help, and it did after every command: see below) sizing each
 * column with string-width, whose module compiles Unicode-property regexes and an
 * Intl.Segmenter as it loads (~30 ms here) and segments every string. For printable ASCII —
 * all of this tool's help — the width is the length; string-width itself is loaded (required
 * lazily) only for other text.
 */
const asciiStringWidth: esbuild.Plugin = {
  name: 'ascii-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'original') return undefined;
      const original = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'original' });
      if (original.errors.length > 0) return original;
      return { path: original.path, namespace: 'ascii-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'ascii-string-width' }, (args) => ({
      contents: [
        'export default function stringWidth(text, options) {',
        String.raw`  if (typeof text === 'string' && /^[\x20-\x7e]*$/.test(text)) return text.length;`,
        `  return require(${JSON.stringify(args.path)}).default(text, options);`,
        '}',
      ].join('\n'),
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * yargs guesses its own version from the nearest package.json, and in a bundle it cannot find its
 * own: it walks up from the working directory, listing every directory on the way (in /tmp here,
 * 15 000 entries: ~15 ms of every command), and parses whatever package.json it meets. The tool
 * sets its version itself and takes no configuration from package.json: the search finds nothing.
 */
const noPackageJsonSearch: esbuild.Plugin = {
  name: 'no-package-json-search',
  setup(build) {
    build.onResolve({ filter: /^escalade\/sync$/ }, () => ({ path: 'escalade/sync', namespace: 'no-package-json-search' }));
    build.onLoad({ filter: /.*/, namespace: 'no-package-json-search' }, () => ({ contents: 'export default function findUp() { return undefined; }', loader: 'js' }));
  },
};

/**
 * After starting a command's handler, yargs renders that command's whole help text and keeps it,
 * in case the handler calls showHelp() once the command's options are gone (~7 ms of CPU for
 * `issue`, on every run). This tool's handlers never show help, and its parse failures are
 * thrown, not printed with help (cli/main.ts): nothing reads the kept text, so it is not rendered.
 */
const noHelpCachedAfterCommands: esbuild.Plugin = {
  name: 'no-help-cached-after-commands',
  setup(build) {
    build.onLoad({ filter: /[/\\]yargs[/\\]build[/\\]lib[/\\]usage\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const rendering = 'cachedHelpMessage = this.help();';
      if (!source.includes(rendering)) throw new Error(`${args.path} no longer has "${rendering}": check what yargs does after a command now, and update this plugin`);
      return { contents: source.replace(rendering, ''), loader: 'js' };
    });
  },
};

/** Release builds: src/test-hooks/no-faults.ts wherever src/test-hooks/faults.ts is imported. */
const withoutTestHooks: esbuild.Plugin = {
  name: 'without-test-hooks',
  setup(build) {
    const hooks = join(ROOT, 'src', 'test-hooks', 'faults.ts');
    build.onResolve({ filter: /[/\\]faults\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === hooks ? { path: join(ROOT, 'src', 'test-hooks', 'no-faults.ts') } : undefined,
    );
  },
};

/** The commit `root` is checked out at (12 hex digits), or "unknown" outside a git checkout. */
export function gitCommit(root: string): string {
  const result = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const commit = result.status === 0 ? result.stdout.trim() : '';
  return /^[0-9a-f]{12}$/.test(commit) ? commit : 'unknown';
}

/** `version` and `doctor` say what a bundle was built from (src/adapters/build-info.ts). */
const buildConstants = {
  TEMPCREDS_VERSION: JSON.stringify((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version),
  TEMPCREDS_COMMIT: JSON.stringify(gitCommit(ROOT)),
};

/** What every bundle of the tool shares (a release build's: without test hooks). */
export const commonOptions: esbuild.BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  external: EXTERNAL,
  define: buildConstants,
  plugins: [withoutTestHooks, clientNodeHasNoSideEffects, nativeWhatwgUrl, asciiStringWidth, noPackageJsonSearch, noHelpCachedAfterCommands],
  logLevel: 'warning',
};

/**
 * The packages bundled as files of their own, dist/vendor/NAME.cjs, each loaded (require) when
 * the code that imports it first runs, with the names the tool imports from it (client-node and
 * jose export far more: only these are kept). architecture.test.ts checks the lists against src/.
 */
export const VENDORS: Record<string, readonly string[]> = {
  yargs: ['default'],
  '@kubernetes/client-node': ['KubeConfig'],
  'js-yaml': ['default'],
  'proper-lockfile': ['default'],
  jose: ['CompactEncrypt', 'compactDecrypt', 'decodeProtectedHeader', 'exportJWK', 'generateKeyPair', 'importJWK'],
};

const vendorFile = (name: string) => `${name.replace(/^@/, '').replace(/\//g, '-')}.cjs`;

/**
 * What the vendor files take from each other rather than bundle: client-node's js-yaml. Not jose:
 * client-node's OIDC client keeps its own copy, so vendor/jose.cjs is loaded by delegated
 * issuance (sealed tokens) only, never by a local issue (architecture.test.ts).
 */
const SHARED_BY_VENDORS = ['js-yaml'];

/**
 * Imports of a vendored package become a require() of its file in dist/vendor/ (every output sits
 * one directory below dist/, so ../vendor/ finds it): from the entries all of VENDORS, from the
 * vendor files SHARED_BY_VENDORS. `vendor`: the package a vendor file holds.
 */
function vendoredPackages(vendor?: string): esbuild.Plugin {
  return {
    name: 'vendored-packages',
    setup(build) {
      const names = vendor === undefined ? Object.keys(VENDORS) : SHARED_BY_VENDORS.filter((name) => name !== vendor);
      if (names.length === 0) return;
      const pattern = (suffix: string) => new RegExp(`^(${names.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})${suffix}`);
      build.onResolve({ filter: pattern('$') }, (args) => ({ path: args.path, namespace: 'vendored' }));
      // A subpath would bundle a second copy of the package beside its vendor file.
      build.onResolve({ filter: pattern('/') }, (args) =>
        args.importer.startsWith(join(ROOT, 'src')) ? { errors: [{ text: `import ${args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/')} itself: its subpaths are not vendored (scripts/build.ts, VENDORS)` }] } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'vendored' }, (args) => ({ contents: `export { ${VENDORS[args.path]!.join(', ')} } from ${JSON.stringify(`../vendor/${vendorFile(args.path)}`)};`, loader: 'js' }));
      build.onResolve({ filter: /^\.\.\/vendor\//, namespace: 'vendored' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * yargs, an ES module, finds its files with import.meta.url, which a CommonJS bundle has not:
 * it gets the bundle's own URL, from a module esbuild injects (inside the bundle, so the
 * bundle's "use strict" stays first). Bundles of src/ need none: build-info reads package.json
 * by import.meta.url only when run from source (bundles get the version as a constant).
 */
const IMPORT_META_URL = { define: { 'import.meta.url': 'importMetaUrl' }, inject: [join(ROOT, 'scripts', 'import-meta-url.mjs')] };

/**
 * The launcher and dist/ under `root` (default: the package's own). The test flavour keeps the
 * test hooks: it is built into TEST_BUILD, beside a copy of the rest of bin/.
 */
export async function bundleDist({ flavour = 'release', root = flavour === 'test' ? TEST_BUILD : ROOT }: { flavour?: Flavour; root?: string } = {}): Promise<esbuild.Metafile> {
  const started = Date.now();
  const dist = join(root, 'dist');
  const plugins = flavour === 'test' ? commonOptions.plugins!.filter((plugin) => plugin !== withoutTestHooks) : commonOptions.plugins!;
  // Elsewhere, the rest of bin/ and the package.json (the CLI reads its version there) go beside dist/.
  if (root !== ROOT) {
    cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  }
  const builds = await Promise.all([
    ...Object.entries(ENTRY_POINTS).map(([out, source]) =>
      bundleSingleFile(source, join(dist, `${out}.cjs`), { define: { 'import.meta.url': 'undefined' }, plugins: [vendoredPackages(), ...plugins], external: EXTERNAL }),
    ),
    ...Object.entries(VENDORS).map(([name, exported]) =>
      bundleSingleFile(`vendor:${name}`, join(dist, 'vendor', vendorFile(name)), {
        ...IMPORT_META_URL,
        plugins: [vendoredPackages(name), vendorEntry(name, exported), ...plugins],
        external: EXTERNAL,
      }),
    ),
    bundleSingleFile(LAUNCHER.source, join(root, LAUNCHER.out), {
      define: { 'import.meta.url': 'undefined' },
      plugins: [...plugins, entriesRequiredOnUse],
      external: EXTERNAL,
      banner: { js: '#!/usr/bin/env node' },
    }).then((metafile) => {
      chmodSync(join(root, LAUNCHER.out), 0o755);
      return metafile;
    }),
  ]);
  const metafile = { inputs: Object.assign({}, ...builds.map((build) => build.inputs)), outputs: Object.assign({}, ...builds.map((build) => build.outputs)) };
  pruneStale(dist, new Set(Object.keys(metafile.outputs).map((file) => resolve(ROOT, file))), started);
  return metafile;
}

/** The entry of a vendor file: the package's names the tool imports, and nothing else of it. */
function vendorEntry(name: string, exported: readonly string[]): esbuild.Plugin {
  return {
    name: 'vendor-entry',
    setup(build) {
      build.onResolve({ filter: /^vendor:/ }, (args) => ({ path: args.path, namespace: 'vendor-entry' }));
      build.onLoad({ filter: /.*/, namespace: 'vendor-entry' }, () => ({ contents: `export { ${exported.join(', ')} } from ${JSON.stringify(name)};`, resolveDir: ROOT, loader: 'js' }));
    },
  };
}

/**
 * The launcher holds none of the bundles in dist/: an import of an entry's source (the CLI, the
 * full exec entry, the keychain reader) becomes a require() of its bundle, on first use.
 */
const entriesRequiredOnUse: esbuild.Plugin = {
  name: 'entries-required-on-use',
  setup(build) {
    const bundles = new Map(Object.entries(ENTRY_POINTS).map(([out, source]) => [join(ROOT, source), `../dist/${out}.cjs`]));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.namespace === 'entry-bundle') return { path: args.path, external: true };
      const bundle = bundles.get(resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
      return bundle ? { path: bundle, namespace: 'entry-bundle' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'entry-bundle' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** One CommonJS file of `entry` and what it imports, but for externals: lazy imports become lazy inits. */
export async function bundleSingleFile(entry: string, outfile: string, options: esbuild.BuildOptions = {}): Promise<esbuild.Metafile> {
  const define = { ...commonOptions.define, ...options.define };
  const result = await esbuild.build({ ...commonOptions, ...options, define, entryPoints: [entry], outfile, format: 'cjs', metafile: true });
  return result.metafile;
}

/** The single executable's two bundles (CommonJS, self-contained), and what it stores them as. */
export interface SingleExecutableBundles {
  /** The executable's main: the routing and the cache hit (src/single-executable.ts). */
  main: { path: string; metafile: esbuild.Metafile };
  /** The rest (full exec entry and CLI), one function expression of (exports, require, module) that the main loads on a miss. */
  rest: { path: string; metafile: esbuild.Metafile };
}

/**
 * Splits the single executable the way dist/ is split: its main compiles only the routing and the
 * cache hit, whose hand-over to the full exec entry (./main.js) becomes src/single-executable-rest.ts,
 * which loads the rest bundle from the executable on first use.
 */
export async function bundleSingleExecutable(dir: string, options: esbuild.BuildOptions = {}): Promise<SingleExecutableBundles> {
  const hit = join(ROOT, 'src', 'exec', 'hit.ts');
  const restLoader = join(ROOT, 'src', 'single-executable-rest.ts');
  const restOnMiss: esbuild.Plugin = {
    name: 'rest-on-miss',
    setup(build) {
      build.onResolve({ filter: /^\.\/main\.js$/ }, (args) => (args.importer === hit ? { path: restLoader } : undefined));
    },
  };
  const plugins = [...(options.plugins ?? commonOptions.plugins ?? [])];
  const main = join(dir, 'main.cjs');
  const rest = join(dir, 'rest.cjs');
  const banner = options.banner?.js ?? '';
  const [mainMetafile, restMetafile] = await Promise.all([
    bundleSingleFile(join(ROOT, 'src', 'single-executable.ts'), main, { ...options, plugins: [...plugins, restOnMiss] }),
    esbuild
      .build({
        ...commonOptions,
        ...options,
        define: { ...commonOptions.define, ...options.define },
        plugins,
        stdin: { contents: "export { main as exec } from './src/exec/main.ts'; export { main as cli } from './src/cli/main.ts';", resolveDir: ROOT, sourcefile: 'single-executable-rest-entry.ts', loader: 'ts' },
        outfile: rest,
        format: 'cjs',
        banner: { js: `(function (exports, require, module) {${banner}` },
        footer: { js: '})' },
        metafile: true,
      })
      .then((result) => result.metafile),
  ]);
  return { main: { path: main, metafile: mainMetafile }, rest: { path: rest, metafile: restMetafile } };
}

/**
 * Removes what earlier builds left in dist/ (older layouts, chunks of older sources). A file this
 * build did not write is kept for 10 minutes, so a process started before the build (another
 * terminal's test run in the same tree) can still load the chunks it expects.
 */
function pruneStale(dist: string, outputs: Set<string>, buildStarted: number): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        if (readdirSync(path).length === 0) rmSync(path, { recursive: true, force: true });
      } else if (!outputs.has(path) && statSync(path).mtimeMs < buildStarted - 10 * 60_000) rmSync(path, { force: true });
    }
  };
  walk(dist);
}

export function typecheck(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { status } = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
  if (status !== 0) throw new Error('the type check (tsc -p tsconfig.json --noEmit) failed; see above');
}

async function main(args: string[]): Promise<void> {
  if (!args.includes('--no-typecheck')) typecheck();
  const metafile = await bundleDist();
  const sizes = Object.entries(metafile.outputs).map(([file, { bytes }]) => `${relative(DIST, resolve(ROOT, file))} ${Math.round(bytes / 1024)} KB`);
  process.stderr.write(`build: ${sizes.join(', ')}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`build: ${error.message}\n`);
    process.exit(1);
  });
}
