// A new lease as the command line asks for it: issued here as the issuer, or requested from the
// controller as oneself (--delegated).

import { issueLease, type IssuedLease } from '../app/issue.js';
import type { Composition } from '../compose.js';
import { parseWaitTimeout } from '../core/delegated-mode.js';
import { isDelegated } from './global-options.js';
import { issueRequest, type IssueArgs } from './issue-options.js';

export async function issueFor(root: Composition, args: IssueArgs): Promise<IssuedLease> {
  if (!isDelegated(args)) return issueLease(root.issueDeps, issueRequest(args));
  const { requestLease } = await import('../app/request-lease.js');
  return requestLease(root.requestLeaseDeps(parseWaitTimeout(args['wait-timeout'])), issueRequest(args));
}

/** run's delegation: how long to wait for the controller, or undefined to issue locally. */
export function delegationFor(args: IssueArgs): { waitMs: number } | undefined {
  return isDelegated(args) ? { waitMs: parseWaitTimeout(args['wait-timeout']) } : undefined;
}
