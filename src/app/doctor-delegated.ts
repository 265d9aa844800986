// `doctor --delegated`: is delegated issuance in place for this requester? The request API
// (both CRDs served, the admission policy installed), a controller that renewed its Lease
// recently, this identity's rights to ask (the requester ClusterRole in -n) and the roles it may
// `use`. What a requester may not read (the policy, the Lease) is a warning, not a failure.

import type { Check } from './doctor.js';

/** What the checks ask the API server, as the requester. */
export interface DelegationCheckPort {
  /** The resources the API group version serves (discovery), or undefined when it is not served. */
  servedResources(groupVersion: string): Promise<string[] | undefined>;
  /** An object read by path: its body, 'absent' (404) or 'forbidden' (403). */
  read(path: string): Promise<Record<string, unknown> | 'absent' | 'forbidden'>;
  /** SelfSubjectAccessReview: may this identity create CredentialRequests in `namespace`? */
  mayRequestIn(namespace: string): Promise<boolean>;
  /** The CredentialRole names this identity may `use` (SelfSubjectRulesReview; '*' for all). */
  usableRoles(namespace: string): Promise<string[]>;
}

export interface DelegationFacts {
  namespace?: string;
  now: Date;
  /** Where the controller's leader election Lease is. */
  lease: { namespace: string; name: string };
  policy: string;
}

const FIX_INSTALL = 'an admin runs kubectl tempcreds setup --controller';

export async function delegationChecks(port: DelegationCheckPort, facts: DelegationFacts): Promise<Check[]> {
  const checks: Check[] = [];
  const served = await port.servedResources('tempcreds.dev/v1alpha1');
  for (const resource of ['credentialrequests', 'credentialroles']) {
    checks.push(served?.includes(resource) ? { area: 'Delegation API', status: 'ok', message: `${resource}.tempcreds.dev is served` } : { area: 'Delegation API', status: 'fail', message: `${resource}.tempcreds.dev is not served`, fix: FIX_INSTALL });
  }
  const policy = await port.read(`/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${facts.policy}`);
  checks.push(
    policy === 'absent'
      ? { area: 'Admission', status: 'fail', message: `ValidatingAdmissionPolicy ${facts.policy} is missing: without it no controller issues`, fix: FIX_INSTALL }
      : policy === 'forbidden'
        ? { area: 'Admission', status: 'warn', message: `ValidatingAdmissionPolicy ${facts.policy}: this identity may not read it (requesters need not); the controller refuses to start without it` }
        : { area: 'Admission', status: 'ok', message: `ValidatingAdmissionPolicy ${facts.policy} is installed` },
  );
  checks.push(controllerCheck(await port.read(`/apis/coordination.k8s.io/v1/namespaces/${facts.lease.namespace}/leases/${facts.lease.name}`), facts));
  if (!facts.namespace) {
    checks.push({ area: 'Requester', status: 'warn', message: 'no -n: the rights to request credentials are checked per namespace', fix: 'run kubectl tempcreds doctor --delegated -n NAMESPACE' });
    return checks;
  }
  checks.push(
    (await port.mayRequestIn(facts.namespace))
      ? { area: 'Requester', status: 'ok', message: `may create CredentialRequests in ${facts.namespace}` }
      : { area: 'Requester', status: 'fail', message: `may not create CredentialRequests in ${facts.namespace}`, fix: `an admin binds ClusterRole tempcreds-requester to you in ${facts.namespace}` },
  );
  const roles = await port.usableRoles(facts.namespace);
  checks.push(
    roles.length > 0
      ? { area: 'Requester', status: 'ok', message: `may use CredentialRole${roles.length === 1 ? '' : 's'} ${roles.join(', ')}` }
      : { area: 'Requester', status: 'fail', message: 'may use no CredentialRole', fix: 'an admin runs kubectl tempcreds role grant ROLE --user YOU (or --serviceaccount NS/NAME)' },
  );
  return checks;
}

function controllerCheck(lease: Record<string, unknown> | 'absent' | 'forbidden', facts: DelegationFacts): Check {
  const where = `Lease ${facts.lease.namespace}/${facts.lease.name}`;
  if (lease === 'forbidden') return { area: 'Controller', status: 'warn', message: `${where}: this identity may not read it, so whether a controller runs is unknown here` };
  if (lease === 'absent') return { area: 'Controller', status: 'fail', message: `${where} does not exist: no controller has ever run`, fix: 'start it: kubectl tempcreds setup --controller deploys it (or run kubectl tempcreds controller)' };
  const spec = (lease.spec ?? {}) as { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
  const duration = (spec.leaseDurationSeconds ?? 15) * 1000;
  // Twice the lease duration: a takeover takes one, and clocks differ.
  if (spec.holderIdentity && !Number.isNaN(renewed) && facts.now.getTime() - renewed <= 2 * duration) {
    return { area: 'Controller', status: 'ok', message: `${spec.holderIdentity} leads (renewed ${spec.renewTime})` };
  }
  return { area: 'Controller', status: 'fail', message: `no controller renewed ${where} recently (last ${spec.renewTime ?? 'never'})`, fix: 'check the controller Deployment (kubectl -n tempcreds-system get pods) and its logs' };
}
