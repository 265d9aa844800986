// The krew plugin, end to end: `npm run package` builds the archive (once per run, ~20–40 s),
// krew's own validate-krew-manifest accepts the generated and the committed manifest (with
// -skip-install: its trial install would download the release URI; the real install is below), krew
// installs the archive into a temporary KREW_ROOT, and then kubectl runs the single executable
// as `kubectl tempcreds` — help, plugin list without a warning, doctor against the test
// cluster (client-node and keytar's addon inside the executable), the exec credential hot
// path, and completion once the caveat's commands install the helper. krew and the validator are built from
// sigs.k8s.io/krew (test/krew/go) and cached like the control plane.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { NODE_LTS } from '../../scripts/node-runtime.ts';
import { ensureGoBinaries } from '../controlplane/binaries.ts';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, type RunResult } from '../helpers/tempcreds.ts';
import { RELEASE_PLATFORMS, archiveName, releaseManifest } from '../../scripts/krew-manifest.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARCHIVE = 'kubectl-tempcreds_linux_amd64.tar.gz';

const krewTools = () =>
  ensureGoBinaries({
    moduleDir: join(ROOT, 'test/krew/go'),
    packages: { 'kubectl-krew': 'sigs.k8s.io/krew/cmd/krew', 'validate-krew-manifest': 'sigs.k8s.io/krew/cmd/validate-krew-manifest' },
    cacheName: 'krew',
    what: 'krew and validate-krew-manifest from test/krew/go (first run only, ~1 min)',
    renames: { krew: 'kubectl-krew' },
  });

const ok = (result: RunResult, what: string) => assert.equal(result.status, 0, `${what}: exit ${result.status}\n${result.stdout}\n${result.stderr}`);

/** sha256 is the only field that may differ between two builds' manifests. */
const withoutDigests = (text: string) => text.replace(/sha256: [0-9a-f]{64}/g, 'sha256: …');

describe('the krew plugin', () => {
  const work = mkdtempSync(join(tmpdir(), 'tempcreds-krew-'));
  const release = join(work, 'release');
  const krewRoot = join(work, 'krew-root');
  let tools: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const [built, packaged] = await Promise.all([krewTools(), runProcess('npm', ['run', '-s', 'package', '--', '--out', release, '--no-typecheck'], { env: process.env })]);
    tools = built;
    ok(packaged, 'npm run package');
    // Only the temporary krew root and the system: the repo's bin/ must not shadow the plugin.
    const path = [join(krewRoot, 'bin'), tools, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    env = { ...process.env, PATH: path, KREW_ROOT: krewRoot, KREW_NO_UPGRADE_CHECK: '1', KUBECTL_TEMPCREDS_HOME: join(work, 'home'), KUBECONFIG: testCluster().kubeconfig };
  });

  it('builds one archive holding the executable, keytar\'s addon, the completion helper and the LICENSE', async () => {
    assert.deepEqual(readdirSync(release).sort(), [ARCHIVE.replace('.tar.gz', ''), ARCHIVE, 'tempcreds.yaml']);
    const listing = await runProcess('tar', ['-tzvf', join(release, ARCHIVE)]);
    ok(listing, 'tar -t');
    const entries = listing.stdout.trim().split('\n').map((line) => line.split(/\s+/));
    assert.deepEqual(entries.map((entry) => entry.at(-1)).sort(), ['LICENSE', 'keytar.node', 'kubectl-tempcreds', 'kubectl_complete-tempcreds']);
    const executable = entries.find((entry) => entry.at(-1) === 'kubectl-tempcreds')!;
    assert.match(executable[0]!, /^-rwxr-xr-x$/);
    assert.ok(Number(executable[2]) > 50 * 2 ** 20, `a self-contained executable (Node inside): ${executable[2]} bytes`);
  });

  it('embeds the Node LTS from the npm registry, not the Node that runs the build', async () => {
    // A preload through NODE_OPTIONS (which single executables honour) reports the embedded runtime.
    const probe = join(work, 'node-version.cjs');
    writeFileSync(probe, 'process.stderr.write(`embedded Node ${process.version}\\n`);');
    const executable = join(release, ARCHIVE.replace('.tar.gz', ''), 'kubectl-tempcreds');
    const help = await runProcess(executable, ['--help'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` } });
    ok(help, 'kubectl-tempcreds --help');
    assert.match(help.stderr, new RegExp(`^embedded Node v${NODE_LTS.replaceAll('.', '\\.')}$`, 'm'));
  });

  it('writes the archive\'s lowercase sha256 into a manifest krew validates, matching the committed krew-manifest.yaml', async () => {
    const generated = readFileSync(join(release, 'tempcreds.yaml'), 'utf8');
    const digest = (await runProcess('sha256sum', [join(release, ARCHIVE)])).stdout.split(' ')[0]!;
    assert.match(generated, new RegExp(`sha256: ${digest}\\n`));
    ok(await runProcess(join(tools, 'validate-krew-manifest'), ['-skip-install', '-manifest', join(release, 'tempcreds.yaml')]), 'validate-krew-manifest (generated)');

    const committed = readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8');
    const named = join(mkdtempSync(join(work, 'committed-')), 'tempcreds.yaml'); // krew wants the file named after the plugin
    copyFileSync(join(ROOT, 'krew-manifest.yaml'), named);
    ok(await runProcess(join(tools, 'validate-krew-manifest'), ['-skip-install', '-manifest', named]), 'validate-krew-manifest (krew-manifest.yaml)');
    assert.equal(withoutDigests(committed), withoutDigests(generated), 'krew-manifest.yaml is stale: run npm run package and commit it');

    const manifest = yaml.load(committed) as { spec: { shortDescription: string; description: string; caveats: string; platforms: { uri: string }[] } };
    assert.ok(manifest.spec.shortDescription.length <= 50, manifest.spec.shortDescription);
    for (const line of `${manifest.spec.description}${manifest.spec.caveats}`.split('\n')) assert.ok(line.length <= 80, `over 80 columns: ${line}`);
    assert.deepEqual(manifest.spec.platforms.map((platform) => platform.uri), [`https://github.com/kubectl-tempcreds/kubectl-tempcreds/releases/download/v0.1.0/${ARCHIVE}`.replace('0.1.0', (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version)]);
  });

  it('installs through krew and runs through kubectl: help, plugin list with no warning', async () => {
    const installed = await runProcess('kubectl', ['krew', 'install', `--manifest=${join(release, 'tempcreds.yaml')}`, `--archive=${join(release, ARCHIVE)}`], { env });
    ok(installed, 'kubectl krew install');
    assert.match(installed.stderr, /Installed plugin: tempcreds/);
    assert.match(installed.stderr, /completion helper on PATH/, 'shows the caveats');

    const help = await runProcess('kubectl', ['tempcreds', '--help'], { env });
    ok(help, 'kubectl tempcreds --help');
    assert.match(help.stdout, /Usage: kubectl tempcreds <command> \[options\]/);
    const version = await runProcess('kubectl', ['tempcreds', '--version'], { env });
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);

    const list = await runProcess('kubectl', ['plugin', 'list'], { env });
    ok(list, 'kubectl plugin list');
    assert.ok(list.stdout.includes(join(krewRoot, 'bin', 'kubectl-tempcreds')), list.stdout);
    assert.doesNotMatch(`${list.stdout}${list.stderr}`, /warning/i);
  });

  it('works against the cluster from the executable: doctor, and kubectl on its exec credential', async () => {
    const namespace = uniqueName('krew');
    await createNamespace(namespace);
    // The test issuer serves only the namespaces tests create: doctor checks its rights in one.
    const doctor = await runProcess('kubectl', ['tempcreds', 'doctor', '-n', namespace], { env });
    ok(doctor, 'kubectl tempcreds doctor');
    assert.match(doctor.stdout, /^OK +token cache +the OS keychain answers/m, 'keytar\'s addon loads beside the executable');

    await createServiceAccount(namespace, 'app');
    const kubeconfig = join(work, 'kubeconfig');
    copyFileSync(testCluster().kubeconfig, kubeconfig);
    const role = uniqueName('krew-role');
    ok(await runProcess('kubectl', ['tempcreds', 'role', 'create', role, '--service-account', 'app', '--allowed-namespaces', namespace], { env }), 'role create');
    ok(await runProcess('kubectl', ['tempcreds', 'kubeconfig', role, '-n', namespace, '--kubeconfig', kubeconfig], { env }), 'kubeconfig');
    const context = `tempcreds-${role}-${namespace}`;
    for (const attempt of ['issues', 'hits the cache']) {
      const whoami = await runProcess('kubectl', ['--kubeconfig', kubeconfig, '--context', context, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { env });
      ok(whoami, `kubectl auth whoami (${attempt})`);
      assert.equal(whoami.stdout, `system:serviceaccount:${namespace}:app`);
    }
    const leases = await runProcess('kubectl', ['tempcreds', 'lease', 'list', '--role', role, '-o', 'json'], { env });
    ok(leases, 'lease list');
    assert.equal((JSON.parse(leases.stdout) as unknown[]).length, 1, 'the second kubectl call was served from the cache');
    ok(await runProcess('kubectl', ['tempcreds', 'revoke', '--role', role], { env }), 'revoke');
  });

  it('completes `kubectl tempcreds <TAB>` once the caveat\'s commands install the helper', async () => {
    const { caveats } = (yaml.load(readFileSync(join(release, 'tempcreds.yaml'), 'utf8')) as { spec: { caveats: string } }).spec;
    const commands = /^ *(plugin=.*\n *cp .*)$/m.exec(caveats)?.[1];
    assert.ok(commands, `the helper's install commands in the caveats:\n${caveats}`);
    ok(await runProcess('sh', ['-c', commands], { env }), commands);
    const result = await runProcess('kubectl', ['__complete', 'tempcreds', 'se'], { env });
    ok(result, 'kubectl __complete');
    assert.deepEqual(result.stdout.trim().split('\n').map((line) => line.split('\t')[0]), ['setup', ':4']);
  });

  it('the release\'s multi-platform manifest (scripts/krew-manifest.ts) passes krew\'s validator, and krew installs the linux/amd64 archive with it', async () => {
    // The other platforms' archives are built on their own runners: stand-ins give them digests.
    const archives = mkdtempSync(join(work, 'archives-'));
    for (const platform of RELEASE_PLATFORMS) {
      if (archiveName(platform) === ARCHIVE) copyFileSync(join(release, ARCHIVE), join(archives, ARCHIVE));
      else writeFileSync(join(archives, archiveName(platform)), `stand-in for ${archiveName(platform)}`);
    }
    const manifest = join(mkdtempSync(join(work, 'multi-')), 'tempcreds.yaml');
    writeFileSync(manifest, releaseManifest(archives, 'https://example.com/download'));
    const platforms = (yaml.load(readFileSync(manifest, 'utf8')) as { spec: { platforms: { bin: string }[] } }).spec.platforms;
    assert.deepEqual(platforms.map(({ bin }) => bin), ['kubectl-tempcreds', 'kubectl-tempcreds', 'kubectl-tempcreds', 'kubectl-tempcreds', 'kubectl-tempcreds.exe']);
    ok(await runProcess(join(tools, 'validate-krew-manifest'), ['-skip-install', '-manifest', manifest]), 'validate-krew-manifest (multi-platform)');

    const root = join(work, 'krew-root-multi');
    const multiEnv = { ...env, KREW_ROOT: root, PATH: `${join(root, 'bin')}:${env.PATH!.split(':').slice(1).join(':')}` };
    const installed = await runProcess('kubectl', ['krew', 'install', `--manifest=${manifest}`, `--archive=${join(archives, ARCHIVE)}`], { env: multiEnv });
    ok(installed, 'kubectl krew install (multi-platform manifest)');
    const shown = await runProcess('kubectl', ['tempcreds', 'version', '-o', 'json'], { env: multiEnv });
    ok(shown, 'kubectl tempcreds version');
    const commit = (await runProcess('git', ['-C', ROOT, 'rev-parse', '--short=12', 'HEAD'])).stdout.trim();
    assert.deepEqual(JSON.parse(shown.stdout), { version: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version, commit, node: (JSON.parse(shown.stdout) as { node: string }).node, platform: 'linux', arch: 'amd64' });
  });
});
