import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDoctor, type DoctorPorts } from '../../src/app/doctor.ts';
import type { IssuerCheckPort } from '../../src/app/ports.ts';
import { describeAccess, type ResourceAccess } from '../../src/core/issuer-checks.ts';

function ports(denied: (access: ResourceAccess) => boolean, overrides: Partial<DoctorPorts> = {}): DoctorPorts {
  const port: IssuerCheckPort = {
    issuer: { context: 'issuer', cluster: 'local', server: 'https://127.0.0.1:6443', user: 'issuer' },
    serverVersion: async () => 'v1.35.4',
    supportsTokenRequest: async () => true,
    whoAmI: async () => 'system:serviceaccount:ns:issuer',
    canI: async (access) => !denied(access),
  };
  return {
    kubeconfig: () => ({ context: 'issuer', cluster: 'local', user: 'issuer', server: 'https://127.0.0.1:6443', files: ['/k'] }),
    connect: async () => port,
    tokenCache: async () => ({ kind: 'keychain', directory: '/c' }),
    state: async () => ({ directories: ['/s'], problems: [] }),
    ...overrides,
  };
}

const statuses = (checks: { area: string; status: string }[]) => checks.map(({ area, status }) => `${area}:${status}`);

describe('runDoctor', () => {
  it('is all OK when every review allows', async () => {
    const checks = await runDoctor(ports(() => false));
    assert.deepEqual(statuses(checks), ['kubeconfig:ok', 'API server:ok', 'TokenRequest:ok', 'permissions:ok', 'escalation:ok', 'token cache:ok', 'state:ok']);
  });

  it('names exactly the denied permission, with a setup fix that keeps the identity without escalation', async () => {
    const checks = await runDoctor(ports((access) => (access.verb === 'delete' && access.resource === 'secrets') || access.verb === 'bind' || access.verb === 'escalate'));
    const failed = checks.filter((check) => check.status === 'fail');
    assert.deepEqual(failed.map((check) => check.message), ['"system:serviceaccount:ns:issuer" cannot delete secrets (cluster-wide)']);
    assert.match(failed[0]!.fix!, /kubectl tempcreds setup --service-account ns\/issuer --no-escalate --context ADMIN_CONTEXT/);
    assert.equal(checks.find((check) => check.area === 'escalation')!.status, 'warn');
    assert.equal(describeAccess({ group: '', resource: 'secrets', verb: 'delete' }), 'delete secrets');
  });

  it('skips the cluster when the kubeconfig is unusable, and reports an unreachable server and a fallback cache', async () => {
    const noKubeconfig = await runDoctor(ports(() => false, { kubeconfig: () => { throw new Error('context "x" is not in the kubeconfig'); } }));
    assert.deepEqual(statuses(noKubeconfig).slice(0, 2), ['kubeconfig:fail', 'API server:fail']);
    const unreachable = await runDoctor(ports(() => false, { connect: async () => { throw new Error('cannot reach the API server'); }, tokenCache: async () => ({ kind: 'file', notice: 'no OS keychain answered', directory: '/c' }) }));
    assert.deepEqual(statuses(unreachable), ['kubeconfig:ok', 'API server:fail', 'token cache:warn', 'state:ok']);
  });
});
