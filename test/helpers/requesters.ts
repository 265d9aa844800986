// Real, non-admin identities for the tests of delegated issuance: a person (a client
// certificate signed by the test cluster's CA: CN = user name, O = groups) and a pipeline (a
// ServiceAccount's token). Each can call the API directly or through kubectl. Tokens stay in
// memory and in a private kubeconfig inside the cluster's dir; none is printed.

import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { apiRequest as clusterRequest, type ClusterInfo } from '../controlplane/cluster.ts';
import { httpsRequest, type HttpsResponse } from '../controlplane/https.ts';
import { createUserCert } from '../controlplane/pki.ts';
import { testCluster } from './cluster.ts';

export interface Identity {
  /** The user name the API server authenticates it as. */
  username: string;
  request(request: { method?: string; path: string; body?: unknown; contentType?: string }): Promise<HttpsResponse>;
  /** A kubeconfig (one context, current) for kubectl as this identity. */
  kubeconfig: string;
}

type Credentials = { clientCert: { cert: Buffer; key: Buffer }; token?: undefined } | { token: string; clientCert?: undefined };

function identity(cluster: ClusterInfo, username: string, file: string, credentials: Credentials): Identity {
  const user = credentials.token !== undefined
    ? { token: credentials.token }
    : { 'client-certificate-data': credentials.clientCert.cert.toString('base64'), 'client-key-data': credentials.clientCert.key.toString('base64') };
  const kubeconfig = path.join(cluster.dir, `kubeconfig-${file}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': fs.readFileSync(cluster.caFile).toString('base64') } }],
    users: [{ name: file, user }],
    contexts: [{ name: file, context: { cluster: 'local', user: file } }],
    'current-context': file,
  };
  fs.writeFileSync(kubeconfig, yaml.dump(config), { mode: 0o600 });
  return {
    username,
    kubeconfig,
    request: ({ method, path: requestPath, body, contentType }) =>
      httpsRequest({ url: cluster.server + requestPath, ca: fs.readFileSync(cluster.caFile), method, body, contentType, ...credentials }),
  };
}

/** A person: a client certificate for `user` in `groups`. */
export function certificateUser(user: string, groups: string[] = [], cluster: ClusterInfo = testCluster()): Identity {
  const pair = createUserCert(cluster.dir, user, groups);
  return identity(cluster, user, user, { clientCert: { cert: fs.readFileSync(pair.cert), key: fs.readFileSync(pair.key) } });
}

/** A pipeline: a new ServiceAccount `namespace/name` and a token for it (an hour). */
export async function serviceAccountUser(namespace: string, name: string, cluster: ClusterInfo = testCluster()): Promise<Identity> {
  // In `cluster`, which need not be the run's shared one.
  const account = await clusterRequest(cluster, { method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }, identity: 'admin' });
  if (account.status !== 201) throw new Error(`creating ServiceAccount ${namespace}/${name}: HTTP ${account.status}`);
  const response = await clusterRequest(cluster, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    identity: 'admin',
  });
  if (response.status !== 201) throw new Error(`TokenRequest for ${namespace}/${name}: HTTP ${response.status}`);
  const token = (response.body as { status: { token: string } }).status.token;
  return identity(cluster, `system:serviceaccount:${namespace}:${name}`, `sa-${namespace}-${name}`, { token });
}
