import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownedByAnchor, planGrant, type GrantRequest, type Manifest } from '../../src/core/grant-plan.ts';
import { refOf } from '../../src/core/object-ref.ts';
import { roleMode, type RoleDefinition } from '../../src/core/role-spec.ts';
import { FIXED_SUFFIX, NOW, RULES, invalid, role } from './fakes.ts';

const NAME = `tc-reader-${FIXED_SUFFIX}`;
const RBAC = 'rbac.authorization.k8s.io';

function request(definition: RoleDefinition, overrides: Partial<GrantRequest> = {}): GrantRequest {
  return { role: definition, namespace: 'dev', ttlSeconds: 3600, clusterRoleBinding: false, audiences: [], leaseSuffix: FIXED_SUFFIX, issuedBy: 'issuer', now: NOW, ...overrides };
}

/** kind + namespace of each object of each round, e.g. [["ServiceAccount dev", "Role dev"], ["RoleBinding dev", "token"]]. */
function shape(plan: ReturnType<typeof planGrant>): string[][] {
  return plan.rounds.map((round) => [...round.create.map((manifest) => `${manifest.kind}${manifest.metadata.namespace ? ` ${manifest.metadata.namespace}` : ''}`), ...(round.requestToken ? ['token'] : [])]);
}

function allManifests(plan: ReturnType<typeof planGrant>): Manifest[] {
  return [plan.anchor, ...plan.rounds.flatMap((round) => round.create)];
}

const serviceAccountRole = role('reader', { serviceAccount: 'deployer' });
const kubernetesRoleRole = role('reader', { kubernetesRole: 'view' });
const rulesRole = role('reader', { rules: RULES });

describe('planGrant: the anchor', () => {
  // The anchor alone names the lease's ServiceAccount and the kinds created after it, in round order.
  for (const [definition, serviceAccount, objects] of [
    [serviceAccountRole, 'deployer', ''],
    [kubernetesRoleRole, NAME, 'ServiceAccount,RoleBinding'],
    [rulesRole, NAME, 'ServiceAccount,Role,RoleBinding'],
  ] as const) {
    it(`is an Opaque Secret in the lease's namespace (${roleMode(definition.spec)} mode)`, () => {
      const plan = planGrant(request(definition));
      assert.deepEqual(plan.anchor, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: NAME,
          namespace: 'dev',
          labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': 'reader', 'tempcreds.dev/lease': FIXED_SUFFIX },
          annotations: {
            'tempcreds.dev/lease-id': `reader/${FIXED_SUFFIX}`,
            'tempcreds.dev/expires-at': '2025-01-01T01:00:00.000Z',
            'tempcreds.dev/issued-by': 'issuer',
            'tempcreds.dev/service-account': serviceAccount,
            'tempcreds.dev/objects': objects,
          },
        },
      });
    });
  }

  it('lists exactly the kinds the rounds create, in order, for every mode and binding', () => {
    for (const [definition, clusterRoleBinding, expected] of [
      [role('reader', { kubernetesRole: 'view', roleType: 'ClusterRole', allowClusterRoleBinding: true }), true, 'ServiceAccount,ClusterRoleBinding'],
      [role('reader', { rules: RULES, roleType: 'ClusterRole' }), false, 'ServiceAccount,ClusterRole,RoleBinding'],
      [role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true }), true, 'ServiceAccount,ClusterRole,ClusterRoleBinding'],
    ] as const) {
      const plan = planGrant(request(definition, { clusterRoleBinding }));
      const created = plan.rounds.flatMap((round) => round.create.map((manifest) => manifest.kind));
      assert.equal(plan.anchor.metadata.annotations['tempcreds.dev/objects'], expected);
      assert.equal(created.join(','), expected);
      assert.equal(plan.anchor.metadata.annotations['tempcreds.dev/service-account'], plan.serviceAccountName);
    }
  });
});

describe('planGrant: serviceAccount mode', () => {
  const plan = planGrant(request(serviceAccountRole, { audiences: ['vault'], ttlSeconds: 1200 }));
  it('one round after the anchor, with only the token', () => assert.deepEqual(shape(plan), [['token']]));
  it('uses the existing ServiceAccount and creates none', () => {
    assert.equal(plan.serviceAccountName, 'deployer');
    assert.equal(plan.serviceAccountCreated, false);
    assert.equal(plan.bindingKind, undefined);
  });
  it('requests the token for it', () => {
    assert.deepEqual(plan.token, { serviceAccountName: 'deployer', namespace: 'dev', expirationSeconds: 1200, audiences: ['vault'] });
  });
  it('refuses --cluster-role-binding', () => {
    assert.throws(
      () => planGrant(request(serviceAccountRole, { clusterRoleBinding: true })),
      invalid('--cluster-role-binding does not apply to role "reader": it uses the existing ServiceAccount "deployer" and creates no binding'),
    );
  });
});

describe('planGrant: kubernetesRole mode', () => {
  const plan = planGrant(request(kubernetesRoleRole));
  it('rounds: [ServiceAccount + binding], [token]', () => assert.deepEqual(shape(plan), [['ServiceAccount dev', 'RoleBinding dev'], ['token']]));
  it('creates a ServiceAccount and binds the existing role to it', () => {
    const [serviceAccount, binding] = plan.rounds[0]!.create;
    assert.equal(serviceAccount!.metadata.name, NAME);
    assert.deepEqual(binding!.roleRef, { apiGroup: RBAC, kind: 'Role', name: 'view' });
    assert.deepEqual(binding!.subjects, [{ kind: 'ServiceAccount', name: NAME, namespace: 'dev' }]);
    assert.equal(binding!.apiVersion, `${RBAC}/v1`);
    assert.equal(plan.serviceAccountName, NAME);
    assert.equal(plan.serviceAccountCreated, true);
    assert.equal(plan.bindingKind, 'RoleBinding');
    assert.equal(plan.token.serviceAccountName, NAME);
  });
  it('a RoleBinding may reference a ClusterRole', () => {
    const binding = planGrant(request(role('reader', { kubernetesRole: 'view', roleType: 'ClusterRole' }))).rounds[0]!.create[1]!;
    assert.equal(binding.kind, 'RoleBinding');
    assert.equal(binding.metadata.namespace, 'dev');
    assert.deepEqual(binding.roleRef, { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' });
  });
  it('roleRefType decides the kind the binding references', () => {
    const binding = planGrant(request(role('reader', { kubernetesRole: 'view', roleRefType: 'ClusterRole' }))).rounds[0]!.create[1]!;
    assert.deepEqual(binding.roleRef, { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' });
  });
  it('--cluster-role-binding with a ClusterRole makes a cluster-scoped ClusterRoleBinding', () => {
    const clusterPlan = planGrant(request(role('reader', { kubernetesRole: 'view', roleType: 'ClusterRole', allowClusterRoleBinding: true }), { clusterRoleBinding: true }));
    assert.deepEqual(shape(clusterPlan), [['ServiceAccount dev', 'ClusterRoleBinding'], ['token']]);
    assert.equal(clusterPlan.bindingKind, 'ClusterRoleBinding');
    assert.deepEqual(clusterPlan.rounds[0]!.create[1]!.subjects, [{ kind: 'ServiceAccount', name: NAME, namespace: 'dev' }]);
  });
  it('refuses --cluster-role-binding when the role does not allow it: it would void allowedNamespaces', () => {
    assert.throws(
      () => planGrant(request(role('reader', { kubernetesRole: 'view', roleType: 'ClusterRole' }), { clusterRoleBinding: true })),
      invalid(
        'role "reader" does not allow --cluster-role-binding: a ClusterRoleBinding grants its rules in every namespace, not only in the role\'s allowed namespaces; to allow it: kubectl tempcreds role update reader --allow-cluster-role-binding',
      ),
    );
  });
  it('refuses --cluster-role-binding for a Role ref (Vault: a ClusterRoleBinding cannot ref a Role)', () => {
    assert.throws(
      () => planGrant(request(kubernetesRoleRole, { clusterRoleBinding: true })),
      invalid(
        '--cluster-role-binding cannot be used with role "reader": a ClusterRoleBinding cannot ref a Role (set --role-type ClusterRole on the role, or drop --cluster-role-binding)',
      ),
    );
  });
});

describe('planGrant: rules mode', () => {
  const plan = planGrant(request(rulesRole));
  it('rounds: [ServiceAccount + Role], [binding + token]', () => assert.deepEqual(shape(plan), [['ServiceAccount dev', 'Role dev'], ['RoleBinding dev', 'token']]));
  it('generates a Role with the rules and binds it', () => {
    const generated = plan.rounds[0]!.create[1]!;
    assert.equal(generated.apiVersion, `${RBAC}/v1`);
    assert.deepEqual(generated.rules, RULES);
    assert.deepEqual(plan.rounds[1]!.create[0]!.roleRef, { apiGroup: RBAC, kind: 'Role', name: NAME });
  });
  it('a generated ClusterRole is cluster-scoped', () => {
    const clusterPlan = planGrant(request(role('reader', { rules: RULES, roleType: 'ClusterRole' })));
    assert.deepEqual(shape(clusterPlan), [['ServiceAccount dev', 'ClusterRole'], ['RoleBinding dev', 'token']]);
    assert.deepEqual(clusterPlan.rounds[1]!.create[0]!.roleRef, { apiGroup: RBAC, kind: 'ClusterRole', name: NAME });
  });
  it('--cluster-role-binding with a generated ClusterRole', () => {
    const clusterPlan = planGrant(request(role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true }), { clusterRoleBinding: true }));
    assert.deepEqual(shape(clusterPlan), [['ServiceAccount dev', 'ClusterRole'], ['ClusterRoleBinding', 'token']]);
  });
  it('refuses --cluster-role-binding for a generated Role', () => {
    assert.throws(() => planGrant(request(rulesRole, { clusterRoleBinding: true })), invalid(/a ClusterRoleBinding cannot ref a Role/));
  });
});

describe('planGrant: labels, annotations and names', () => {
  const definition = role('reader', {
    rules: RULES,
    roleType: 'ClusterRole',
    allowClusterRoleBinding: true,
    nameTemplate: 'ci-{{namespace}}-{{unix}}-{{lease}}',
    extraLabels: { team: 'a', 'app.kubernetes.io/managed-by': 'someone-else' },
    extraAnnotations: { 'example.com/note': 'hello' },
  });
  const plan = planGrant(request(definition, { clusterRoleBinding: true, ttlSeconds: 600 }));
  const name = `ci-dev-1735689600-${FIXED_SUFFIX}`;

  it('every object carries the extra labels and the lease labels (which win)', () => {
    for (const manifest of allManifests(plan)) {
      assert.deepEqual(manifest.metadata.labels, {
        team: 'a',
        'app.kubernetes.io/managed-by': 'kubectl-tempcreds',
        'tempcreds.dev/role': 'reader',
        'tempcreds.dev/lease': FIXED_SUFFIX,
      }, manifest.kind);
    }
  });
  it('every object carries the extra annotations, the lease id, expiry and issuer; only the anchor its ServiceAccount and planned kinds', () => {
    const common = {
      'example.com/note': 'hello',
      'tempcreds.dev/lease-id': `reader/${FIXED_SUFFIX}`,
      'tempcreds.dev/expires-at': '2025-01-01T00:10:00.000Z',
      'tempcreds.dev/issued-by': 'issuer',
    };
    const [anchor, ...rest] = allManifests(plan);
    assert.deepEqual(anchor!.metadata.annotations, { ...common, 'tempcreds.dev/service-account': name, 'tempcreds.dev/objects': 'ServiceAccount,ClusterRole,ClusterRoleBinding' });
    assert.equal(rest.length, 3);
    for (const manifest of rest) assert.deepEqual(manifest.metadata.annotations, common, manifest.kind);
  });
  it('objects do not share one annotations map (the anchor-only annotations stay on the anchor)', () => {
    const annotationMaps = new Set(allManifests(plan).map((manifest) => manifest.metadata.annotations));
    assert.equal(annotationMaps.size, 4);
  });
  it('every object gets the rendered name; only namespaced ones a namespace', () => {
    assert.deepEqual(
      allManifests(plan).map((manifest) => [manifest.kind, manifest.metadata.name, manifest.metadata.namespace]),
      [
        ['Secret', name, 'dev'],
        ['ServiceAccount', name, 'dev'],
        ['ClusterRole', name, undefined],
        ['ClusterRoleBinding', name, undefined],
      ],
    );
    assert.equal(plan.leaseId, `reader/${FIXED_SUFFIX}`);
    assert.equal(plan.namespace, 'dev');
  });
  it('no object has an owner yet', () => {
    for (const manifest of allManifests(plan)) assert.equal(manifest.metadata.ownerReferences, undefined);
  });
});

describe('ownedByAnchor', () => {
  const plan = planGrant(request(role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true }), { clusterRoleBinding: true }));
  const anchor = { ...refOf(plan.anchor), uid: 'uid-1' };

  it('gives a namespaced object an ownerReference to the anchor', () => {
    const serviceAccount = plan.rounds[0]!.create[0]!;
    const owned = ownedByAnchor(serviceAccount, anchor);
    assert.deepEqual(owned.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Secret', name: NAME, uid: 'uid-1' }]);
    assert.deepEqual({ ...owned, metadata: { ...owned.metadata, ownerReferences: undefined } }, { ...serviceAccount, metadata: { ...serviceAccount.metadata, ownerReferences: undefined } });
    assert.equal(serviceAccount.metadata.ownerReferences, undefined, 'the input is not modified');
  });
  it("cluster-scoped objects (which cannot have a namespaced owner) carry the anchor's uid instead", () => {
    for (const manifest of [plan.rounds[0]!.create[1]!, plan.rounds[1]!.create[0]!]) {
      const tied = ownedByAnchor(manifest, anchor);
      assert.equal(tied.metadata.ownerReferences, undefined);
      assert.deepEqual(tied.metadata.annotations, { ...manifest.metadata.annotations, 'tempcreds.dev/anchor-uid': anchor.uid });
      assert.equal(manifest.metadata.annotations['tempcreds.dev/anchor-uid'], undefined, 'the input is not modified');
    }
  });
});

describe('refOf', () => {
  const plan = planGrant(request(role('reader', { rules: RULES, roleType: 'ClusterRole' })));
  it('a namespaced ref', () => assert.deepEqual(refOf(plan.anchor, 'u'), { apiVersion: 'v1', kind: 'Secret', name: NAME, namespace: 'dev', uid: 'u' }));
  it('a cluster-scoped ref without uid', () => {
    assert.deepEqual(refOf(plan.rounds[0]!.create[1]!), { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', name: NAME });
  });
});
