// The reference walkthrough, steps 1–15 and beyond, against the real API server with
// the tool acting as the non-admin issuer: every 200/403/401 is the server's own answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testCluster } from '../helpers/cluster.ts';
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
});
