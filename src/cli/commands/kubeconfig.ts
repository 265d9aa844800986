// `kubeconfig ROLE -n NS`: a kubeconfig context whose credentials come from
// `kubectl-tempcreds token` — plain kubectl then works on short-lived tokens.

import { basename, resolve } from 'node:path';
import { readIssuer } from '../../adapters/kubeconfig.js';
import { kubeconfigToWrite, writeExecEntries } from '../../adapters/kubeconfig-file.js';
import { invalidInput } from '../../core/errors.js';
import { checkBinding } from '../../core/grant-plan.js';
import { defaultContextName, execEntries } from '../../core/kubeconfig-entry.js';
import { decideNamespace } from '../../core/namespace-policy.js';
import { unknownRole } from '../../core/role-spec.js';
import { requestTtl } from '../../core/ttl.js';
import { checkRefreshMargin, parseRefreshMargin } from '../../core/token-cache.js';
import type { CommandHandler } from '../command-spec.js';
import { runtimeFor } from '../global-options.js';
import { print } from '../io.js';
import type { kubeconfigSpec } from '../specs/kubeconfig.js';

export const kubeconfigCommand: CommandHandler<typeof kubeconfigSpec> = {
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const role = await runtime.roles.get(args.role);
    if (!role) throw unknownRole(args.role);
    const { namespace } = decideNamespace(role, args.namespace);
    // What the plugin would refuse on every kubectl call is refused here, before the kubeconfig changes.
    checkRefreshMargin(parseRefreshMargin(args['refresh-margin']), requestTtl(role, args.ttl).seconds);
    checkBinding(role, args['cluster-role-binding']);
    const issuer = readIssuer({ kubeconfig: args.kubeconfig, context: args.context ?? role.spec.issuerContext });
    if (issuer.execCommand && basename(issuer.execCommand).startsWith('kubectl-tempcreds')) {
      throw invalidInput(`context "${issuer.context}" itself gets its credentials from kubectl-tempcreds; pass --context with an issuer context that has its own credentials`);
    }
    const contextName = args['context-name'] ?? defaultContextName(role.name, namespace);
    if (contextName === issuer.context) throw invalidInput(`--context-name "${contextName}" is the issuer context; choose another name`);
    const target = kubeconfigToWrite(args.kubeconfig, process.env);
    const { user, context } = execEntries({
      role: role.name,
      namespace,
      issuerContext: issuer.context,
      cluster: issuer.cluster,
      contextName,
      ...(args.kubeconfig ? { kubeconfig: resolve(args.kubeconfig) } : {}),
      ttl: args.ttl,
      clusterRoleBinding: args['cluster-role-binding'],
      audiences: args.audience,
      tokenCache: args['token-cache'],
      refreshMargin: args['refresh-margin'],
    });
    await writeExecEntries(target, { user, context }, args.force);
    print(`context "${contextName}" written to ${target}: kubectl --context ${contextName} get pods`);
  },
};
