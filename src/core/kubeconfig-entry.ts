// Kubeconfig content the tool writes. The exec entries make kubectl run kubectl-tempcreds
// as a credential plugin: a user whose exec entry calls the binary directly (not through
// kubectl, which would add ~100 ms per call) and a context pairing it with the issuer's
// cluster; they never hold a token. The one kubeconfig with a token is `run`'s private,
// temporary one, removed when its command ends.

import { EXEC_API_VERSIONS } from './exec-credential.js';

export interface ExecEntryOptions {
  role: string;
  namespace: string;
  issuerContext: string;
  cluster: string;
  contextName: string;
  /** Set when the issuer lives in an explicitly named kubeconfig file. */
  kubeconfig?: string;
  ttl?: string;
  clusterRoleBinding?: boolean;
  audiences?: string[];
  tokenCache?: string;
  refreshMargin?: string;
}

export interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

export function execEntries(options: ExecEntryOptions): { user: NamedEntry; context: NamedEntry } {
  const args = [
    'token',
    options.role,
    '--namespace',
    options.namespace,
    '--context',
    options.issuerContext,
    ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
    ...(options.ttl ? ['--ttl', options.ttl] : []),
    ...(options.clusterRoleBinding ? ['--cluster-role-binding'] : []),
    ...(options.audiences ?? []).flatMap((audience) => ['--audience', audience]),
    ...(options.tokenCache ? ['--token-cache', options.tokenCache] : []),
    ...(options.refreshMargin ? ['--refresh-margin', options.refreshMargin] : []),
  ];
  return {
    user: {
      name: options.contextName,
      user: { exec: { apiVersion: EXEC_API_VERSIONS[0], command: 'kubectl-tempcreds', args, interactiveMode: 'Never', provideClusterInfo: false } },
    },
    context: { name: options.contextName, context: { cluster: options.cluster, user: options.contextName, namespace: options.namespace } },
  };
}

/** Replaces the entry of the same name, or appends it: running the command twice changes nothing. */
export function upsertNamed(list: NamedEntry[] | undefined, entry: NamedEntry): NamedEntry[] {
  const entries = list ?? [];
  return entries.some((item) => item.name === entry.name) ? entries.map((item) => (item.name === entry.name ? entry : item)) : [...entries, entry];
}

export function defaultContextName(role: string, namespace: string): string {
  return `tempcreds-${role}-${namespace}`;
}

/** A self-contained kubeconfig for one issued token (for `run`): one cluster, user, context. */
export function tokenKubeconfig(options: { server: string; certificateAuthorityData?: string; insecureSkipTlsVerify?: boolean; token: string; namespace: string; name: string }) {
  const cluster = {
    server: options.server,
    ...(options.certificateAuthorityData ? { 'certificate-authority-data': options.certificateAuthorityData } : {}),
    ...(options.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: options.name, cluster }],
    users: [{ name: options.name, user: { token: options.token } }],
    contexts: [{ name: options.name, context: { cluster: options.name, user: options.name, namespace: options.namespace } }],
    'current-context': options.name,
  };
}
