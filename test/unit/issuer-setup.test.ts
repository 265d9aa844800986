import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TempcredsError } from '../../src/core/errors.ts';
import { accessChecks, describeAccess, issuerAccessChecks, setupSubjectFlag } from '../../src/core/issuer-checks.ts';
import { issuerClusterRules, issuerNamespacedRules, issuerNamespaceRules } from '../../src/core/issuer-rbac.ts';
import { checkIssuerName, GUARD_DENIAL, issuerManifests, isSetupObject, parseGuardMaxTtl, parseIssuerSubject, parseServedNamespaces, subjectUserName, type IssuerSetup } from '../../src/core/issuer-setup.ts';

describe('parseIssuerSubject', () => {
  it('reads --service-account NS/NAME and --user NAME', () => {
    assert.deepEqual(parseIssuerSubject({ serviceAccount: 'tempcreds/issuer' }), { kind: 'ServiceAccount', namespace: 'tempcreds', name: 'issuer' });
    assert.deepEqual(parseIssuerSubject({ user: 'ci@example.com' }), { kind: 'User', name: 'ci@example.com' });
  });
  for (const [input, message] of [
    [{}, /exactly one of --service-account/],
    [{ serviceAccount: 'a/b', user: 'c' }, /exactly one of --service-account/],
    [{ serviceAccount: 'issuer' }, /is not NAMESPACE\/NAME/],
    [{ serviceAccount: 'Bad/x_y' }, /namespace "Bad".*\n.*name "x_y"/],
    [{ user: ' ' }, /must not be empty/],
  ] as const) {
    it(`refuses ${JSON.stringify(input)} with exit code 2`, () => {
      assert.throws(() => parseIssuerSubject(input), (error: unknown) => error instanceof TempcredsError && error.exitCode === 2 && message.test(error.message));
    });
  }
});

describe('checkIssuerName', () => {
  it('takes names every object kind accepts (the guard policy needs a DNS subdomain)', () => {
    assert.equal(checkIssuerName('kubectl-tempcreds-issuer'), 'kubectl-tempcreds-issuer');
    assert.equal(checkIssuerName('a'.repeat(180)), 'a'.repeat(180));
    for (const name of ['Issuer', 'a_b', '..', 'a'.repeat(181)]) assert.throws(() => checkIssuerName(name), (error: unknown) => error instanceof TempcredsError && error.exitCode === 2 && error.message.startsWith(`--name "${name}" `));
  });
});

describe('parseGuardMaxTtl', () => {
  it('takes a duration a TokenRequest may ask for', () => {
    assert.equal(parseGuardMaxTtl('24h'), 86400);
    assert.equal(parseGuardMaxTtl('600'), 600);
    for (const text of ['5m', 'forever', String(2 ** 32), '']) {
      assert.throws(() => parseGuardMaxTtl(text), (error: unknown) => error instanceof TempcredsError && error.exitCode === 2 && error.message.startsWith(`--max-ttl "${text}" must be a duration from 10m`));
    }
  });
});

describe('parseServedNamespaces', () => {
  it('needs exactly one of --namespaces and --all-namespaces', () => {
    assert.deepEqual(parseServedNamespaces({ namespaces: 'b, a,b', allNamespaces: false }), ['b', 'a']);
    assert.equal(parseServedNamespaces({ allNamespaces: true }), 'all');
    for (const options of [{ allNamespaces: false }, { namespaces: 'a', allNamespaces: true }]) {
      assert.throws(() => parseServedNamespaces(options), (error: unknown) => error instanceof TempcredsError && error.exitCode === 2 && /--namespaces NS\[,NS…\] .* or --all-namespaces/.test(error.message));
    }
    assert.throws(() => parseServedNamespaces({ namespaces: 'ok,Bad_ns', allNamespaces: false }), /namespace "Bad_ns"/);
    assert.throws(() => parseServedNamespaces({ namespaces: ' , ', allNamespaces: false }), /at least one namespace/);
  });
});

describe('issuerManifests', () => {
  const setup = (overrides: Partial<IssuerSetup>): IssuerSetup => ({ name: 'iss', subject: { kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }, withEscalation: false, namespaces: ['a', 'b'], clusterScoped: false, guard: false, maxTtlSeconds: 86400, ...overrides });
  const kinds = (manifests: ReturnType<typeof issuerManifests>) => manifests.map(({ kind, metadata }) => `${kind}${metadata.namespace ? ` ${metadata.namespace}` : ''}`);

  it('with --namespaces: the namespaced rights only in a Role per namespace; cluster-wide only namespace labels', () => {
    const manifests = issuerManifests(setup({}));
    assert.deepEqual(kinds(manifests), ['ServiceAccount ns', 'ClusterRole', 'ClusterRoleBinding', 'Role a', 'RoleBinding a', 'Role b', 'RoleBinding b']);
    assert.deepEqual(manifests[1]!.rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }]);
    assert.deepEqual(manifests[3]!.rules, issuerNamespacedRules);
    assert.deepEqual(manifests[4]!.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'iss' });
    assert.deepEqual(manifests[4]!.subjects, [{ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }]);
    const granted = JSON.stringify(manifests[1]!.rules);
    for (const resource of ['secrets', 'serviceaccounts', 'clusterroles', 'clusterrolebindings']) assert.ok(!granted.includes(`"${resource}"`), `no cluster-wide ${resource}`);
    assert.equal(manifests.some((manifest) => 'app.kubernetes.io/managed-by' in manifest.metadata.labels), false, 'not the label of lease objects');
    const issuerLabels = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'issuer' };
    assert.ok(manifests.every((manifest) => isSetupObject(manifest, issuerLabels)));
  });

  it('cluster-scoped rights and escalation only when asked for; --all-namespaces puts the namespaced rights in the ClusterRole', () => {
    assert.deepEqual(issuerClusterRules({ withEscalation: false, allNamespaces: false, clusterScoped: true }).map((rule) => rule.resources), [['namespaces'], ['clusterroles', 'clusterrolebindings']]);
    assert.deepEqual(issuerClusterRules({ withEscalation: true, allNamespaces: false, clusterScoped: true }).at(-1), { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind', 'escalate'] });
    assert.deepEqual(issuerNamespaceRules(true).at(-1), { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'clusterroles'], verbs: ['bind', 'escalate'] });
    const everywhere = issuerManifests(setup({ subject: { kind: 'User', name: 'alice' }, namespaces: 'all', withEscalation: true }));
    assert.deepEqual(kinds(everywhere), ['ClusterRole', 'ClusterRoleBinding']);
    assert.deepEqual(everywhere[0]!.rules, issuerClusterRules({ withEscalation: true, allNamespaces: true, clusterScoped: false }));
    assert.deepEqual(everywhere[1]!.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }]);
    assert.equal(subjectUserName({ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }), 'system:serviceaccount:ns:sa');
  });

  it('installs the guard before any right, bound to the issuer user name only', () => {
    const manifests = issuerManifests(setup({ guard: true }));
    assert.deepEqual(kinds(manifests).slice(0, 5), ['ServiceAccount ns', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy', 'ClusterRole']);
    const policy = manifests[1]!.spec as { matchConditions: { expression: string }[]; failurePolicy: string; validations: unknown[] };
    assert.deepEqual(policy.matchConditions, [{ name: 'is-the-issuer', expression: 'request.userInfo.username == "system:serviceaccount:ns:sa"' }]);
    assert.equal(policy.failurePolicy, 'Fail');
    assert.deepEqual(manifests[2]!.spec, { policyName: 'iss', validationActions: ['Deny'] });
    const quoted = issuerManifests(setup({ guard: true, subject: { kind: 'User', name: 'a" || true || "' } }))[0]!.spec as typeof policy;
    assert.equal(quoted.matchConditions[0]!.expression, 'request.userInfo.username == "a\\" || true || \\""', 'a user name cannot break out of the CEL string');
  });

  type Policy = { matchConditions: { expression: string }[]; matchConstraints: { resourceRules: { operations: string[]; resources: string[] }[] }; validations: { expression: string; message: string }[] };
  const policies = (manifests: ReturnType<typeof issuerManifests>) => manifests.filter(({ kind }) => kind === 'ValidatingAdmissionPolicy').map(({ metadata, spec }) => ({ name: metadata.name, ...(spec as Policy) }));

  it('makes the issuer label what it creates, bind only ServiceAccounts, and keep tokens within --max-ttl', () => {
    const [issuer] = policies(issuerManifests(setup({ guard: true, maxTtlSeconds: 7200 })));
    assert.deepEqual(issuer!.matchConstraints.resourceRules.map(({ operations, resources }) => `${operations.join(',')} ${resources.join(',')}`), [
      'CREATE,UPDATE,DELETE secrets,serviceaccounts,serviceaccounts/token',
      'CREATE,UPDATE,DELETE roles,rolebindings,clusterroles,clusterrolebindings',
    ]);
    const messages = issuer!.validations.map(({ message }) => message);
    assert.ok(messages.includes('the kubectl-tempcreds issuer may create only objects labelled app.kubernetes.io/managed-by=kubectl-tempcreds'));
    assert.ok(messages.includes('the kubectl-tempcreds issuer may bind roles only to ServiceAccounts (the guard sees what they do in its namespaces)'));
    const lifetime = issuer!.validations.find(({ message }) => message.includes('tokens of at most'))!;
    assert.match(lifetime.expression, /object\.spec\.expirationSeconds <= 7200\)$/);
    assert.equal(lifetime.message, 'the kubectl-tempcreds issuer may request only tokens of at most 2h: ask for --ttl 2h or less, or have an admin re-run kubectl tempcreds setup --max-ttl LONGER');
    assert.ok(messages.every((message) => GUARD_DENIAL.test(`ValidatingAdmissionPolicy 'iss' with binding 'iss' denied request: ${message}`)), 'the adapter recognises every denial');
  });

  it("guards every ServiceAccount where the issuer serves: no token Secrets, no token beyond --max-ttl, bound per namespace", () => {
    const manifests = issuerManifests(setup({ guard: true }));
    const accounts = policies(manifests)[1]!;
    assert.equal(accounts.name, 'iss-accounts');
    assert.deepEqual(accounts.matchConditions, [{ name: 'is-a-service-account', expression: "request.userInfo.username.startsWith('system:serviceaccount:')" }]);
    assert.deepEqual(accounts.matchConstraints.resourceRules.map(({ resources }) => resources), [['secrets', 'serviceaccounts/token']]);
    assert.match(accounts.validations[0]!.expression, /object\.type != 'kubernetes\.io\/service-account-token'/);
    assert.match(accounts.validations[1]!.expression, /expirationSeconds <= 86400\)$/);
    assert.match(accounts.validations[1]!.message, /^ServiceAccounts in the namespaces the kubectl-tempcreds issuer serves may request only tokens of at most 24h/);
    // Each namespace's binding comes before the rights there, so they are never unguarded.
    assert.deepEqual(kinds(manifests).slice(-6), ['ValidatingAdmissionPolicyBinding', 'Role a', 'RoleBinding a', 'ValidatingAdmissionPolicyBinding', 'Role b', 'RoleBinding b']);
    const bindings = manifests.filter(({ kind, metadata }) => kind === 'ValidatingAdmissionPolicyBinding' && metadata.name !== 'iss');
    assert.deepEqual(bindings.map(({ metadata, spec }) => [metadata.name, spec]), ['a', 'b'].map((namespace) => [
      `iss-accounts.${namespace}`,
      { policyName: 'iss-accounts', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } },
    ]));
    const everywhere = issuerManifests(setup({ guard: true, namespaces: 'all' })).filter(({ kind }) => kind === 'ValidatingAdmissionPolicyBinding');
    assert.deepEqual(everywhere.map(({ metadata, spec }) => [metadata.name, spec]), [['iss', { policyName: 'iss', validationActions: ['Deny'] }], ['iss-accounts', { policyName: 'iss-accounts', validationActions: ['Deny'] }]]);
    assert.equal(issuerManifests(setup({})).some(({ kind }) => kind.startsWith('ValidatingAdmission')), false, '--no-guard: none');
  });
});

describe('issuer access checks', () => {
  it('expands rules into one check per verb and resource, subresources split', () => {
    assert.deepEqual(accessChecks([{ apiGroups: [''], resources: ['serviceaccounts/token', 'secrets'], verbs: ['create', 'get'] }]).map(describeAccess), [
      'create serviceaccounts/token',
      'get serviceaccounts/token',
      'create secrets',
      'get secrets',
    ]);
    assert.equal(describeAccess({ group: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'bind' }), 'bind roles.rbac.authorization.k8s.io');
  });
  it('checks every verb of the namespaced rules, namespaces cluster-wide, cluster scope and escalate/bind apart', () => {
    const { namespaced, clusterWide, clusterScoped, escalation } = issuerAccessChecks();
    assert.equal(namespaced.length, issuerNamespacedRules.reduce((sum, rule) => sum + (rule.resources?.length ?? 0) * rule.verbs.length * (rule.apiGroups?.length ?? 1), 0));
    assert.deepEqual(clusterWide.map(describeAccess), ['get namespaces']);
    assert.equal(clusterScoped.length, 8);
    assert.deepEqual([...new Set(escalation.map((check) => check.verb))].sort(), ['bind', 'escalate']);
  });
  it('says how setup names the identity', () => {
    assert.equal(setupSubjectFlag('system:serviceaccount:ns:sa'), '--service-account ns/sa');
    assert.equal(setupSubjectFlag('alice'), '--user alice');
  });
});
