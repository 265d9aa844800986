// loadKubeConfig on real files: a kubeconfig path a lease recorded is loaded only when it is this
// user's own file, which no one else may write (its exec plugin would run as this user).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadKubeConfig } from '../../src/adapters/kube.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443', certificate-authority: ca.crt } }]
users: [{ name: u, user: { token: not-a-real-one } }]
contexts: [{ name: issuer, context: { cluster: c, user: u } }]
current-context: issuer
`;

function kubeconfigFile(mode = 0o600): string {
  const path = join(mkdtempSync(join(tmpdir(), 'recorded-kc-')), 'config');
  writeFileSync(path, KUBECONFIG);
  chmodSync(path, mode);
  return path;
}

/** Exit code and message of what loading threw. */
function refusal(load: () => unknown): { exitCode?: number; message: string } {
  try {
    load();
  } catch (error) {
    return { exitCode: (error as { exitCode?: number }).exitCode, message: (error as Error).message };
  }
  assert.fail('loaded');
}

describe('loadKubeConfig: a kubeconfig a lease recorded', () => {
  it('loads this user\'s own file, paths made absolute as kubectl does', () => {
    const path = kubeconfigFile(0o644);
    const config = loadKubeConfig({ kubeconfig: path, recorded: true });
    assert.equal(config.getCurrentContext(), 'issuer');
    assert.equal(config.getCurrentCluster()!.caFile, join(path, '..', 'ca.crt'));
  });

  it('follows a symbolic link to this user\'s own file', () => {
    const path = kubeconfigFile();
    const link = join(path, '..', 'link');
    symlinkSync(path, link);
    assert.equal(loadKubeConfig({ kubeconfig: link, recorded: true }).getCurrentContext(), 'issuer');
  });

  it('refuses, exit 1, a file others may write, naming it and --kubeconfig', () => {
    const path = kubeconfigFile(0o666);
    assert.deepEqual(refusal(() => loadKubeConfig({ kubeconfig: path, recorded: true })), {
      exitCode: 1,
      message: `refusing to load the kubeconfig ${path} a lease recorded: others may write to it (mode 666), and its exec plugin would run as you; pass --kubeconfig naming the issuer's kubeconfig to revoke the lease (its record is kept)`,
    });
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'recorded-kc-')), 'config');
    execFileSync('mkfifo', ['-m', '600', path]);
    assert.match(refusal(() => loadKubeConfig({ kubeconfig: path, recorded: true })).message, /: it is not a regular file,/);
  });

  it('refuses another user\'s file, also as one of several KUBECONFIG files', { skip: process.getuid?.() !== 0 && 'needs root to give a file away' }, () => {
    const path = kubeconfigFile(0o644);
    chownSync(path, 65534, 65534);
    const mine = kubeconfigFile();
    for (const kubeconfig of [path, `${mine}:${path}`]) {
      assert.match(refusal(() => loadKubeConfig({ kubeconfig, recorded: true })).message, new RegExp(`^refusing to load the kubeconfig ${path} a lease recorded: it belongs to uid 65534, not to you \\(uid 0\\)`));
    }
  });

  it('loads what this command chose: --kubeconfig (not recorded), or a file this process\'s KUBECONFIG names', () => {
    const path = kubeconfigFile(0o666);
    assert.equal(loadKubeConfig({ kubeconfig: path }).getCurrentContext(), 'issuer');
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = path;
    try {
      assert.equal(loadKubeConfig({ kubeconfig: path, recorded: true }).getCurrentContext(), 'issuer');
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});
