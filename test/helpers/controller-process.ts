// Delegated issuance end to end (#15): a control plane of its own (a controller watches every
// namespace's requests: it must not meet another test file's), the request API and a
// CredentialRole CRD installed, a least-privilege controller identity (setup's issuer
// ServiceAccount plus request, role and Lease rights), and `kubectl tempcreds controller` run as
// a process of the built tool. stderr is kept in memory, never printed (it must hold no token).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPCREDS_API_VERSION as API_VERSION } from '../../src/core/delegation-names.ts';
import { apiRequest, startCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import { waitFor } from './cluster.ts';
import { controllerIdentity, installRequestApi } from './delegation.ts';
import { createNamespace, uniqueName } from './fixtures.ts';
import { TEMPCREDS_BIN } from './tempcreds.ts';

const RBAC = 'rbac.authorization.k8s.io';

export interface ControllerProcess {
  child: ChildProcess;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface DelegationCluster {
  cluster: ClusterInfo;
  /** Namespaces the controller's issuer identity serves. */
  namespaces: string[];
  admin(method: string, path: string, body?: unknown): ReturnType<typeof apiRequest>;
  /** A CredentialRole in the cluster (as an admin would apply it). */
  createRole(name: string, spec: Record<string, unknown>): Promise<void>;
  startController(id?: string): Promise<ControllerProcess>;
}

/** Stand-in CredentialRole CRD (any spec: the controller validates it) where setup's manifest is not installed. */
const ROLE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'credentialroles.tempcreds.dev' },
  spec: {
    group: 'tempcreds.dev',
    scope: 'Cluster',
    names: { plural: 'credentialroles', singular: 'credentialrole', kind: 'CredentialRole', shortNames: ['cr', 'credrole'] },
    versions: [{ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

/** A control plane of its own, prepared for delegated issuance in `namespaces`. */
export async function delegationCluster(namespaces: string[]): Promise<DelegationCluster> {
  const cluster = await startCluster();
  for (const namespace of namespaces) await createNamespace(namespace, {}, cluster);
  return prepareDelegation(cluster, namespaces);
}

/** The request API, a role CRD and a controller identity serving `namespaces` (which exist) in `cluster` (the bench's, say). */
export async function prepareDelegation(cluster: ClusterInfo, namespaces: string[], { setupFlags = [] }: { setupFlags?: string[] } = {}): Promise<DelegationCluster> {
  const admin = (method: string, path: string, body?: unknown) => apiRequest(cluster, { method, path, body, identity: 'admin' });
  await installRequestApi(cluster);
  assert.ok([201, 409].includes((await admin('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', ROLE_CRD)).status));
  const leaseNamespace = uniqueName('tempcreds-system');
  await createNamespace(leaseNamespace, {}, cluster);
  const { kubeconfig } = await controllerIdentity(cluster, namespaces, {
    namespace: leaseNamespace,
    setupFlags,
    extraRules: [
      { apiGroups: ['tempcreds.dev'], resources: ['credentialroles'], verbs: ['get'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'], resourceNames: ['tempcreds-credentialrequests'], verbs: ['get'] },
    ],
  });
  for (const [path, body] of [
    [`/apis/${RBAC}/v1/namespaces/${leaseNamespace}/roles`, { metadata: { name: 'leader-election' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['tempcreds-controller'], verbs: ['get', 'update'] }] }],
    [`/apis/${RBAC}/v1/namespaces/${leaseNamespace}/rolebindings`, { metadata: { name: 'leader-election' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'leader-election' }, subjects: [{ kind: 'ServiceAccount', namespace: leaseNamespace, name: 'controller' }] }],
  ] as const) assert.equal((await admin('POST', path, body)).status, 201, path);

  const startController = async (id = uniqueName('replica')): Promise<ControllerProcess> => {
    const child = spawn(TEMPCREDS_BIN, ['controller', '--kubeconfig', kubeconfig, '--namespace', leaseNamespace, '--health-addr', '127.0.0.1:0', '--id', id, '--lease-duration', '4s'], {
      env: { ...process.env, KUBECTL_TEMPCREDS_HOME: mkdtempSync(join(tmpdir(), 'tempcreds-home-')) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    // Leading: it logs when it takes the Lease (a follower would not issue).
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`controller ${id} exited ${child.exitCode}: ${stderr.join('')}`);
      return stderr.join('').includes('"became the leader"') || undefined;
    }, { timeoutMs: 30_000, what: `controller ${id} to lead` });
    return { child, stderr, exited, stop };
  };

  return {
    cluster,
    namespaces,
    admin,
    createRole: async (name, spec) => {
      const created = await admin('POST', `/apis/${API_VERSION}/credentialroles`, { apiVersion: API_VERSION, kind: 'CredentialRole', metadata: { name }, spec });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    },
    startController,
  };
}
