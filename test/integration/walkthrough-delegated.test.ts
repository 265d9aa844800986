// The reference walkthrough, steps 1–15 and beyond, in delegated mode (#15): the roles are the
// cluster's, the requester a non-admin client certificate with --delegated, the controller a
// process of the built tool — on a control plane of its own (the controller watches every namespace).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCluster, stopCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import type { ControllerProcess } from '../helpers/controller-process.ts';
import { delegatedWalkthrough } from '../walkthrough/delegated.ts';
import { createFixtures, walkthrough } from '../walkthrough/walkthrough.ts';

describe('the Vault tutorial walkthrough, delegated', () => {
  let cluster: ClusterInfo | undefined;
  let controller: ControllerProcess | undefined;
  after(async () => {
    await controller?.stop();
    if (cluster) await stopCluster(cluster);
  });

  it('gives every step its expected outcome, requested with --delegated and issued by the controller', async (t) => {
    cluster = await startCluster();
    await createFixtures(cluster);
    const delegated = await delegatedWalkthrough(cluster);
    controller = delegated.controller;
    for await (const result of walkthrough(cluster, delegated.requester, delegated.mode)) {
      await t.test(`step ${result.step}: ${result.title}`, () => {
        assert.ok(result.ok, `expected ${result.expected}, got ${result.actual}`);
      });
    }
  });
});
