// The dependency rules of src/ (docs/design.md, "Layout"), read from the sources' imports and from
// the built launcher (the cache hit): a change that breaks one fails here, naming the import.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Metafile } from 'esbuild';
import { VENDORS, bundleDist } from '../../scripts/build.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every module of src/ (relative, e.g. core/ttl.ts) and what it imports: src modules as such, the rest as written. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of (readdirSync(SRC, { recursive: true }) as string[]).filter((name) => name.endsWith('.ts')).sort()) {
    const source = readFileSync(join(SRC, file), 'utf8');
    // Static, dynamic and type-only imports and re-exports alike: a type import is a dependency too.
    const specifiers = ts.preProcessFile(source, true, true).importedFiles.map(({ fileName }) => fileName);
    graph.set(file, specifiers.map((specifier) => (specifier.startsWith('.') ? relative(SRC, resolve(SRC, dirname(file), specifier.replace(/\.js$/, '.ts'))) : specifier)));
  }
  return graph;
}

/** What a module of `layer` imports that the rule does not allow, as "module imports what" lines. */
function violations(graph: Map<string, string[]>, layer: string, allowed: (specifier: string) => boolean): string[] {
  return [...graph].filter(([file]) => file.startsWith(`${layer}/`)).flatMap(([file, imports]) => imports.filter((specifier) => !allowed(specifier)).map((specifier) => `src/${file} imports ${specifier}`));
}

/** Every import cycle, each once, as "a -> b -> a". */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'visiting') found.push([...path.slice(path.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** Pure libraries the core may use besides its own modules: hashing, JWE sealing and YAML parsing do no I/O. */
const CORE_LIBRARIES = new Set(['node:crypto', 'jose', 'js-yaml']);
/** Path arithmetic does no I/O either: use cases name the files their ports read and write. */
const APP_LIBRARIES = new Set(['node:path']);

describe('dependency rules', () => {
  const graph = importGraph();

  it('reads the imports of every module', () => {
    assert.ok(graph.get('core/role-spec.ts')?.includes('core/ttl.ts'), 'the import reader found no imports: the rules below would pass vacuously');
  });

  it('the core imports only the core and pure libraries: no I/O module (node:fs, node:net, …), no adapter', () => {
    assert.deepEqual(violations(graph, 'core', (specifier) => specifier.startsWith('core/') || CORE_LIBRARIES.has(specifier)), []);
  });

  it('use cases import only the core and each other: no adapter, no I/O module', () => {
    assert.deepEqual(violations(graph, 'app', (specifier) => specifier.startsWith('core/') || specifier.startsWith('app/') || APP_LIBRARIES.has(specifier)), []);
  });

  it('no import cycles in src/', () => {
    assert.deepEqual(cycles(graph), []);
  });
});

describe('the built bundles (the release build, without test hooks)', () => {
  const out = mkdtempSync(join(tmpdir(), 'tempcreds-arch-'));
  let built: Promise<Metafile> | undefined;
  const build = (): Promise<Metafile> => (built ??= bundleDist({ root: out }));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('the launcher (the cache hit) requires only node:fs and node:path, and the bundles of dist/ on first use', async () => {
    await build();
    const source = readFileSync(join(out, 'bin', 'kubectl-tempcreds'), 'utf8');
    assert.ok(source.startsWith('#!/usr/bin/env node\n'), 'the launcher is not a Node script');
    const required = new Set([...source.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!));
    assert.ok(required.size > 0, 'no require() found: the bundle format changed and this check reads nothing');
    // The rest is required on first use: the CLI, the full exec entry on a miss, the keychain's reader
    // (keytar, or the D-Bus reader with node:net) on a keychain hit. exec-hit.test.ts checks what a hit loads when it runs.
    assert.deepEqual([...required].sort(), ['../dist/cli/main.cjs', '../dist/exec/keychain.cjs', '../dist/exec/main.cjs', 'node:fs', 'node:path']);
    for (const file of required) if (file.startsWith('../')) assert.ok(existsSync(join(out, 'bin', file)), `${file} was not built`);
    // node:os only through process.getBuiltinModule, where $HOME is not set (adapters/paths.ts).
    assert.deepEqual([...new Set([...source.matchAll(/getBuiltinModule\("([^"]+)"\)/g)].map((match) => match[1]))], ['node:os']);
    // No import(): it would start the ES module loader (keytar is imported by dist/exec/keychain.cjs).
    assert.equal([...source.matchAll(/import\(/g)].length, 0);
  });

  it('the launcher holds no role or lease-record validation (parsed on every kubectl call, used only on the full path)', async () => {
    const { outputs } = await build();
    const launcher = Object.keys(outputs).find((file) => file.endsWith('bin/kubectl-tempcreds'));
    assert.ok(launcher, 'no launcher in the build: the layout changed and this check reads nothing');
    const inputs = Object.keys(outputs[launcher]!.inputs);
    assert.ok(inputs.includes('src/exec/hit.ts'), 'the launcher names no inputs: this check reads nothing');
    assert.deepEqual(inputs.filter((input) => /src\/core\/(role-spec|label-selector|policy-rules|lease-record)\.ts$/.test(input) || /src\/adapters\/(keychain|secret-service)\.ts$/.test(input)), []);
  });

  it('the CLI does not search the working directory and its parents for a package.json (yargs guessing its version)', async () => {
    const { inputs } = await build();
    assert.ok(Object.keys(inputs).some((input) => input.includes('node_modules/yargs/')), 'yargs is not in the build: this check reads nothing');
    assert.deepEqual(Object.keys(inputs).filter((input) => input.includes('node_modules/escalade/')), []);
  });

  it('a local `issue` loads nothing of delegated issuance: not jose (dist/vendor/jose.cjs), which only sealed tokens use', async () => {
    await build();
    // A local role and an API server that refuses connections: issue goes as far as its first API call.
    const home = mkdtempSync(join(tmpdir(), 'tempcreds-arch-home-'));
    const kubeconfig = join(home, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    // Only what the path needs: no role source, delegation or proxy setting of the developer's shell.
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(join(out, 'bin', 'kubectl-tempcreds'), args, { env: { PATH: process.env.PATH, KUBECTL_TEMPCREDS_HOME: join(home, 'state'), KUBECONFIG: kubeconfig, ...env }, encoding: 'utf8' });
    try {
      assert.equal(run(['role', 'create', 'r', '--service-account', 'app', '--allowed-namespaces', 'ns']).status, 0);
      const issued = run(['issue', 'r', '-n', 'ns', '--request-timeout', '5s'], { NODE_DEBUG: 'module' });
      assert.match(issued.stderr, /cannot reach the API server/);
      const loaded = new Set([...issued.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((match) => relative(out, match[1]!)));
      assert.ok(loaded.has(join('dist', 'vendor', 'kubernetes-client-node.cjs')), `issue did not reach the Kubernetes client: this check reads nothing (${[...loaded].join(', ')})`);
      assert.ok(!loaded.has(join('dist', 'vendor', 'jose.cjs')), 'a local issue loaded jose');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('each package is bundled once, in its vendor file (client-node keeps its own jose: see SHARED_BY_VENDORS)', async () => {
    const { outputs } = await build();
    const holders = new Map<string, string[]>();
    for (const [file, { inputs }] of Object.entries(outputs)) {
      for (const input of Object.keys(inputs)) {
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
        if (pkg) holders.set(pkg, [...new Set([...(holders.get(pkg) ?? []), relative(out, resolve(ROOT, file))])]);
      }
    }
    assert.ok(holders.get('js-yaml')?.length, 'no package found in the outputs: this check reads nothing');
    assert.deepEqual([...holders].filter(([pkg, files]) => files.length > 1 && pkg !== 'jose'), []);
  });

  it('each vendored package exports what src/ imports from it (dist/vendor/ keeps only those names)', () => {
    const imported = new Map<string, Set<string>>(Object.keys(VENDORS).map((name) => [name, new Set<string>()]));
    for (const file of (readdirSync(SRC, { recursive: true }) as string[]).filter((name) => name.endsWith('.ts'))) {
      const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && imported.has(node.moduleSpecifier.text) && !node.importClause?.isTypeOnly) {
          const names = imported.get(node.moduleSpecifier.text)!;
          const clause = node.importClause;
          if (clause?.name) names.add('default');
          if (clause?.namedBindings && ts.isNamedImports(clause.namedBindings)) for (const element of clause.namedBindings.elements) if (!element.isTypeOnly) names.add((element.propertyName ?? element.name).text);
          if (clause?.namedBindings && ts.isNamespaceImport(clause.namedBindings)) names.add('*');
        }
        // import('yargs'): the code takes its default export.
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!) && imported.has(node.arguments[0].text)) imported.get(node.arguments[0].text)!.add('default');
        ts.forEachChild(node, visit);
      };
      visit(ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.Latest, true));
    }
    assert.ok(imported.get('@kubernetes/client-node')!.has('KubeConfig'), 'no import of client-node found: this check reads nothing');
    assert.deepEqual(Object.fromEntries([...imported].map(([name, names]) => [name, [...names].sort()])), Object.fromEntries(Object.entries(VENDORS).map(([name, names]) => [name, [...names].sort()])));
  });
});
