// `npm run demo [-- --delegated]`: the reference walkthrough against a local control plane this
// script starts (or the one named by TEMPCREDS_CLUSTER), printed step by step with the real
// HTTP outcomes. Exits non-zero if any outcome differs from the expected one. --delegated plays
// it as a non-admin requester, with the roles in the cluster and the controller issuing.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import { tempcreds } from '../helpers/tempcreds.ts';
import type { ControllerProcess } from '../helpers/controller-process.ts';
import { delegatedWalkthrough } from './delegated.ts';
import { createFixtures, walkthrough } from './walkthrough.ts';

const root = new URL('../../', import.meta.url);
execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });

const existing = process.env.TEMPCREDS_CLUSTER;
const cluster: ClusterInfo = existing ? (JSON.parse(readFileSync(existing, 'utf8')) as ClusterInfo) : await startCluster({ dir: mkdtempSync(join(tmpdir(), 'tempcreds-demo-')) });
let failed = 0;
const delegatedMode = process.argv.includes('--delegated');
let controller: ControllerProcess | undefined;
const stop = async () => {
  await controller?.stop();
  if (!existing) await stopCluster(cluster);
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
process.once('SIGTERM', () => void stop().then(() => process.exit(143)));
try {
  console.log(`Local control plane: ${cluster.server} (Kubernetes ${cluster.kubernetesVersion}); the tool acts as the non-admin "issuer" context.\n`);
  await createFixtures(cluster);
  console.log('Fixtures (admin): namespace demo, pod nginx, ServiceAccount sample-app, Role demo-role-list-pods, ClusterRole demo-cluster-role-list-pods, RoleBinding demo-role-abilities\n');
  const delegated = delegatedMode ? await delegatedWalkthrough(cluster) : undefined;
  controller = delegated?.controller;
  if (delegated) console.log('Delegated: the roles are CredentialRole objects, the requester "walkthrough-requester" asks with --delegated, a controller process issues\n');
  for await (const result of walkthrough(cluster, delegated?.requester ?? tempcreds(cluster.kubeconfig), delegated?.mode)) {
    if (!result.ok) failed++;
    console.log(`Step ${result.step}: ${result.title}`);
    for (const command of result.commands) console.log(`  $ ${command}`);
    console.log(`  expected: ${result.expected}`);
    console.log(`  got:      ${result.actual}   ${result.ok ? 'OK' : 'MISMATCH'}\n`);
  }
} finally {
  await stop();
}
console.log(failed === 0 ? 'All steps gave the expected outcome.' : `${failed} step(s) gave an unexpected outcome.`);
process.exitCode = failed === 0 ? 0 : 1;
