// The reference walkthrough, steps 1–15 and beyond, against the real API server with
// the tool acting as the non-admin issuer: every 200/403/401 is the server's own answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, testCluster, waitFor } from '../helpers/cluster.ts';
import { uniqueName } from '../helpers/fixtures.ts';
import { setupServiceAccountIssuer } from '../helpers/issuer.ts';
import { tempcreds } from '../helpers/tempcreds.ts';
import { createFixtures, walkthrough } from '../walkthrough/walkthrough.ts';

describe('the Vault tutorial walkthrough, with kubectl tempcreds', () => {
  it('gives every step its expected outcome', async (t) => {
    const cluster = testCluster();
    await createFixtures(cluster);
    for await (const result of walkthrough(cluster, tempcreds(cluster.kubeconfig))) {
      await t.test(`step ${result.step}: ${result.title}`, () => {
        assert.ok(result.ok, `expected ${result.expected}, got ${result.actual}`);
      });
    }
  });

  // In this file, after the first run: the walkthrough uses fixed names, so two runs must not overlap.
  it('gives every step its expected outcome with an issuer that `kubectl tempcreds setup` created', async (t) => {
    const cluster = testCluster();
    await createFixtures(cluster); // first: setup refuses namespaces that do not exist
    const { kubeconfig } = await setupServiceAccountIssuer(cluster, { namespace: uniqueName('walk-issuer'), account: 'issuer', name: uniqueName('tc-walk-issuer'), extra: ['--namespaces', 'demo,default', '--cluster-scoped'] });
    for await (const result of walkthrough(cluster, tempcreds(kubeconfig))) {
      await t.test(`step ${result.step}: ${result.title}`, () => {
        assert.ok(result.ok, `expected ${result.expected}, got ${result.actual}`);
      });
    }
  });

  it('gives every step its expected outcome with the roles stored in the cluster (--roles cluster), issued by the issuer context', async (t) => {
    const cluster = testCluster();
    await createFixtures(cluster);
    const admin = (...args: string[]) => kubectl(['--context', 'admin', ...args]);
    assert.equal((await admin('apply', '--server-side', '--force-conflicts', '-f', join(import.meta.dirname, '..', '..', 'deploy', 'crds', 'credentialroles.tempcreds.dev.yaml'))).status, 0);
    assert.equal((await admin('wait', '--for=condition=Established', '--timeout=20s', 'crd/credentialroles.tempcreds.dev')).status, 0);
    // Here the issuer also keeps the team's roles; its rights on them come from RBAC, like anyone's.
    const editor = uniqueName('walk-role-editor');
    for (const args of [['create', 'clusterrole', editor, '--verb=get,list,create,update,delete', '--resource=credentialroles.tempcreds.dev,credentialroles.tempcreds.dev/status'], ['create', 'clusterrolebinding', editor, `--clusterrole=${editor}`, '--user=tempcreds-issuer']]) {
      const result = await admin(...args);
      assert.equal(result.status, 0, result.stderr);
    }
    await waitFor(async () => (await kubectl(['--context', 'issuer', 'auth', 'can-i', 'create', 'credentialroles.tempcreds.dev'])).status === 0, { what: 'the issuer writing CredentialRoles' });
    await admin('delete', 'credentialroles.tempcreds.dev', 'sample-app', 'existing-role', 'rules', '--ignore-not-found');
    const tool = tempcreds(cluster.kubeconfig, { KUBECTL_TEMPCREDS_ROLES: 'cluster' });
    for await (const result of walkthrough(cluster, tool)) {
      await t.test(`step ${result.step}: ${result.title}`, () => {
        assert.ok(result.ok, `expected ${result.expected}, got ${result.actual}`);
      });
    }
    const stored = await admin('get', 'credentialroles.tempcreds.dev', '-o', 'name');
    assert.match(stored.stdout, /credentialrole\.tempcreds\.dev\/rules/);
    const localRoles = join(tool.home, 'roles');
    assert.equal(existsSync(localRoles) ? readdirSync(localRoles).length : 0, 0, 'no role was written to local files');
  });
});
