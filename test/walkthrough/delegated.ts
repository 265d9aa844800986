// The walkthrough in delegated mode (#15): an admin writes the tutorial's roles as CredentialRole
// objects (each `role …` step is validated by the tool as a local role first, then applied to the
// cluster), a non-admin requester (a client certificate with the requester ClusterRole in demo
// and default and `use` on the tutorial's roles, nothing else) asks with --delegated, and the
// controller — a process of the built tool, with an issuer identity set up for demo and default,
// cluster-scoped — issues. Needs a control plane of its own: the controller watches every namespace.

import type { ClusterInfo } from '../controlplane/cluster.ts';
import { prepareDelegation, type ControllerProcess } from '../helpers/controller-process.ts';
import { allowRequests } from '../helpers/delegation.ts';
import { certificateUser } from '../helpers/requesters.ts';
import { tempcreds, type RunResult, type Tempcreds } from '../helpers/tempcreds.ts';
import { TEMPCREDS_API_VERSION as API_VERSION } from '../../src/core/delegation-names.ts';
import type { WalkthroughMode } from './walkthrough.ts';

const ROLES = ['sample-app', 'existing-role', 'rules'];

export async function delegatedWalkthrough(cluster: ClusterInfo): Promise<{ requester: Tempcreds; mode: WalkthroughMode; controller: ControllerProcess }> {
  const world = await prepareDelegation(cluster, ['demo', 'default'], { setupFlags: ['--cluster-scoped'] });
  const requester = certificateUser('walkthrough-requester', [], cluster);
  for (const namespace of ['demo', 'default']) await allowRequests(namespace, requester, ROLES, cluster);
  const author = tempcreds(cluster.kubeconfig);
  const applyRole = async (args: string[]): Promise<RunResult> => {
    const local = await author.run(args);
    if (local.status !== 0) return local;
    const shown = await author.run(['role', 'get', args[2]!, '-o', 'json']);
    if (shown.status !== 0) return shown;
    const { spec } = JSON.parse(shown.stdout) as { spec: Record<string, unknown> };
    const path = `/apis/${API_VERSION}/credentialroles`;
    const existing = await world.admin('GET', `${path}/${args[2]}`);
    const body = { apiVersion: API_VERSION, kind: 'CredentialRole', metadata: { name: args[2], ...(existing.status === 200 ? { resourceVersion: (existing.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion } : {}) }, spec };
    const applied = existing.status === 200 ? await world.admin('PUT', `${path}/${args[2]}`, body) : await world.admin('POST', path, body);
    return applied.status === 200 || applied.status === 201 ? local : { status: 1, stdout: '', stderr: `applying CredentialRole ${args[2]}: HTTP ${applied.status}` };
  };
  return { requester: tempcreds(requester.kubeconfig), mode: { applyRole }, controller: await world.startController() };
}
