// The credential flags that issue, run and kubeconfig share, and the request they make.

import type { InferredOptionTypes, Options } from 'yargs';
import type { IssueRequest } from '../app/issue.js';
import type { GlobalArgs } from './global-flags.js';

export const issueOptions = {
  ttl: { type: 'string', describe: "Token lifetime (default: the role's default TTL, else 1h; at least 10m)" },
  'cluster-role-binding': { type: 'boolean', default: false, describe: 'Bind cluster-wide (ClusterRoleBinding) instead of in the namespace; the role must allow it (--allow-cluster-role-binding)' },
  audience: { type: 'string', array: true, describe: "Token audience (repeatable; default: the role's default audiences, else the API server's)" },
} as const satisfies Record<string, Options>;

/** What the commands with these flags (and a role positional) parse. */
export type IssueArgs = InferredOptionTypes<typeof issueOptions> & Pick<GlobalArgs, 'namespace'> & { role: string };

export function issueRequest(args: IssueArgs): IssueRequest {
  return { role: args.role, namespace: args.namespace, ttl: args.ttl, clusterRoleBinding: args['cluster-role-binding'], audiences: args.audience };
}
