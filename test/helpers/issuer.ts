// An issuer identity made the way users make one: `kubectl tempcreds setup` as the admin
// creates a ServiceAccount, its rights (`extra` says where: --namespaces or --all-namespaces) and guard; a TokenRequest token for that
// ServiceAccount goes into a private kubeconfig of its own. The token is never printed.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { apiRequest, type ClusterInfo } from '../controlplane/cluster.ts';
import { createNamespace } from './fixtures.ts';
import { tempcreds, type RunResult } from './tempcreds.ts';

export interface SetupIssuer {
  /** kubeconfig with one context, `sa-issuer` (current), authenticating as the ServiceAccount. */
  kubeconfig: string;
  /** The name of the objects setup created (ClusterRole, Roles, bindings, guard). */
  clusterRole: string;
  setup: RunResult;
}

export async function setupServiceAccountIssuer(cluster: ClusterInfo, { namespace, account, name, extra }: { namespace: string; account: string; name: string; extra: string[] }): Promise<SetupIssuer> {
  await createNamespace(namespace, {}, cluster);
  const admin = tempcreds(cluster.kubeconfig);
  const setup = await admin.run(['setup', '--service-account', `${namespace}/${account}`, '--name', name, '--context', 'admin', ...extra]);
  assert.equal(setup.status, 0, setup.stderr);
  const response = await apiRequest(cluster, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
    identity: 'admin',
  });
  assert.equal(response.status, 201, `TokenRequest for ${namespace}/${account}: HTTP ${response.status}`);
  const token = (response.body as { status: { token: string } }).status.token;
  const kubeconfig = join(admin.home, 'sa-issuer.kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': readFileSync(cluster.caFile).toString('base64') } }],
    users: [{ name: 'sa-issuer', user: { token } }],
    contexts: [{ name: 'sa-issuer', context: { cluster: 'local', user: 'sa-issuer' } }],
    'current-context': 'sa-issuer',
  };
  writeFileSync(kubeconfig, yaml.dump(config), { mode: 0o600 });
  return { kubeconfig, clusterRole: name, setup };
}
