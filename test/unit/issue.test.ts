import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { issueLease } from '../../src/app/issue.ts';
import { ApiError } from '../../src/core/errors.ts';
import type { AggregatingClusterRole } from '../../src/core/grant-plan.ts';
import { roleDigest } from '../../src/core/role-spec.ts';
import { FIXED_SUFFIX, FakeKube, ISSUER, NOW, RULES, invalid, issueFixture, role, secondsAfter } from './fakes.ts';

const NAME = `tc-reader-${FIXED_SUFFIX}`;
const RBAC = 'rbac.authorization.k8s.io/v1';

const saRole = role('reader', { serviceAccount: 'deployer' });
const bindRole = role('reader', { kubernetesRole: 'view' });
const rulesRole = role('reader', { rules: RULES });
const clusterRulesRole = role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true });

/** "op kind" of each call, e.g. ["create Secret", "annotate", "requestToken", "delete Secret"]. */
function callLog(kube: FakeKube): string[] {
  return kube.calls.map((call) => {
    if (call.op === 'create') return `create ${call.manifest.kind}`;
    if (call.op === 'delete') return `delete ${call.ref.kind}`;
    return call.op;
  });
}

/** The one call that marks the anchor: the token may exist from now on, until the server-clock expiry (default TTL 1h). */
const MARK_ANCHOR = {
  op: 'annotate',
  ref: { apiVersion: 'v1', kind: 'Secret', name: NAME, namespace: 'dev', uid: 'uid-1' },
  annotations: { 'tempcreds.dev/token-requested': 'true', 'tempcreds.dev/expires-at': secondsAfter(NOW, 3600).toISOString() },
};

function annotateCalls(kube: FakeKube) {
  return kube.calls.filter((call) => call.op === 'annotate');
}

describe('issueLease: serviceAccount mode', () => {
  it('creates only the anchor, then requests the token bound to it', async () => {
    const { deps, kube, saved } = issueFixture([saRole]);
    const issued = await issueLease(deps, { role: 'reader' });
    assert.deepEqual(callLog(kube), ['create Secret', 'annotate', 'requestToken']);
    assert.deepEqual(kube.calls[1], MARK_ANCHOR);
    const tokenCall = kube.calls[2]!;
    assert.equal(tokenCall.op, 'requestToken');
    if (tokenCall.op === 'requestToken') {
      assert.deepEqual(tokenCall.spec, { serviceAccountName: 'deployer', namespace: 'dev', expirationSeconds: 3600, audiences: [] });
      assert.deepEqual(tokenCall.boundTo, { apiVersion: 'v1', kind: 'Secret', name: NAME, namespace: 'dev', uid: 'uid-1' });
    }
    assert.equal(issued.token, 'token-of-deployer-bound-to-uid-1');
    assert.deepEqual(issued.warnings, []);
    assert.deepEqual(saved, [issued.lease]);
  });

  it('records the lease with the anchor as its only object; the ServiceAccount was not created', async () => {
    const { deps } = issueFixture([saRole]);
    const { lease } = await issueLease(deps, { role: 'reader', namespace: 'dev', ttl: '30m' });
    assert.deepEqual(lease, {
      id: `reader/${FIXED_SUFFIX}`,
      role: 'reader',
      roleDigest: roleDigest(saRole),
      namespace: 'dev',
      serviceAccountName: 'deployer',
      serviceAccountCreated: false,
      issuedAt: NOW.toISOString(),
      expiresAt: secondsAfter(NOW, 1800).toISOString(),
      ttlSeconds: 1800,
      context: ISSUER.context,
      cluster: ISSUER.server,
      issuedBy: ISSUER.user,
      objects: [{ apiVersion: 'v1', kind: 'Secret', name: NAME, namespace: 'dev', uid: 'uid-1' }],
    });
  });

  it('refuses --cluster-role-binding before connecting or creating anything', async () => {
    const { deps, kube, saved, connected } = issueFixture([saRole]);
    await assert.rejects(issueLease(deps, { role: 'reader', clusterRoleBinding: true }), invalid(/^--cluster-role-binding does not apply to role "reader"/));
    assert.deepEqual(connected, [], 'checked before connecting');
    assert.deepEqual(kube.calls, []);
    assert.deepEqual(saved, []);
  });
});

describe('issueLease: kubernetesRole mode', () => {
  it('creates the anchor, then ServiceAccount + RoleBinding, then the token', async () => {
    const { deps, kube } = issueFixture([bindRole]);
    const issued = await issueLease(deps, { role: 'reader' });
    assert.deepEqual(callLog(kube), ['create Secret', 'create ServiceAccount', 'create RoleBinding', 'annotate', 'requestToken']);
    assert.deepEqual(annotateCalls(kube), [MARK_ANCHOR]);
    assert.equal(issued.token, `token-of-${NAME}-bound-to-uid-1`);
    assert.equal(issued.lease.serviceAccountName, NAME);
    assert.equal(issued.lease.serviceAccountCreated, true);
    assert.equal(issued.lease.bindingKind, 'RoleBinding');
    assert.deepEqual(issued.lease.objects, [
      { apiVersion: 'v1', kind: 'Secret', name: NAME, namespace: 'dev', uid: 'uid-1' },
      { apiVersion: 'v1', kind: 'ServiceAccount', name: NAME, namespace: 'dev', uid: 'uid-2' },
      { apiVersion: RBAC, kind: 'RoleBinding', name: NAME, namespace: 'dev', uid: 'uid-3' },
    ]);
  });

  it('namespaced objects are owned by the anchor; the anchor by nobody', async () => {
    const { deps, kube } = issueFixture([bindRole]);
    await issueLease(deps, { role: 'reader' });
    const [anchor, ...rest] = kube.createdManifests;
    assert.equal(anchor!.metadata.ownerReferences, undefined);
    for (const manifest of rest) {
      assert.deepEqual(manifest.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Secret', name: NAME, uid: 'uid-1' }], manifest.kind);
    }
  });
});

describe('issueLease: rules mode', () => {
  it('creates the generated role and binding; cluster-scoped objects have no owner', async () => {
    const { deps, kube } = issueFixture([clusterRulesRole]);
    const { lease } = await issueLease(deps, { role: 'reader', clusterRoleBinding: true });
    assert.deepEqual(callLog(kube), ['create Secret', 'create ServiceAccount', 'create ClusterRole', 'create ClusterRoleBinding', 'annotate', 'requestToken']);
    assert.deepEqual(annotateCalls(kube), [MARK_ANCHOR]);
    assert.deepEqual(
      kube.createdManifests.map((manifest) => [manifest.kind, manifest.metadata.ownerReferences?.[0]?.uid]),
      [
        ['Secret', undefined],
        ['ServiceAccount', 'uid-1'],
        ['ClusterRole', undefined],
        ['ClusterRoleBinding', undefined],
      ],
    );
    assert.equal(lease.bindingKind, 'ClusterRoleBinding');
    assert.deepEqual(
      lease.objects.map((ref) => [ref.kind, ref.namespace, ref.uid]),
      [
        ['Secret', 'dev', 'uid-1'],
        ['ServiceAccount', 'dev', 'uid-2'],
        ['ClusterRole', undefined, 'uid-3'],
        ['ClusterRoleBinding', undefined, 'uid-4'],
      ],
    );
    assert.equal('namespace' in lease.objects[2]!, false, 'no namespace key on cluster-scoped refs');
  });

  it('reports each API call to afterApiCall', async () => {
    const { deps } = issueFixture([rulesRole]);
    const steps: string[] = [];
    await issueLease({ ...deps, afterApiCall: async (step) => void steps.push(step) }, { role: 'reader' });
    assert.deepEqual(steps, ['create Secret', 'create ServiceAccount', 'create Role', 'create RoleBinding', 'mark the anchor', 'request token']);
  });
});

describe('issueLease: a generated ClusterRole that an aggregationRule would select', () => {
  const labelled = (extraLabels: Record<string, string>, roleType = 'ClusterRole') => role('reader', { rules: RULES, roleType, extraLabels });
  const aggregating: AggregatingClusterRole[] = [
    { name: 'monitoring', selectors: [{ matchLabels: { 'example.com/other': 'x' } }, { matchLabels: { 'example.com/aggregate': 'true' } }] },
  ];
  it('is refused (exit code 2) after listing the ClusterRoles, before anything is created', async () => {
    const kube = new FakeKube();
    kube.aggregating = aggregating;
    const { deps, saved } = issueFixture([labelled({ 'example.com/aggregate': 'true', team: 'a' })], kube);
    await assert.rejects(
      issueLease(deps, { role: 'reader' }),
      invalid(
        'role "reader": its generated ClusterRole would match the aggregationRule of ClusterRole "monitoring" (example.com/aggregate=true), which would take in the lease\'s rules for everyone bound to "monitoring"; remove those labels from the role\'s --extra-labels',
      ),
    );
    assert.deepEqual(callLog(kube), ['aggregatingClusterRoles']);
    assert.deepEqual(saved, []);
  });
  it('an empty selector selects every ClusterRole', async () => {
    const kube = new FakeKube();
    kube.aggregating = [{ name: 'everything', selectors: [{}] }];
    const { deps } = issueFixture([labelled({ team: 'a' })], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), invalid(/aggregationRule of ClusterRole "everything" \(every ClusterRole\)/));
    assert.deepEqual(callLog(kube), ['aggregatingClusterRoles']);
  });
  it('labels no aggregationRule selects are issued', async () => {
    const kube = new FakeKube();
    kube.aggregating = aggregating;
    const { deps } = issueFixture([labelled({ 'example.com/aggregate': 'false' })], kube);
    await issueLease(deps, { role: 'reader' });
    assert.deepEqual(callLog(kube).slice(0, 2), ['aggregatingClusterRoles', 'create Secret']);
  });
  it('no list without extraLabels, or for a namespaced Role (aggregation merges ClusterRoles only)', async () => {
    for (const definition of [role('reader', { rules: RULES, roleType: 'ClusterRole' }), labelled({ 'example.com/aggregate': 'true' }, 'Role')]) {
      const kube = new FakeKube();
      kube.aggregating = aggregating;
      await issueLease(issueFixture([definition], kube).deps, { role: 'reader' });
      assert.equal(callLog(kube).includes('aggregatingClusterRoles'), false);
    }
  });
});

describe('issueLease: TTL, audiences, issuer', () => {
  it('caps the TTL at the role max with a warning', async () => {
    const { deps, kube } = issueFixture([role('reader', { serviceAccount: 'deployer', maxTtl: '1h' })]);
    const { lease, warnings } = await issueLease(deps, { role: 'reader', ttl: '2h' });
    assert.deepEqual(warnings, ["the TTL 2h is greater than the role's max TTL 1h; capping it at 1h"]);
    assert.equal(lease.ttlSeconds, 3600);
    const tokenCall = kube.calls.find((call) => call.op === 'requestToken');
    assert.equal(tokenCall?.op === 'requestToken' && tokenCall.spec.expirationSeconds, 3600);
  });

  it('uses the role default TTL when the request gives none', async () => {
    const { deps } = issueFixture([role('reader', { serviceAccount: 'deployer', defaultTtl: '20m' })]);
    const { lease } = await issueLease(deps, { role: 'reader' });
    assert.equal(lease.ttlSeconds, 1200);
    assert.equal(lease.expiresAt, secondsAfter(NOW, 1200).toISOString());
  });

  it('warns when the API server shortened the token, and the lease expires with the token', async () => {
    const kube = new FakeKube();
    kube.maxTokenSeconds = 1800;
    const { deps } = issueFixture([saRole], kube);
    const { lease, warnings } = await issueLease(deps, { role: 'reader', ttl: '2h' });
    assert.deepEqual(warnings, [
      "the API server shortened the token's lifetime from 2h to 30m (its --service-account-max-token-expiration); the lease expires with the token",
    ]);
    assert.equal(lease.expiresAt, secondsAfter(NOW, 1800).toISOString());
    assert.equal(lease.ttlSeconds, 7200);
  });

  it('requested audiences replace the role defaults', async () => {
    const definition = role('reader', { serviceAccount: 'deployer', defaultAudiences: ['role-default'] });
    for (const [audiences, expected] of [
      [undefined, ['role-default']],
      [[], ['role-default']],
      [['vault', 'ci'], ['vault', 'ci']],
    ] as const) {
      const { deps, kube } = issueFixture([definition]);
      await issueLease(deps, { role: 'reader', ...(audiences ? { audiences: [...audiences] } : {}) });
      const tokenCall = kube.calls.find((call) => call.op === 'requestToken');
      assert.deepEqual(tokenCall?.op === 'requestToken' && tokenCall.spec.audiences, expected);
    }
  });

  it("connects with the role's issuer context", async () => {
    const { deps, connected } = issueFixture([role('reader', { serviceAccount: 'deployer', issuerContext: 'prod-admin' })]);
    await issueLease(deps, { role: 'reader' });
    assert.deepEqual(connected, ['prod-admin']);
    const other = issueFixture([saRole]);
    await issueLease(other.deps, { role: 'reader' });
    assert.deepEqual(other.connected, [undefined]);
  });

  it('labels objects with the issuer user', async () => {
    const { deps, kube } = issueFixture([saRole]);
    await issueLease(deps, { role: 'reader' });
    assert.equal(kube.createdManifests[0]!.metadata.annotations['tempcreds.dev/issued-by'], ISSUER.user);
  });
});

describe('issueLease: namespace selector', () => {
  const selectorRole = role('reader', { allowedNamespaces: [], namespaceSelector: 'env=dev', serviceAccount: 'deployer' });

  it("checks the live namespace's labels, then issues", async () => {
    const kube = new FakeKube();
    kube.namespaces = { 'team-a': { env: 'dev' } };
    const { deps } = issueFixture([selectorRole], kube);
    const { lease } = await issueLease(deps, { role: 'reader', namespace: 'team-a' });
    assert.equal(lease.namespace, 'team-a');
    assert.deepEqual(callLog(kube), ['namespaceLabels', 'create Secret', 'annotate', 'requestToken']);
  });

  for (const [name, namespaces, message] of [
    ['a namespace whose labels do not match', { 'team-a': { env: 'prod' } }, /^namespace "team-a" is not in role "reader"'s allowed namespaces and does not match its selector/],
    ['a namespace that does not exist', {}, 'namespace "team-a" does not exist'],
  ] as const) {
    it(`refuses ${name} without creating anything`, async () => {
      const kube = new FakeKube();
      kube.namespaces = namespaces;
      const { deps, saved } = issueFixture([selectorRole], kube);
      await assert.rejects(issueLease(deps, { role: 'reader', namespace: 'team-a' }), invalid(message));
      assert.deepEqual(callLog(kube), ['namespaceLabels']);
      assert.deepEqual(saved, []);
    });
  }
});

describe('issueLease: bad input is refused (exit code 2) before any API call', () => {
  const roles = [role('reader', { allowedNamespaces: ['dev', 'staging'], serviceAccount: 'deployer', maxTtl: '1h' }), role('unbounded', { serviceAccount: 'deployer' })];
  const cases: [string, Parameters<typeof issueLease>[1], string | RegExp][] = [
    ['an unknown role', { role: 'ghost', namespace: 'dev' }, 'role "ghost" does not exist (see: kubectl tempcreds role list)'],
    ['a bad --ttl', { role: 'reader', namespace: 'dev', ttl: 'soon' }, '--ttl "soon" is not a duration (use e.g. 30m, 1h or seconds)'],
    ['a TTL under 10m', { role: 'reader', namespace: 'dev', ttl: '5m' }, 'TTL 5m is too short: Kubernetes tokens live at least 10m; use --ttl 10m or more'],
    ['a TTL over 2^32 s', { role: 'unbounded', ttl: String(2 ** 32 + 1) }, 'TTL 1193046h28m17s is too long: Kubernetes tokens live at most 4294967296s'],
    [
      'a namespace the role does not allow',
      { role: 'reader', namespace: 'prod' },
      'namespace "prod" is not in role "reader"\'s allowed namespaces and does not match its selector (it allows namespaces dev, staging)',
    ],
    ['a missing namespace when the role allows several', { role: 'reader' }, 'role "reader" allows more than one namespace: choose one with -n NAMESPACE'],
    ['an invalid namespace name', { role: 'reader', namespace: 'bad_ns' }, /^namespace "bad_ns" must consist of/],
    ['an empty audience', { role: 'reader', namespace: 'dev', audiences: [' '] }, '--audience must not be empty'],
  ];
  for (const [name, request, message] of cases) {
    it(name, async () => {
      const { deps, kube, saved, connected } = issueFixture(roles);
      await assert.rejects(issueLease(deps, request), invalid(message));
      assert.deepEqual(kube.calls, []);
      assert.deepEqual(connected, [], 'not even connected');
      assert.deepEqual(saved, []);
    });
  }
  it('--cluster-role-binding that the role does not allow', async () => {
    const { deps, kube, connected } = issueFixture([role('reader', { kubernetesRole: 'view', roleType: 'ClusterRole' })]);
    await assert.rejects(issueLease(deps, { role: 'reader', clusterRoleBinding: true }), invalid(/^role "reader" does not allow --cluster-role-binding: .* kubectl tempcreds role update reader --allow-cluster-role-binding$/));
    assert.deepEqual(connected, [], 'not even connected');
    assert.deepEqual(kube.calls, []);
  });
  it('a Role ref with --cluster-role-binding', async () => {
    const { deps, kube, connected } = issueFixture([bindRole]);
    await assert.rejects(issueLease(deps, { role: 'reader', clusterRoleBinding: true }), invalid(/a ClusterRoleBinding cannot ref a Role/));
    assert.deepEqual(connected, [], 'not even connected');
    assert.deepEqual(kube.calls, []);
  });
});

describe('issueLease: a failure rolls back everything it created, newest first', () => {
  it('a create failing in the first call: nothing was created, nothing deleted', async () => {
    const kube = new FakeKube();
    kube.failCreateAt = 1;
    const { deps, saved } = issueFixture([rulesRole], kube);
    const error = await issueLease(deps, { role: 'reader' }).then(
      () => assert.fail('expected a failure'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ApiError);
    assert.equal(error.message, 'cannot create Secret: 403 forbidden; nothing was created');
    assert.equal(error.status, 403);
    assert.equal(error.exitCode, 1);
    assert.deepEqual(callLog(kube), ['create Secret']);
    assert.deepEqual(saved, []);
  });

  it('the binding failing in the last round (rules mode)', async () => {
    const kube = new FakeKube();
    kube.failCreateAt = 4;
    const { deps, saved } = issueFixture([rulesRole], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), {
      name: 'ApiError',
      status: 403,
      message: 'cannot create RoleBinding: 403 forbidden; rolled back the 3 object(s) it had created',
    });
    assert.deepEqual(callLog(kube), [
      'create Secret',
      'create ServiceAccount',
      'create Role',
      'create RoleBinding',
      'annotate',
      'requestToken',
      'delete Role',
      'delete ServiceAccount',
      'delete Secret',
    ]);
    assert.deepEqual([...kube.objects.keys()], [], 'nothing left in the cluster');
    assert.deepEqual(saved, []);
  });

  it('a create failing in the middle round (kubernetesRole mode)', async () => {
    const kube = new FakeKube();
    kube.failCreateAt = 3;
    const { deps } = issueFixture([bindRole], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), { status: 403, message: 'cannot create RoleBinding: 403 forbidden; rolled back the 2 object(s) it had created' });
    assert.deepEqual(callLog(kube), ['create Secret', 'create ServiceAccount', 'create RoleBinding', 'delete ServiceAccount', 'delete Secret']);
    assert.deepEqual([...kube.objects.keys()], []);
  });

  it('the token request failing (403)', async () => {
    const kube = new FakeKube();
    kube.failToken = true;
    const { deps, saved } = issueFixture([bindRole], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), {
      name: 'ApiError',
      status: 403,
      message: 'cannot request a token: 403 forbidden; rolled back the 3 object(s) it had created',
    });
    assert.deepEqual(callLog(kube).slice(-3), ['delete RoleBinding', 'delete ServiceAccount', 'delete Secret']);
    assert.deepEqual([...kube.objects.keys()], []);
    assert.deepEqual(saved, []);
  });

  it('the token request failing for an existing ServiceAccount removes the anchor', async () => {
    const kube = new FakeKube();
    kube.failToken = true;
    const { deps } = issueFixture([saRole], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), { message: 'cannot request a token: 403 forbidden; rolled back the 1 object(s) it had created' });
    assert.deepEqual(callLog(kube), ['create Secret', 'annotate', 'requestToken', 'delete Secret']);
  });

  it('says what it could not roll back, and still deletes the rest', async () => {
    const kube = new FakeKube();
    kube.failToken = true;
    kube.failDeletes.add(`ServiceAccount dev/${NAME}`);
    const { deps } = issueFixture([bindRole], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), {
      status: 403,
      message:
        `cannot request a token: 403 forbidden; could not roll back ServiceAccount dev/${NAME} (cannot delete ServiceAccount dev/${NAME}: 403 forbidden)` +
        " — they carry the lease's labels; remove them with kubectl tempcreds gc",
    });
    assert.deepEqual([...kube.objects.keys()], [`ServiceAccount dev/${NAME}`]);
  });

  it('a failure that is not an API error exits with 1 and keeps its cause', async () => {
    const { deps, kube } = issueFixture([bindRole]);
    const fault = new Error('injected');
    const error = await issueLease({ ...deps, afterApiCall: async (step) => { if (step === 'create ServiceAccount') throw fault; } }, { role: 'reader' }).then(
      () => assert.fail('expected a failure'),
      (caught: unknown) => caught as Error & { exitCode?: number },
    );
    assert.equal(error.name, 'TempcredsError');
    assert.equal(error.exitCode, 1);
    assert.equal(error.cause, fault);
    assert.equal(error.message, 'injected; rolled back the 3 object(s) it had created');
    assert.deepEqual([...kube.objects.keys()], []);
  });

  // The module promises "Any failure rolls back everything this issuance created": when
  // the lease cannot be recorded, nothing could ever revoke it by id.
  it('rolls back when the lease cannot be recorded', async () => {
    const { deps, kube } = issueFixture([bindRole]);
    await assert.rejects(issueLease({ ...deps, saveLease: async () => Promise.reject(new Error('disk full')) }, { role: 'reader' }), /disk full/);
    assert.deepEqual([...kube.objects.keys()], [], 'objects of an unrecorded lease are left in the cluster');
  });
});

describe('issueLease: marking the anchor (tempcreds.dev/token-requested)', () => {
  /** A FakeKube whose annotate and requestToken wait until released, to observe what runs together. */
  class GatedKube extends FakeKube {
    private release!: () => void;
    readonly released = new Promise<void>((resolve) => (this.release = resolve));
    open(): void {
      this.release();
    }
    override async annotate(ref: Parameters<FakeKube['annotate']>[0], annotations: Record<string, string>): Promise<void> {
      const done = super.annotate(ref, annotations);
      await this.released;
      return done;
    }
    override async requestToken(...args: Parameters<FakeKube['requestToken']>) {
      const done = super.requestToken(...args);
      await this.released;
      return done;
    }
  }

  for (const [mode, definition, before] of [
    ['serviceAccount', saRole, ['create Secret']],
    ['rules', rulesRole, ['create Secret', 'create ServiceAccount', 'create Role', 'create RoleBinding']],
  ] as const) {
    it(`marks the anchor concurrently with the token request, not before the round (${mode} mode)`, async () => {
      const kube = new GatedKube();
      const { deps, saved } = issueFixture([definition], kube);
      const issuing = issueLease(deps, { role: 'reader' });
      try {
        await new Promise((resolve) => setImmediate(resolve));
        // Both are in flight while neither has answered.
        assert.deepEqual(callLog(kube), [...before, 'annotate', 'requestToken']);
        assert.deepEqual(saved, []);
      } finally {
        kube.open();
      }
      await issuing;
      assert.equal(saved.length, 1);
    });
  }

  it('the anchor in the cluster carries the mark after an issuance; nothing else is annotated', async () => {
    const { deps, kube } = issueFixture([rulesRole]);
    await issueLease(deps, { role: 'reader' });
    for (const [key, object] of kube.metadata) {
      assert.equal(object.annotations['tempcreds.dev/token-requested'], key === `Secret dev/${NAME}` ? 'true' : undefined, key);
    }
  });

  it('a failing annotate rolls back everything, the objects of its own round included', async () => {
    const kube = new FakeKube();
    kube.failAnnotate = true;
    const { deps, saved } = issueFixture([rulesRole], kube);
    await assert.rejects(issueLease(deps, { role: 'reader' }), {
      name: 'ApiError',
      status: 403,
      message: `cannot annotate Secret dev/${NAME}: 403 forbidden; rolled back the 4 object(s) it had created`,
    });
    assert.deepEqual(callLog(kube).slice(-4), ['delete RoleBinding', 'delete Role', 'delete ServiceAccount', 'delete Secret']);
    assert.deepEqual([...kube.objects.keys()], []);
    assert.deepEqual(saved, []);
  });

  for (const step of ['mark the anchor', 'request token']) {
    it(`a crash right after "${step}" rolls back the anchor (serviceAccount mode)`, async () => {
      const { deps, kube, saved } = issueFixture([saRole]);
      const fault = new Error('injected');
      await assert.rejects(
        issueLease({ ...deps, afterApiCall: async (current) => { if (current === step) throw fault; } }, { role: 'reader' }),
        { name: 'TempcredsError', exitCode: 1, message: 'injected; rolled back the 1 object(s) it had created' },
      );
      assert.deepEqual(callLog(kube), ['create Secret', 'annotate', 'requestToken', 'delete Secret']);
      assert.deepEqual([...kube.objects.keys()], []);
      assert.deepEqual(saved, []);
    });
  }
});

describe('issueLease: what ties the lease to its cluster and to its anchor', () => {
  it("the record keeps the issuer's kubeconfig path(s) and the sha256 of its cluster's CA data", async () => {
    const kube = new FakeKube({ ...ISSUER, kubeconfig: '/home/me/.kube/a:/home/me/.kube/b', certificateAuthorityData: Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64') });
    const { deps, saved } = issueFixture([role('reader', { rules: RULES })], kube);
    await issueLease(deps, { role: 'reader' });
    assert.equal(saved[0]!.kubeconfig, '/home/me/.kube/a:/home/me/.kube/b');
    assert.equal(saved[0]!.clusterCaDigest, createHash('sha256').update('-----BEGIN CERTIFICATE-----').digest('hex'));
  });

  it('neither field for the default kubeconfig and a cluster without CA data', async () => {
    const { deps, saved } = issueFixture([role('reader', { rules: RULES })]);
    await issueLease(deps, { role: 'reader' });
    assert.equal('kubeconfig' in saved[0]!, false);
    assert.equal('clusterCaDigest' in saved[0]!, false);
  });

  it("cluster-scoped objects carry the anchor's uid; namespaced ones are owned by it", async () => {
    const { deps, kube } = issueFixture([role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true })]);
    await issueLease(deps, { role: 'reader', clusterRoleBinding: true });
    const [anchor, ...rest] = kube.createdManifests;
    assert.equal(anchor!.metadata.annotations['tempcreds.dev/anchor-uid'], undefined);
    for (const manifest of rest) {
      if (manifest.metadata.namespace) assert.deepEqual(manifest.metadata.ownerReferences?.map((owner) => owner.uid), ['uid-1'], manifest.kind);
      else assert.equal(manifest.metadata.annotations['tempcreds.dev/anchor-uid'], 'uid-1', manifest.kind);
    }
    assert.deepEqual(rest.map((manifest) => manifest.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
  });
});

describe("issueLease: the expiry gc goes by is the API server's", () => {
  for (const [what, offsetSeconds] of [['runs slow', -3600], ['runs fast', 3600]] as const) {
    it(`when this machine's clock ${what}, the anchor (when marked) and every later object expire by the server's clock`, async () => {
      const serverNow = secondsAfter(NOW, -offsetSeconds);
      const { deps, kube } = issueFixture([role('reader', { rules: RULES })], new FakeKube(ISSUER, () => serverNow));
      await issueLease(deps, { role: 'reader', ttl: '30m' });
      const expected = secondsAfter(serverNow, 1800).toISOString();
      const [anchor, ...rest] = kube.createdManifests;
      assert.equal(anchor!.metadata.annotations['tempcreds.dev/expires-at'], secondsAfter(NOW, 1800).toISOString(), 'planned before the server answered');
      for (const manifest of rest) assert.equal(manifest.metadata.annotations['tempcreds.dev/expires-at'], expected, manifest.kind);
      assert.equal(kube.metadata.get(`Secret dev/${NAME}`)!.annotations['tempcreds.dev/expires-at'], expected, 'the anchor is corrected when marked');
    });
  }
});
