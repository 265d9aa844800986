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
    contextNames: () => ['issuer', 'admin', 'ci'],
    roles: async () => ({ roles: [{ name: 'reader' }], unreadable: [] }),
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
    assert.deepEqual(statuses(checks), ['kubeconfig:ok', 'API server:ok', 'TokenRequest:ok', 'permissions:ok', 'cluster scope:ok', 'escalation:ok', 'roles:ok', 'token cache:ok', 'state:ok']);
  });

  it('checks an issuer set up with --namespaces in the namespaces its roles and -n name, not cluster-wide', async () => {
    const clusterScoped = new Set(['clusterroles', 'clusterrolebindings']);
    // Rights in team-a and team-b only; nothing cluster-scoped; namespaces readable cluster-wide.
    const namespacedIssuer = (access: ResourceAccess) => access.resource !== 'namespaces' && (clusterScoped.has(access.resource) ? !access.namespace || access.verb !== 'bind' && access.verb !== 'escalate' : !['team-a', 'team-b'].includes(access.namespace ?? ''));
    const roles = async () => ({ roles: [{ name: 'a', allowedNamespaces: ['team-a', '*'] }, { name: 'other', issuerContext: 'ci', allowedNamespaces: ['elsewhere'] }], unreadable: [] });
    const checks = await runDoctor(ports(namespacedIssuer, { roles, namespace: 'team-b' }));
    assert.deepEqual(statuses(checks).slice(3, 6), ['permissions:ok', 'cluster scope:warn', 'escalation:ok']);
    assert.equal(checks[3]!.message, '"system:serviceaccount:ns:issuer" holds all 19 permissions the issuer needs, in namespaces team-a, team-b');
    assert.match(checks[4]!.fix!, /setup --service-account ns\/issuer --namespaces team-a,team-b --cluster-scoped --context ADMIN_CONTEXT/);

    const elsewhere = await runDoctor(ports(namespacedIssuer, { roles, namespace: 'team-c' }));
    const failed = elsewhere.filter((check) => check.status === 'fail');
    assert.equal(failed.length, 18);
    assert.equal(failed[0]!.message, '"system:serviceaccount:ns:issuer" cannot get serviceaccounts (in namespace team-c)');
    assert.match(failed[0]!.fix!, /setup --service-account ns\/issuer --namespaces team-a,team-c --context ADMIN_CONTEXT/);

    const unknown = await runDoctor(ports(namespacedIssuer, { roles: async () => ({ roles: [], unreadable: [] }) }));
    assert.deepEqual(unknown.filter((check) => check.status === 'fail').map((check) => check.message), ['"system:serviceaccount:ns:issuer" has no issuer rights cluster-wide, and no namespace it serves is known here']);
  });

  it('names exactly the denied permission, with a setup fix that keeps the identity without escalation', async () => {
    const checks = await runDoctor(ports((access) => (access.verb === 'delete' && access.resource === 'secrets') || access.verb === 'bind' || access.verb === 'escalate'));
    const failed = checks.filter((check) => check.status === 'fail');
    assert.deepEqual(failed.map((check) => check.message), ['"system:serviceaccount:ns:issuer" cannot delete secrets (cluster-wide)']);
    assert.match(failed[0]!.fix!, /kubectl tempcreds setup --service-account ns\/issuer --all-namespaces --cluster-scoped --no-escalate --context ADMIN_CONTEXT/);
    assert.equal(checks.find((check) => check.area === 'escalation')!.status, 'warn');
    assert.equal(describeAccess({ group: '', resource: 'secrets', verb: 'delete' }), 'delete secrets');
  });

  it('skips the cluster when the kubeconfig is unusable, and reports an unreachable server and a fallback cache', async () => {
    const noKubeconfig = await runDoctor(ports(() => false, { kubeconfig: () => { throw new Error('context "x" is not in the kubeconfig'); } }));
    assert.deepEqual(statuses(noKubeconfig).slice(0, 2), ['kubeconfig:fail', 'API server:fail']);
    const unreachable = await runDoctor(ports(() => false, { connect: async () => { throw new Error('cannot reach the API server'); }, tokenCache: async () => ({ kind: 'file', notice: 'no OS keychain answered', directory: '/c' }) }));
    assert.deepEqual(statuses(unreachable), ['kubeconfig:ok', 'API server:fail', 'roles:ok', 'token cache:warn', 'state:ok']);
  });

  it('fails a role whose issuer context the kubeconfig lacks, and an unreadable role file, saying how to fix them', async () => {
    const checks = await runDoctor(
      ports(() => false, {
        roles: async () => ({ roles: [{ name: 'reader' }, { name: 'deployer', issuerContext: 'prod-issuer' }, { name: 'ci', issuerContext: 'ci' }], unreadable: ['/r/bad.json: not JSON'] }),
      }),
    );
    const roles = checks.filter((check) => check.area === 'roles');
    assert.deepEqual(
      roles.map(({ status, message }) => `${status} ${message}`),
      ['fail /r/bad.json: not JSON', 'fail role "deployer" issues through context "prod-issuer", which the kubeconfig does not have'],
    );
    assert.equal(roles[1]!.fix, 'kubectl tempcreds role update deployer --issuer-context CONTEXT, or add the context to the kubeconfig (kubectl config set-context)');
  });

  it('names the other issuer contexts roles use, to check them too; says when there are no roles', async () => {
    const others = await runDoctor(ports(() => false, { roles: async () => ({ roles: [{ name: 'a', issuerContext: 'ci' }, { name: 'b', issuerContext: 'issuer' }, { name: 'c', issuerContext: 'ci' }], unreadable: [] }) }));
    assert.equal(others.find((check) => check.area === 'roles')!.message, '3 role(s); some issue through "ci": check with kubectl tempcreds doctor --context NAME');
    const none = await runDoctor(ports(() => false, { roles: async () => ({ roles: [], unreadable: [] }) }));
    assert.equal(none.find((check) => check.area === 'roles')!.message, 'no roles yet (kubectl tempcreds role create)');
  });

  it('with an unreadable kubeconfig, roles are not checked against it', async () => {
    const checks = await runDoctor(
      ports(() => false, {
        kubeconfig: () => { throw new Error('the kubeconfig /k is not valid YAML'); },
        contextNames: () => { throw new Error('the kubeconfig /k is not valid YAML'); },
        roles: async () => ({ roles: [{ name: 'deployer', issuerContext: 'prod-issuer' }], unreadable: [] }),
      }),
    );
    assert.deepEqual(statuses(checks), ['kubeconfig:fail', 'API server:fail', 'roles:ok', 'token cache:ok', 'state:ok']);
  });

  it('checks the CredentialRole CRD when asked: required for cluster roles, a note for local ones; not-Ready cluster roles fail with how to fix them', async () => {
    const crd = async (served: string[] | undefined, roleSource: 'local' | 'cluster', unreadable: string[] = []) =>
      (await runDoctor(ports(() => false, { roleSource, servedRoleVersions: async () => served, roles: async () => ({ roles: [], unreadable }) }))).filter(({ area }) => area === 'CRD' || area === 'roles');
    assert.deepEqual(await crd(['v1alpha1'], 'cluster'), [
      { area: 'CRD', status: 'ok', message: 'credentialroles.tempcreds.dev is installed and serves v1alpha1' },
      { area: 'roles', status: 'ok', message: 'no roles yet (kubectl tempcreds role create)' },
    ]);
    assert.deepEqual((await crd(undefined, 'local'))[0]!.status, 'ok');
    assert.match((await crd(undefined, 'local'))[0]!.message, /is not installed \(roles are local here\)/);
    const missing = (await crd(undefined, 'cluster'))[0]!;
    assert.deepEqual([missing.status, missing.message], ['fail', 'credentialroles.tempcreds.dev is not installed: --roles cluster has no roles to read']);
    assert.match(missing.fix!, /kubectl tempcreds setup/);
    const otherVersion = (await crd(['v1beta1'], 'cluster'))[0]!;
    assert.deepEqual([otherVersion.status, otherVersion.message], ['fail', 'credentialroles.tempcreds.dev serves v1beta1, not v1alpha1, which this build reads']);
    const [, notReady] = await crd(['v1alpha1'], 'cluster', ['CredentialRole "x" is not valid (Ready=False): nameTemplate must contain {{lease}}']);
    assert.deepEqual([notReady!.status, notReady!.message], ['fail', 'CredentialRole "x" is not valid (Ready=False): nameTemplate must contain {{lease}}']);
    assert.match(notReady!.fix!, /kubectl edit credentialrole NAME/);
  });
});
