// What `npm run package -- --platform os/arch` decides for each release platform on its runner
// (scripts/release-target.ts, the host injected): the embedded Node and its source, postject's
// Mach-O segment and codesign on macOS, the archive's format and names; and the archives
// themselves (scripts/archive.ts), read back by tar and unzip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tarGz, zip } from '../../scripts/archive.ts';
import { archiveFiles, archiveName, executableName } from '../../scripts/krew-manifest.ts';
import { NODE_LTS, type NodeTarget } from '../../scripts/node-runtime.ts';
import { archiveFormat, chooseNodeSource, chooseTarget, injection, RELEASE_TARGETS, targetName, unpackedName, UsageError } from '../../scripts/release-target.ts';

/** Each release runner, as Node names it. */
const RUNNERS: Record<string, NodeTarget> = {
  'linux/amd64': { platform: 'linux', arch: 'x64' },
  'linux/arm64': { platform: 'linux', arch: 'arm64' },
  'darwin/amd64': { platform: 'darwin', arch: 'x64' },
  'darwin/arm64': { platform: 'darwin', arch: 'arm64' },
  'windows/amd64': { platform: 'win32', arch: 'x64' },
};
const node24 = { path: '/opt/node24/bin/node', version: 'v24.11.0' };

describe('release targets', () => {
  it('has every release platform, and each runner finds its own without --platform', () => {
    assert.deepEqual(RELEASE_TARGETS.map(targetName), Object.keys(RUNNERS));
    for (const [name, host] of Object.entries(RUNNERS)) assert.equal(targetName(chooseTarget(undefined, host)), name);
    assert.equal(targetName(chooseTarget('windows/amd64', RUNNERS['linux/amd64']!)), 'windows/amd64');
    assert.throws(() => chooseTarget('windows/arm64', RUNNERS['linux/amd64']!), (error: Error) => error instanceof UsageError && /^--platform windows\/arm64 is not one of linux\/amd64, .*windows\/amd64$/.test(error.message));
    assert.throws(() => chooseTarget(undefined, { platform: 'freebsd', arch: 'x64' }), UsageError);
  });

  it('embeds the newest Node 24 the npm registry has for each platform, and the runner\'s Node 24 on darwin/arm64 (no registry package)', () => {
    const sources = Object.fromEntries(Object.entries(RUNNERS).map(([name, host]) => [name, chooseNodeSource(chooseTarget(name, host), host, undefined, node24)]));
    assert.deepEqual(sources, {
      'linux/amd64': { kind: 'registry', version: NODE_LTS },
      'linux/arm64': { kind: 'registry', version: NODE_LTS },
      'darwin/amd64': { kind: 'registry', version: '24.18.1' },
      'darwin/arm64': { kind: 'local', path: node24.path, version: '24.11.0' },
      'windows/amd64': { kind: 'registry', version: '24.21.0' },
    });
    const given = { path: '/tmp/node', version: 'v24.1.0' };
    assert.deepEqual(chooseNodeSource(chooseTarget('darwin/arm64', RUNNERS['darwin/arm64']!), RUNNERS['darwin/arm64']!, given, node24), { kind: 'local', path: '/tmp/node', version: '24.1.0' });
    assert.deepEqual(chooseNodeSource(chooseTarget('linux/amd64', RUNNERS['linux/amd64']!), RUNNERS['linux/amd64']!, given, node24), { kind: 'local', path: '/tmp/node', version: '24.1.0' }, '--node-binary wins on the host');
  });

  it('refuses (usage) a darwin/arm64 build elsewhere, or on a Node that is not 24, and --node-binary for another platform', () => {
    const arm64Mac = chooseTarget('darwin/arm64', RUNNERS['linux/amd64']!);
    assert.throws(() => chooseNodeSource(arm64Mac, RUNNERS['linux/amd64']!, undefined, node24), { name: 'Error', message: 'the npm registry has no Node 24 for darwin/arm64: build it on a darwin/arm64 machine running Node 24, or give --node-binary PATH there' });
    assert.throws(() => chooseNodeSource(arm64Mac, RUNNERS['darwin/arm64']!, undefined, { path: '/usr/bin/node', version: 'v22.3.0' }), { message: 'the Node running this build is v22.3.0, not Node 24: run the build on Node 24 or give --node-binary PATH' });
    assert.throws(() => chooseNodeSource(arm64Mac, RUNNERS['darwin/arm64']!, { path: '/tmp/node', version: 'v20.1.0' }, node24), { message: '--node-binary /tmp/node is v20.1.0, not Node 24: give a Node 24 binary' });
    assert.throws(() => chooseNodeSource(chooseTarget('windows/amd64', RUNNERS['linux/amd64']!), RUNNERS['linux/amd64']!, node24, node24), (error: Error) => error instanceof UsageError && /^--node-binary must be a Node for this host \(linux\/x64\)/.test(error.message));
  });

  it('injects into the NODE_SEA Mach-O segment for macOS, and signs only on a Mac', () => {
    assert.deepEqual(injection(chooseTarget('darwin/arm64', RUNNERS['darwin/arm64']!), RUNNERS['darwin/arm64']!), { machoSegmentName: 'NODE_SEA', codesign: true });
    assert.deepEqual(injection(chooseTarget('darwin/amd64', RUNNERS['darwin/amd64']!), RUNNERS['darwin/amd64']!), { machoSegmentName: 'NODE_SEA', codesign: true });
    assert.deepEqual(injection(chooseTarget('darwin/amd64', RUNNERS['linux/amd64']!), RUNNERS['linux/amd64']!), { machoSegmentName: 'NODE_SEA', codesign: false });
    for (const name of ['linux/amd64', 'linux/arm64', 'windows/amd64']) assert.deepEqual(injection(chooseTarget(name, RUNNERS[name]!), RUNNERS[name]!), { machoSegmentName: undefined, codesign: false });
  });

  it('writes a .zip with kubectl-tempcreds.exe on Windows, a .tar.gz elsewhere, unpacked beside it under the same name', () => {
    assert.deepEqual(
      RELEASE_TARGETS.map((target) => [archiveFormat(target), archiveName(target), unpackedName(target), executableName(target)]),
      [
        ['tar.gz', 'kubectl-tempcreds_linux_amd64.tar.gz', 'kubectl-tempcreds_linux_amd64', 'kubectl-tempcreds'],
        ['tar.gz', 'kubectl-tempcreds_linux_arm64.tar.gz', 'kubectl-tempcreds_linux_arm64', 'kubectl-tempcreds'],
        ['tar.gz', 'kubectl-tempcreds_darwin_amd64.tar.gz', 'kubectl-tempcreds_darwin_amd64', 'kubectl-tempcreds'],
        ['tar.gz', 'kubectl-tempcreds_darwin_arm64.tar.gz', 'kubectl-tempcreds_darwin_arm64', 'kubectl-tempcreds'],
        ['zip', 'kubectl-tempcreds_windows_amd64.zip', 'kubectl-tempcreds_windows_amd64', 'kubectl-tempcreds.exe'],
      ],
    );
    assert.deepEqual(archiveFiles(chooseTarget('windows/amd64', RUNNERS['windows/amd64']!)), ['kubectl-tempcreds.exe', 'keytar.node', 'LICENSE']);
  });
});

describe('release archives', () => {
  const mtime = Date.UTC(2026, 0, 2, 3, 4, 6) / 1000;
  const entries = [
    { name: 'LICENSE', mode: 0o644, data: Buffer.from('MIT\n') },
    { name: 'kubectl-tempcreds', mode: 0o755, data: Buffer.alloc(70_000, 'x') },
  ];
  const work = mkdtempSync(join(tmpdir(), 'tempcreds-archive-'));
  const listing = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  };

  it('tar.gz: ustar entries owned by 0:0 with their modes, sizes and the one mtime; the same bytes each time', () => {
    const archive = join(work, 'a.tar.gz');
    writeFileSync(archive, tarGz(entries, mtime));
    assert.deepEqual(
      listing('tar', ['--numeric-owner', '--full-time', '-tvzf', archive]).trim().split('\n').map((line) => line.split(/\s+/)),
      [
        ['-rw-r--r--', '0/0', '4', '2026-01-02', '03:04:06', 'LICENSE'],
        ['-rwxr-xr-x', '0/0', '70000', '2026-01-02', '03:04:06', 'kubectl-tempcreds'],
      ],
    );
    assert.equal(listing('tar', ['-xOzf', archive, 'LICENSE']), 'MIT\n');
    assert.deepEqual(tarGz(entries, mtime), tarGz(entries, mtime));
  });

  it('zip: deflated entries unzip checks and extracts with their modes', () => {
    const archive = join(work, 'a.zip');
    writeFileSync(archive, zip(entries, mtime));
    assert.match(listing('unzip', ['-t', archive]), /No errors detected/);
    const lines = listing('zipinfo', ['-T', archive]).trim().split('\n').slice(2, -1).map((line) => line.split(/\s+/));
    assert.deepEqual(lines.map((line) => [line[0], line[3], line.at(-2), line.at(-1)]), [['-rw-r--r--', '4', '20260102.030406', 'LICENSE'], ['-rwxr-xr-x', '70000', '20260102.030406', 'kubectl-tempcreds']]);
    assert.equal(listing('unzip', ['-p', archive, 'LICENSE']), 'MIT\n');
  });
});
