// `kubeconfig`: a kubeconfig context whose credentials come from `kubectl-tempcreds token`, so
// plain kubectl works on short-lived tokens. What the plugin would refuse on every kubectl call
// is refused here, before the kubeconfig changes.

import { basename } from 'node:path';
import { invalidInput } from '../core/errors.js';
import { checkBinding } from '../core/grant-plan.js';
import { defaultContextName, execEntries, type NamedEntry } from '../core/kubeconfig-entry.js';
import { decideNamespace } from '../core/namespace-policy.js';
import { unknownRole } from '../core/role-spec.js';
import { requestTtl } from '../core/ttl.js';
import { checkRefreshMargin, parseRefreshMargin } from '../core/token-cache.js';
import type { IssuerFingerprint, RoleRepository } from './ports.js';

export interface KubeconfigInput {
  role: string;
  namespace?: string;
  ttl?: string;
  clusterRoleBinding: boolean;
  audiences?: string[];
  /** --context: the issuer context (default: the role's, else the current one). */
  context?: string;
  /** --kubeconfig as an absolute path, for the exec entry to name. */
  kubeconfig?: string;
  contextName?: string;
  tokenCache?: string;
  refreshMargin?: string;
  /** Replace a user or context of the same name that kubectl-tempcreds did not write. */
  force: boolean;
  /** Set when the role lives in the cluster: the plugin reads it there (--roles cluster). */
  roles?: 'cluster';
}

export interface KubeconfigPorts {
  roles: Pick<RoleRepository, 'get'>;
  issuer(context: string | undefined): IssuerFingerprint;
  /** The kubeconfig file new entries go to: --kubeconfig, else kubectl's choice among $KUBECONFIG's files. */
  fileToWrite(): string;
  writeEntries(file: string, entries: { user: NamedEntry; context: NamedEntry }, force: boolean): Promise<void>;
}

/** Adds the user and context; answers the context's name and the file it went to. */
export async function addExecContext(ports: KubeconfigPorts, input: KubeconfigInput): Promise<{ contextName: string; file: string }> {
  const role = await ports.roles.get(input.role);
  if (!role) throw unknownRole(input.role);
  const { namespace } = decideNamespace(role, input.namespace);
  checkRefreshMargin(parseRefreshMargin(input.refreshMargin), requestTtl(role, input.ttl).seconds);
  checkBinding(role, input.clusterRoleBinding);
  const issuer = ports.issuer(input.context ?? role.spec.issuerContext);
  if (issuer.execCommand && basename(issuer.execCommand).startsWith('kubectl-tempcreds')) {
    throw invalidInput(`context "${issuer.context}" itself gets its credentials from kubectl-tempcreds; pass --context with an issuer context that has its own credentials`);
  }
  const contextName = input.contextName ?? defaultContextName(role.name, namespace);
  if (contextName === issuer.context) throw invalidInput(`--context-name "${contextName}" is the issuer context; choose another name`);
  const file = ports.fileToWrite();
  const entries = execEntries({
    role: role.name,
    namespace,
    issuerContext: issuer.context,
    cluster: issuer.cluster,
    contextName,
    ...(input.kubeconfig ? { kubeconfig: input.kubeconfig } : {}),
    ttl: input.ttl,
    clusterRoleBinding: input.clusterRoleBinding,
    audiences: input.audiences,
    tokenCache: input.tokenCache,
    refreshMargin: input.refreshMargin,
    ...(input.roles ? { roles: input.roles } : {}),
  });
  await ports.writeEntries(file, entries, input.force);
  return { contextName, file };
}
