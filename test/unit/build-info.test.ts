// What `version` and `doctor` say about the build: the package version, the commit embedded at
// build time ("unknown" outside a git checkout), Node, and the platform in krew's (Go's) names.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gitCommit } from '../../scripts/build.ts';
import { buildChecks } from '../../src/app/doctor.ts';
import { goPlatform, versionEntries } from '../../src/core/build-info.ts';

const info = { version: '1.2.3', commit: '0123456789ab', node: 'v24.11.0', platform: 'darwin', arch: 'arm64' };

describe('build info', () => {
  it('names platforms as krew and Go do', () => {
    assert.deepEqual(goPlatform('linux', 'x64'), { os: 'linux', arch: 'amd64' });
    assert.deepEqual(goPlatform('darwin', 'arm64'), { os: 'darwin', arch: 'arm64' });
    assert.deepEqual(goPlatform('win32', 'x64'), { os: 'windows', arch: 'amd64' });
    assert.deepEqual(goPlatform('linux', 'ia32'), { os: 'linux', arch: '386' });
  });

  it('is four lines: version, commit, Node, platform/arch', () => {
    assert.deepEqual(versionEntries(info), [
      ['version', '1.2.3'],
      ['commit', '0123456789ab'],
      ['node', 'v24.11.0'],
      ['platform', 'darwin/arm64'],
    ]);
  });

  it('the commit is "unknown" when the build is not in a git checkout', () => {
    assert.equal(gitCommit(mkdtempSync(join(tmpdir(), 'tempcreds-not-git-'))), 'unknown');
    assert.match(gitCommit(join(import.meta.dirname, '..', '..')), /^[0-9a-f]{12}$/);
  });

  it('doctor starts with the same lines', () => {
    assert.deepEqual(
      buildChecks(info).map(({ area, status, message }) => [area, status, message]),
      versionEntries(info).map(([key, value]) => [key, 'ok', value]),
    );
  });
});
