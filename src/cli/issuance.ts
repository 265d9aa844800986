// A new lease as the command line asks for it: issued here as the issuer, or requested from the
// controller as oneself (--delegated). issue and run share it, so both behave the same either way.

import { issueLease, type IssuedLease } from '../app/issue.js';
import { parseWaitTimeout } from '../core/delegated-request.js';
import { issueDepsOf, requestLeaseDepsOf, type Runtime } from '../runtime.js';
import { isDelegated } from './global-options.js';
import { issueRequest, type IssueArgs } from './issue-options.js';

export async function issueFor(runtime: Runtime, args: IssueArgs): Promise<IssuedLease> {
  if (!isDelegated(args)) return issueLease(issueDepsOf(runtime), issueRequest(args));
  const waitMs = parseWaitTimeout(args['wait-timeout']);
  const { requestLease } = await import('../app/request-lease.js');
  return requestLease(requestLeaseDepsOf(runtime, waitMs), issueRequest(args));
}
