// `kubeconfig`: a kubeconfig context whose credentials come from `kubectl-tempcreds token`, so
// plain kubectl works on short-lived tokens. What the plugin would refuse on every kubectl call
// is refused here, before the kubeconfig changes.

import { basename } from 'node:path';
import { invalidInput } from '../core/errors.js';
import { checkBinding } from '../core/grant-plan.js';
import { defaultContextName, execEntries, type NamedEntry } from '../core/kubeconfig-entry.js';
import { decideNamespace } from '../core/namespace-policy.js';
import { unknownRole } from '../core/role-spec.js';
import { parseRequestedTtl, requestTtl } from '../core/ttl.js';
import { checkAsk } from '../core/delegated-request.js';
import { parseWaitTimeout } from '../core/delegated-mode.js';
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
  /** --delegated: the plugin requests from the controller as --context (the role is the cluster's). */
  delegated?: { waitTimeout?: string };
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
  const { namespace, issuerContext } = input.delegated ? decideDelegated(input) : await decideLocal(ports, input);
  const issuer = ports.issuer(issuerContext);
  if (issuer.execCommand && basename(issuer.execCommand).startsWith('kubectl-tempcreds')) {
    throw invalidInput(`context "${issuer.context}" itself gets its credentials from kubectl-tempcreds; pass --context with ${input.delegated ? 'your own identity\'s context' : 'an issuer context that has its own credentials'}`);
  }
  const contextName = input.contextName ?? defaultContextName(input.role, namespace);
  if (contextName === issuer.context) throw invalidInput(`--context-name "${contextName}" is the issuer context; choose another name`);
  const file = ports.fileToWrite();
  const entries = execEntries({
    role: input.role,
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
    ...(input.delegated ? { delegated: true, waitTimeout: input.delegated.waitTimeout } : {}),
  });
  await ports.writeEntries(file, entries, input.force);
  return { contextName, file };
}

/** A local role's namespace policy, TTL and binding rules, and its issuer context. */
async function decideLocal(ports: KubeconfigPorts, input: KubeconfigInput): Promise<{ namespace: string; issuerContext: string | undefined }> {
  const role = await ports.roles.get(input.role);
  if (!role) throw unknownRole(input.role);
  const { namespace } = decideNamespace(role, input.namespace);
  checkRefreshMargin(parseRefreshMargin(input.refreshMargin), requestTtl(role, input.ttl).seconds);
  checkBinding(role, input.clusterRoleBinding);
  return { namespace, issuerContext: input.context ?? role.spec.issuerContext };
}

/** Delegated: the role is the cluster's, so only what the plugin itself would refuse is checked here. */
function decideDelegated(input: KubeconfigInput): { namespace: string; issuerContext: string | undefined } {
  const { namespace } = checkAsk(input);
  if (input.ttl !== undefined) checkRefreshMargin(parseRefreshMargin(input.refreshMargin), parseRequestedTtl(input.ttl));
  if (input.delegated?.waitTimeout !== undefined) parseWaitTimeout(input.delegated.waitTimeout);
  return { namespace, issuerContext: input.context };
}
