// `kubeconfig ROLE -n NS`: parses, and hands the flags to the use case (app/kubeconfig.ts) that
// adds a context whose credentials come from `kubectl-tempcreds token`.

import { resolve } from 'node:path';
import { addExecContext } from '../../app/kubeconfig.js';
import type { CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print } from '../io.js';
import type { kubeconfigSpec } from '../specs/kubeconfig.js';

export const kubeconfigCommand: CommandHandler<typeof kubeconfigSpec> = {
  handler: async (args) => {
    const root = composeFor(args);
    const { contextName, file } = await addExecContext(root.kubeconfigPorts, {
      role: args.role,
      namespace: args.namespace,
      ttl: args.ttl,
      clusterRoleBinding: args['cluster-role-binding'],
      audiences: args.audience,
      context: args.context,
      ...(args.kubeconfig ? { kubeconfig: resolve(args.kubeconfig) } : {}),
      contextName: args['context-name'],
      tokenCache: args['token-cache'],
      refreshMargin: args['refresh-margin'],
      force: args.force,
      ...(root.roleSource === 'cluster' ? { roles: 'cluster' as const } : {}),
    });
    print(`context "${contextName}" written to ${file}: kubectl --context ${contextName} get pods`);
  },
};
