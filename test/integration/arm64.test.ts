// The linux/arm64 archive, built here (`npm run package -- --platform linux/arm64`: the arm64 Node
// from the npm registry, no keytar addon) and run under qemu-user emulation (Debian's
// qemu-user-static and the arm64 C libraries, installed by scripts/setup) against the test cluster:
// help, doctor, an issue, and a repeated exec credential served from the (file) cache. qemu is slow
// (~4 s for --help here): each step reports its time and the suite is bounded.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { NODE_LTS } from '../../scripts/node-runtime.ts';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { jwtClaims, runProcess, tempcreds, type RunResult, type Tempcreds } from '../helpers/tempcreds.ts';

const QEMU = 'qemu-aarch64-static';
/** The arm64 loader and C/C++ runtime (libc6-arm64-cross, libstdc++6-arm64-cross): binfmt is not needed. */
const SYSROOT = '/usr/aarch64-linux-gnu';
const ARCHIVE = 'kubectl-tempcreds_linux_arm64';

const ok = (result: RunResult, what: string) => assert.equal(result.status, 0, `${what}: exit ${result.status}\n${result.stdout}\n${result.stderr}`);

describe('the linux/arm64 archive under qemu', { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tempcreds-arm64-'));
  const executable = join(work, ARCHIVE, 'kubectl-tempcreds');
  const namespace = uniqueName('arm64');
  let tool: Tempcreds;

  /** Runs the arm64 executable under qemu, reporting how long it took. */
  async function arm64(t: TestContext, args: string[], env: NodeJS.ProcessEnv = tool.env): Promise<RunResult> {
    const started = Date.now();
    const result = await runProcess(QEMU, ['-L', SYSROOT, executable, ...args], { env });
    t.diagnostic(`${args.slice(0, 2).join(' ')} under qemu: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  }

  before(async () => {
    for (const needed of [`/usr/bin/${QEMU}`, join(SYSROOT, 'lib', 'libstdc++.so.6')]) assert.ok(existsSync(needed), `${needed} is missing: run scripts/setup`);
    const packaged = await runProcess('npm', ['run', '-s', 'package', '--', '--out', work, '--no-typecheck', '--platform', 'linux/arm64'], { env: process.env });
    ok(packaged, 'npm run package -- --platform linux/arm64');
    await createNamespace(namespace);
    await createServiceAccount(namespace, 'app');
    tool = tempcreds(testCluster().kubeconfig);
  });

  it('holds the arm64 Node LTS and no keytar addon, and shows its help', async (t) => {
    assert.deepEqual(readdirSync(join(work, ARCHIVE)).sort(), ['LICENSE', 'kubectl-tempcreds', 'kubectl_complete-tempcreds']);
    const probe = join(work, 'node-version.cjs');
    writeFileSync(probe, 'process.stderr.write(`embedded Node ${process.version} ${process.arch}\\n`);');
    const help = await arm64(t, ['--help'], { ...tool.env, NODE_OPTIONS: `--require ${probe}` });
    ok(help, '--help');
    assert.match(help.stdout, /Usage: kubectl tempcreds <command> \[options\]/);
    assert.match(help.stderr, new RegExp(`^embedded Node v${NODE_LTS.replaceAll('.', '\\.')} arm64$`, 'm'));
  });

  it('runs doctor against the cluster, caching tokens in private files', async (t) => {
    const doctor = await arm64(t, ['doctor', '-n', namespace]);
    ok(doctor, 'doctor');
    assert.match(doctor.stdout, /^OK +API server/m);
    assert.match(doctor.stdout, /token cache.*private files/);
  });

  it('issues a token, then serves repeated exec credentials from the cache', async (t) => {
    const role = uniqueName('arm64');
    ok(await arm64(t, ['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', namespace]), 'role create');
    const issued = await arm64(t, ['issue', role, '-n', namespace, '-o', 'token']);
    ok(issued, 'issue');
    assert.equal(jwtClaims(issued.stdout).sub, `system:serviceaccount:${namespace}:app`);

    const tokenOf = (result: RunResult) => (JSON.parse(result.stdout) as { status: { token: string } }).status.token;
    const first = await arm64(t, ['token', role, '-n', namespace, '--context', 'issuer']);
    ok(first, 'token (issues)');
    const second = await arm64(t, ['token', role, '-n', namespace, '--context', 'issuer']);
    ok(second, 'token (cache hit)');
    assert.equal(tokenOf(second), tokenOf(first));
    assert.equal(readdirSync(join(tool.home, 'leases', role)).filter((file) => file.endsWith('.json')).length, 2, 'one lease by issue, one by the first token call');
    ok(await arm64(t, ['revoke', '--role', role]), 'revoke');
  });
});
