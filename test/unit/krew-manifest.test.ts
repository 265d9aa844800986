// The release's krew manifest (scripts/krew-manifest.ts): one entry per platform with its
// selector, uri, lowercase sha256 and bin (.exe on Windows); the .krew.yaml template for
// krew-release-bot, committed, in step with krew-manifest.template.yaml.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RELEASE_PLATFORMS, archiveName, krewReleaseBotTemplate, packageVersion, readTemplate, releaseManifest, renderManifest } from '../../scripts/krew-manifest.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface Manifest {
  spec: { version: string; platforms: { selector: { matchLabels: Record<string, string> }; uri: string; sha256: string; bin: string; files: { from: string; to: string }[] }[] };
}

describe('the release krew manifest', () => {
  const digest = (index: number) => createHash('sha256').update(String(index)).digest('hex');
  const platforms = RELEASE_PLATFORMS.map((platform, index) => ({ platform, source: { uri: `https://example.com/${archiveName(platform)}`, sha256: digest(index).toUpperCase() } }));

  it('has every platform: selector, uri, lowercase sha256, the .exe bin on Windows', () => {
    const manifest = yaml.load(renderManifest(readTemplate(), 'v1.2.3', platforms)) as Manifest;
    assert.equal(manifest.spec.version, 'v1.2.3');
    assert.deepEqual(
      manifest.spec.platforms.map(({ selector, uri, sha256, bin }) => [selector.matchLabels, uri, sha256, bin]),
      [
        [{ os: 'linux', arch: 'amd64' }, 'https://example.com/kubectl-tempcreds_linux_amd64.tar.gz', digest(0), 'kubectl-tempcreds'],
        [{ os: 'linux', arch: 'arm64' }, 'https://example.com/kubectl-tempcreds_linux_arm64.tar.gz', digest(1), 'kubectl-tempcreds'],
        [{ os: 'darwin', arch: 'amd64' }, 'https://example.com/kubectl-tempcreds_darwin_amd64.tar.gz', digest(2), 'kubectl-tempcreds'],
        [{ os: 'darwin', arch: 'arm64' }, 'https://example.com/kubectl-tempcreds_darwin_arm64.tar.gz', digest(3), 'kubectl-tempcreds'],
        [{ os: 'windows', arch: 'amd64' }, 'https://example.com/kubectl-tempcreds_windows_amd64.zip', digest(4), 'kubectl-tempcreds.exe'],
      ],
    );
    const windows = manifest.spec.platforms.at(-1)!;
    assert.deepEqual(windows.files.map(({ from }) => from), ['kubectl-tempcreds.exe', 'keytar.node', 'LICENSE']);
    assert.deepEqual(manifest.spec.platforms[0]!.files.map(({ from }) => from), ['kubectl-tempcreds', 'keytar.node', 'kubectl_complete-tempcreds', 'LICENSE']);
  });

  it('refuses a digest that is not a sha256', () => {
    assert.throws(() => renderManifest(readTemplate(), 'v1.2.3', [{ platform: RELEASE_PLATFORMS[0]!, source: { uri: 'https://example.com/a', sha256: 'abc' } }]), /"abc" is not a sha256 digest/);
  });

  it('takes each archive\'s digest from the release directory, and names a missing archive', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tempcreds-archives-'));
    for (const platform of RELEASE_PLATFORMS) writeFileSync(join(directory, archiveName(platform)), archiveName(platform));
    const manifest = yaml.load(releaseManifest(directory, 'https://example.com/v9')) as Manifest;
    assert.equal(manifest.spec.version, `v${packageVersion()}`);
    const windows = manifest.spec.platforms.at(-1)!;
    assert.equal(windows.uri, 'https://example.com/v9/kubectl-tempcreds_windows_amd64.zip');
    assert.equal(windows.sha256, createHash('sha256').update('kubectl-tempcreds_windows_amd64.zip').digest('hex'));
    const incomplete = mkdtempSync(join(tmpdir(), 'tempcreds-archives-'));
    assert.throws(() => releaseManifest(incomplete), /cannot read \S+kubectl-tempcreds_linux_amd64\.tar\.gz \(ENOENT\): every release platform's archive must be there/);
  });

  it('.krew.yaml is the krew-release-bot template of the same manifest, and up to date', () => {
    const committed = readFileSync(join(ROOT, '.krew.yaml'), 'utf8');
    assert.equal(committed, krewReleaseBotTemplate(), '.krew.yaml is stale: tsx scripts/krew-manifest.ts --krew-release-bot --out .krew.yaml');
    assert.match(committed, /^  version: \{\{ \.TagName \}\}$/m);
    assert.equal(committed.match(/\{\{addURIAndSha "https:\/\/github\.com\/\S+\/releases\/download\/\{\{ \.TagName \}\}\/kubectl-tempcreds_\w+_\w+\.(tar\.gz|zip)" \.TagName \}\}/g)?.length, RELEASE_PLATFORMS.length);
  });
});
