import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delegationChecks, type DelegationCheckPort } from '../../src/app/doctor-delegated.ts';

const NOW = new Date('2025-01-01T00:00:30Z');
const FACTS = { namespace: 'team', now: NOW, lease: { namespace: 'tempcreds-system', name: 'tempcreds-controller' }, policy: 'tempcreds-credentialrequests' };

function port(overrides: Partial<DelegationCheckPort> = {}, lease: Record<string, unknown> | 'absent' | 'forbidden' = { spec: { holderIdentity: 'replica-a', renewTime: '2025-01-01T00:00:20.000000Z', leaseDurationSeconds: 15 } }): DelegationCheckPort {
  return {
    servedResources: async () => ['credentialrequests', 'credentialrequests/status', 'credentialroles'],
    read: async (path) => (path.includes('/leases/') ? lease : {}),
    mayRequestIn: async () => true,
    usableRoles: async () => ['reader'],
    ...overrides,
  };
}

const statuses = async (checkPort: DelegationCheckPort, facts = FACTS) => (await delegationChecks(checkPort, facts)).map((check) => `${check.status} ${check.area}: ${check.message}`);

describe('doctor --delegated', () => {
  it('all in place: the CRDs, the policy, a leading controller, the right to ask and the roles to use', async () => {
    assert.deepEqual(await statuses(port()), [
      'ok Delegation API: credentialrequests.tempcreds.dev is served',
      'ok Delegation API: credentialroles.tempcreds.dev is served',
      'ok Admission: ValidatingAdmissionPolicy tempcreds-credentialrequests is installed',
      'ok Controller: replica-a leads (renewed 2025-01-01T00:00:20.000000Z)',
      'ok Requester: may create CredentialRequests in team',
      'ok Requester: may use CredentialRole reader',
    ]);
  });

  it('nothing installed, no controller, no rights: each a failure with its fix', async () => {
    const checks = await delegationChecks(port({ servedResources: async () => undefined, read: async () => 'absent', mayRequestIn: async () => false, usableRoles: async () => [] }), FACTS);
    assert.deepEqual(checks.map((check) => check.status), ['fail', 'fail', 'fail', 'fail', 'fail', 'fail']);
    assert.ok(checks.every((check) => check.fix));
  });

  it('a controller that stopped renewing is a failure; what a requester may not read is a warning', async () => {
    const stale = await statuses(port({}, { spec: { holderIdentity: 'replica-a', renewTime: '2024-12-31T23:59:00.000000Z', leaseDurationSeconds: 15 } }));
    assert.match(stale[3]!, /^fail Controller: no controller renewed Lease tempcreds-system\/tempcreds-controller recently/);
    const hidden = await statuses(port({ read: async () => 'forbidden' }));
    assert.match(hidden[2]!, /^warn Admission: .*may not read it/);
    assert.match(hidden[3]!, /^warn Controller: .*may not read it/);
  });

  it('without -n the requester rights are a warning naming -n', async () => {
    const checks = await delegationChecks(port(), { ...FACTS, namespace: undefined });
    assert.deepEqual(checks.at(-1), { area: 'Requester', status: 'warn', message: 'no -n: the rights to request credentials are checked per namespace', fix: 'run kubectl tempcreds doctor --delegated -n NAMESPACE' });
  });
});
