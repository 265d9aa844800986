// Kubeconfig content the tool writes. The exec entries make kubectl run kubectl-tempcreds
// as a credential plugin: a user whose exec entry calls the binary directly (not through
// kubectl, which would add ~100 ms per call) and a context pairing it with the issuer's
// cluster; they never hold a token. The one kubeconfig with a token is `run`'s private,
// temporary one, removed when its command ends.

import { invalidInput } from './errors.js';
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
  /** Set when the role lives in the cluster: the plugin reads it there (--roles cluster). */
  roles?: 'cluster';
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
    ...(options.roles ? ['--roles', options.roles] : []),
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

/** The exec fields the tool writes; any other (env, say) was added by someone else. */
const TOOL_EXEC_FIELDS = new Set(['apiVersion', 'command', 'args', 'interactiveMode', 'provideClusterInfo']);

const onlyKeys = (value: unknown, allowed: Set<string>): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).every((key) => allowed.has(key));

/**
 * A user entry the tool wrote: its one credential is a `kubectl-tempcreds token` exec entry, with
 * nothing added. Judged by content rather than by a marker: a marker would survive
 * `kubectl config set-credentials` adding a token by hand, which replacing the entry would lose.
 */
export function isToolUser(entry: NamedEntry): boolean {
  if (!onlyKeys(entry.user, new Set(['exec']))) return false;
  const exec = entry.user.exec;
  if (!onlyKeys(exec, TOOL_EXEC_FIELDS) || typeof exec.command !== 'string' || !Array.isArray(exec.args)) return false;
  return exec.command.split('/').pop() === 'kubectl-tempcreds' && exec.args[0] === 'token';
}

/** A context entry the tool wrote: it pairs a cluster with the tool's user of its own name, in the same file. */
export function isToolContext(entry: NamedEntry, users: NamedEntry[]): boolean {
  if (!onlyKeys(entry.context, new Set(['cluster', 'user', 'namespace'])) || entry.context.user !== entry.name) return false;
  const user = users.find((item) => item?.name === entry.name);
  return user !== undefined && isToolUser(user);
}

/**
 * A kubeconfig file's content with the tool's user and context added or replaced. An entry of the
 * same name that the tool did not write is refused (the content unchanged) unless `force`.
 */
export function withExecEntries(
  config: Record<string, unknown>,
  entries: { user: NamedEntry; context: NamedEntry },
  options: { file: string; force: boolean },
): Record<string, unknown> {
  const users = Array.isArray(config.users) ? (config.users as NamedEntry[]) : [];
  const contexts = Array.isArray(config.contexts) ? (config.contexts as NamedEntry[]) : [];
  const foreign = [
    ...users.filter((item) => item?.name === entries.user.name && !isToolUser(item)).map(() => `user "${entries.user.name}"`),
    ...contexts.filter((item) => item?.name === entries.context.name && !isToolContext(item, users)).map(() => `context "${entries.context.name}"`),
  ];
  if (foreign.length > 0 && !options.force) {
    throw invalidInput(
      `the kubeconfig ${options.file} already has ${foreign.join(' and ')}, not written by kubectl-tempcreds: choose another --context-name, or pass --force to replace ${foreign.length > 1 ? 'them' : 'it'}`,
    );
  }
  return { apiVersion: 'v1', kind: 'Config', ...config, users: upsertNamed(users, entries.user), contexts: upsertNamed(contexts, entries.context) };
}

export function defaultContextName(role: string, namespace: string): string {
  return `tempcreds-${role}-${namespace}`;
}

/** A self-contained kubeconfig for one issued token (for `run`): one cluster, user, context. */
export function tokenKubeconfig(options: {
  server: string;
  certificateAuthorityData?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  token: string;
  namespace: string;
  name: string;
}) {
  const cluster = {
    server: options.server,
    ...(options.certificateAuthorityData ? { 'certificate-authority-data': options.certificateAuthorityData } : {}),
    ...(options.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(options.tlsServerName ? { 'tls-server-name': options.tlsServerName } : {}),
    ...(options.proxyUrl ? { 'proxy-url': options.proxyUrl } : {}),
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
