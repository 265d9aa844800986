// The npm route, as a user takes it: `npm pack` (what `npm publish` uploads, built by `prepare`)
// installed with `npm install -g` into an empty prefix — dependencies from the local npm cache
// where it has them (--prefer-offline), keytar's addon built by its install script — then plain
// kubectl finds the plugin on PATH: help, plugin list, version, and an exec credential that is
// issued once and then served from the cache.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, type RunResult } from '../helpers/tempcreds.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ok = (result: RunResult, what: string) => assert.equal(result.status, 0, `${what}: exit ${result.status}\n${result.stdout}\n${result.stderr}`);

describe('npm install -g of the packed package', () => {
  const work = mkdtempSync(join(tmpdir(), 'tempcreds-npm-'));
  const prefix = join(work, 'prefix');
  let env: NodeJS.ProcessEnv;

  before(async () => {
    // Run from the package root, as npm publish does.
    const packed = await runProcess('sh', ['-c', `cd "${ROOT}" && npm pack --silent --pack-destination "${work}"`], { env: process.env });
    ok(packed, 'npm pack');
    const tarball = join(work, `kubectl-tempcreds-${version}.tgz`);
    ok(await runProcess('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--allow-scripts=keytar', tarball], { env: process.env }), 'npm install -g');
    // Only the prefix, Node and the system: the repo's bin/ and node_modules must not help.
    const path = [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    env = { ...process.env, PATH: path, KUBECTL_TEMPCREDS_HOME: join(work, 'home'), KUBECONFIG: testCluster().kubeconfig };
  });

  it('installs the launchers, dist/ and keytar\'s addon, and no test build', () => {
    assert.deepEqual(readdirSync(join(prefix, 'bin')).sort(), ['kubectl-tempcreds', 'kubectl_complete-tempcreds']);
    const installed = join(prefix, 'lib', 'node_modules', 'kubectl-tempcreds');
    for (const file of [join('bin', 'kubectl-tempcreds'), join('dist', 'exec', 'main.cjs'), join('dist', 'cli', 'main.cjs')]) assert.ok(existsSync(join(installed, file)), file);
    assert.ok(!existsSync(join(installed, '.test-build')));
    assert.ok(existsSync(join(installed, 'node_modules', 'keytar', 'build', 'Release', 'keytar.node')), 'keytar\'s install script built its addon');
  });

  it('runs through kubectl: help, plugin list with no warning, version with the commit it was packed from', async () => {
    const help = await runProcess('kubectl', ['tempcreds', '--help'], { env });
    ok(help, 'kubectl tempcreds --help');
    assert.match(help.stdout, /Usage: kubectl tempcreds <command> \[options\]/);
    const list = await runProcess('kubectl', ['plugin', 'list'], { env });
    ok(list, 'kubectl plugin list');
    assert.ok(list.stdout.includes(join(prefix, 'bin', 'kubectl-tempcreds')), list.stdout);
    assert.doesNotMatch(`${list.stdout}${list.stderr}`, /warning/i);
    const shown = await runProcess('kubectl', ['tempcreds', 'version', '-o', 'json'], { env });
    ok(shown, 'kubectl tempcreds version');
    const commit = (await runProcess('git', ['-C', ROOT, 'rev-parse', '--short=12', 'HEAD'])).stdout.trim();
    assert.deepEqual({ ...(JSON.parse(shown.stdout) as object), node: 'any' }, { version, commit, node: 'any', platform: 'linux', arch: process.arch === 'x64' ? 'amd64' : process.arch });
  });

  it('gives kubectl an exec credential, issued once and then served from the cache', async () => {
    const namespace = uniqueName('npm');
    await createNamespace(namespace);
    await createServiceAccount(namespace, 'app');
    const kubeconfig = join(work, 'kubeconfig');
    copyFileSync(testCluster().kubeconfig, kubeconfig);
    const role = uniqueName('npm-role');
    ok(await runProcess('kubectl', ['tempcreds', 'role', 'create', role, '--service-account', 'app', '--allowed-namespaces', namespace], { env }), 'role create');
    ok(await runProcess('kubectl', ['tempcreds', 'kubeconfig', role, '-n', namespace, '--kubeconfig', kubeconfig], { env }), 'kubeconfig');
    for (const attempt of ['issues', 'hits the cache']) {
      const whoami = await runProcess('kubectl', ['--kubeconfig', kubeconfig, '--context', `tempcreds-${role}-${namespace}`, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { env });
      ok(whoami, `kubectl auth whoami (${attempt})`);
      assert.equal(whoami.stdout, `system:serviceaccount:${namespace}:app`);
    }
    const leases = await runProcess('kubectl', ['tempcreds', 'lease', 'list', '--role', role, '-o', 'json'], { env });
    ok(leases, 'lease list');
    assert.equal((JSON.parse(leases.stdout) as unknown[]).length, 1, 'the second kubectl call was served from the cache');
    ok(await runProcess('kubectl', ['tempcreds', 'revoke', '--role', role], { env }), 'revoke');
  });
});
