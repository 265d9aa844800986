import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TempcredsError } from '../../src/core/errors.ts';
import { accessChecks, describeAccess, issuerAccessChecks, setupSubjectFlag } from '../../src/core/issuer-checks.ts';
import { issuerBaseRules, issuerRules } from '../../src/core/issuer-rbac.ts';
import { issuerManifests, parseIssuerSubject, subjectUserName } from '../../src/core/issuer-setup.ts';

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

describe('issuerManifests', () => {
  it('plans ServiceAccount, ClusterRole (the issuer rules) and binding, in apply order', () => {
    const manifests = issuerManifests({ name: 'iss', subject: { kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }, withEscalation: false });
    assert.deepEqual(manifests.map((manifest) => manifest.kind), ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
    assert.deepEqual(manifests[1]!.rules, issuerRules(false));
    assert.deepEqual(manifests[2]!.subjects, [{ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }]);
    assert.equal(manifests.some((manifest) => 'app.kubernetes.io/managed-by' in manifest.metadata.labels), false, 'not the label of lease objects');
  });
  it('binds a user, with no ServiceAccount', () => {
    const manifests = issuerManifests({ name: 'iss', subject: { kind: 'User', name: 'alice' }, withEscalation: true });
    assert.deepEqual(manifests.map((manifest) => manifest.kind), ['ClusterRole', 'ClusterRoleBinding']);
    assert.deepEqual(manifests[0]!.rules, issuerRules(true));
    assert.equal(subjectUserName({ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }), 'system:serviceaccount:ns:sa');
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
  it('checks every verb of the base rules as required and escalate/bind apart', () => {
    const { required, escalation } = issuerAccessChecks();
    assert.equal(required.length, issuerBaseRules.reduce((sum, rule) => sum + (rule.resources?.length ?? 0) * rule.verbs.length * (rule.apiGroups?.length ?? 1), 0));
    assert.deepEqual([...new Set(escalation.map((check) => check.verb))].sort(), ['bind', 'escalate']);
  });
  it('says how setup names the identity', () => {
    assert.equal(setupSubjectFlag('system:serviceaccount:ns:sa'), '--service-account ns/sa');
    assert.equal(setupSubjectFlag('alice'), '--user alice');
  });
});
