// Test hooks (KUBECTL_TEMPCREDS_TEST_NOW, …_TEST_FAULT) exist only in the test build: the release
// build (npm run build, prepare, package) holds no hook code at all, and ignores the variables.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_BUILD, bundleDist, bundleSingleExecutable } from '../../scripts/build.ts';
import { BIN_DIR, runProcess } from '../helpers/tempcreds.ts';

const HOOK_TEXT = 'KUBECTL_TEMPCREDS_TEST_';
let release: string;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** `lease list --local` of one lease that expires in an hour, with the clock hook set two hours ahead. */
async function statusWithClockHook(bin: string): Promise<string> {
  const home = mkdtempSync(join(release, 'home-'));
  const now = Date.now();
  const suffix = 'abcdefghijkl';
  const lease = {
    id: `reader/${suffix}`, role: 'reader', roleDigest: '0123456789abcdef', namespace: 'dev', serviceAccountName: `tc-reader-${suffix}`, serviceAccountCreated: true,
    issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 3600_000).toISOString(), ttlSeconds: 3600, context: 'issuer', cluster: 'https://127.0.0.1', issuedBy: 'issuer',
    objects: [{ apiVersion: 'v1', kind: 'Secret', name: `tc-reader-${suffix}`, namespace: 'dev' }],
  };
  mkdirSync(join(home, 'leases', 'reader'), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'leases', 'reader', `${suffix}.json`), JSON.stringify(lease), { mode: 0o600 });
  const env = { ...process.env, KUBECTL_TEMPCREDS_HOME: home, KUBECTL_TEMPCREDS_TEST_NOW: new Date(now + 2 * 3600_000).toISOString() };
  const result = await runProcess(join(bin, 'kubectl-tempcreds'), ['lease', 'list', '--local'], { env });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

before(async () => {
  mkdirSync(TEST_BUILD, { recursive: true });
  release = mkdtempSync(join(TEST_BUILD, 'release-'));
  await bundleDist({ flavour: 'release', root: release });
});

after(() => rmSync(release, { recursive: true, force: true }));

describe('release builds have no test hooks', () => {
  it('neither the launcher nor any bundle of dist/ (npm run build, prepare) holds hook code', () => {
    const bundles = [join(release, 'bin', 'kubectl-tempcreds'), ...filesUnder(join(release, 'dist'))];
    assert.ok(bundles.length >= 4, bundles.join(', '));
    for (const file of bundles) assert.ok(!readFileSync(file, 'utf8').includes(HOOK_TEXT), `${file} holds ${HOOK_TEXT}`);
    // The test build's launcher holds the cache hit's hooks: this check sees them where they are.
    assert.ok(readFileSync(join(BIN_DIR, 'kubectl-tempcreds'), 'utf8').includes(HOOK_TEXT), 'the test build has no hook in its launcher: this check reads nothing');
  });

  it('nor do the single executable bundles of npm run package (same plugins)', async () => {
    const { main, rest } = await bundleSingleExecutable(join(release, 'single-executable'));
    for (const { path } of [main, rest]) assert.ok(!readFileSync(path, 'utf8').includes(HOOK_TEXT), `${path} holds ${HOOK_TEXT}`);
  });

  it('the single executable\'s main holds the cache hit but no dependency, CLI or full exec entry: those are the rest, loaded on a miss', async () => {
    const { main, rest } = await bundleSingleExecutable(join(release, 'single-executable-split'));
    const mainInputs = Object.keys(main.metafile.inputs);
    assert.ok(mainInputs.includes('src/exec/hit.ts'), mainInputs.join(', '));
    assert.deepEqual(mainInputs.filter((input) => input.includes('node_modules') || input.startsWith('src/cli/') || input === 'src/exec/main.ts'), []);
    const restInputs = Object.keys(rest.metafile.inputs);
    for (const input of ['src/exec/main.ts', 'src/cli/main.ts']) assert.ok(restInputs.includes(input), `${input} is not in the rest`);
    assert.ok(restInputs.some((input) => input.includes('node_modules/@kubernetes/client-node/')), 'the Kubernetes client is not in the rest');
  });

  it('KUBECTL_TEMPCREDS_TEST_NOW changes nothing in a release build; the test build still honours it', async () => {
    assert.match(await statusWithClockHook(join(release, 'bin')), /^reader\/abcdefghijkl .* (59m\d*s|1h) left/m);
    assert.match(await statusWithClockHook(BIN_DIR), /^reader\/abcdefghijkl .* expired/m);
  });

  it('npm pack publishes bin/ and dist/, never the test build', async () => {
    const packed = await runProcess('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { env: process.env });
    assert.equal(packed.status, 0, packed.stderr);
    const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path);
    assert.deepEqual(files.filter((file) => !/^(bin|dist)\//.test(file) && !['README.md', 'LICENSE', 'package.json'].includes(file)), []);
  });
});
