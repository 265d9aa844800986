import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewIssue } from '../../src/app/preview.ts';
import { namespaceDecision, ttlDecision, type GrantPreview } from '../../src/core/grant-preview.ts';
import { decideNamespace } from '../../src/core/namespace-policy.ts';
import { requestTtl } from '../../src/core/ttl.ts';
import { parseDocuments } from '../../src/core/structured-text.ts';
import { renderPreview } from '../../src/cli/preview-output.ts';
import { FIXED_SUFFIX, RULES, invalid, issueFixture, role } from './fakes.ts';

const NAME = `tc-reader-${FIXED_SUFFIX}`;
const saRole = role('reader', { serviceAccount: 'deployer' });
const bindRole = role('reader', { kubernetesRole: 'view' });
const rulesRole = role('reader', { rules: RULES });
const clusterRulesRole = role('reader', { rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true });

describe('previewIssue: the use case over the fakes', () => {
  for (const [mode, definition, kinds] of [
    ['existing ServiceAccount', saRole, ['Secret']],
    ['existing Role', bindRole, ['Secret', 'ServiceAccount', 'RoleBinding']],
    ['generated rules', rulesRole, ['Secret', 'ServiceAccount', 'Role', 'RoleBinding']],
  ] as const) {
    it(`${mode}: sends every object as a dry run and the token request as one; stores, records and mints nothing`, async () => {
      const { deps, kube, saved } = issueFixture([definition]);
      const audited: unknown[] = [];
      const preview = await previewIssue({ ...deps, audit: async (events: unknown[]) => void audited.push(...events) } as typeof deps, { role: 'reader' });
      const creates = kube.calls.filter((call) => call.op === 'create');
      assert.deepEqual(creates.map((call) => call.op === 'create' && [call.manifest.kind, call.dryRun]), kinds.map((kind) => [kind, true]));
      assert.deepEqual(kube.calls.filter((call) => call.op === 'dryRunTokenRequest').length, 1);
      assert.equal(kube.calls.some((call) => call.op === 'requestToken' || call.op === 'annotate' || call.op === 'delete'), false);
      assert.equal(kube.objects.size, 0);
      assert.deepEqual(saved, []);
      assert.deepEqual(audited, []);
      assert.deepEqual(preview.objects.map((object) => object.kind), kinds);
      assert.deepEqual(preview.notes, []);
    });
  }

  it('ties the members to the dry-run anchor (owner references; the anchor uid for cluster-scoped ones) and marks the anchor', async () => {
    const { deps } = issueFixture([clusterRulesRole]);
    const preview = await previewIssue(deps, { role: 'reader', clusterRoleBinding: true });
    const [anchor, serviceAccount, clusterRole, binding] = preview.objects;
    assert.equal(anchor!.metadata.annotations['tempcreds.dev/token-requested'], 'true');
    assert.deepEqual(serviceAccount!.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Secret', name: NAME, uid: 'dry-run-uid-1' }]);
    assert.equal(clusterRole!.metadata.annotations['tempcreds.dev/anchor-uid'], 'dry-run-uid-1');
    assert.equal(binding!.kind, 'ClusterRoleBinding');
    assert.equal(preview.token.boundTo, `Secret dev/${NAME}`);
    assert.deepEqual(preview.permissions, {
      subject: `ServiceAccount dev/${NAME}`,
      binding: { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: NAME }, generated: true, rules: RULES },
    });
  });

  it('fails as the issuance would when the API server refuses an object (exit 1), creating nothing', async () => {
    const { deps, kube } = issueFixture([rulesRole]);
    kube.failCreateAt = 3; // the Role: RBAC escalation prevention
    await assert.rejects(previewIssue(deps, { role: 'reader' }), { name: 'ApiError', exitCode: 1, status: 403, message: /403 forbidden; the issuance would fail the same way \(dry run of Role dev\/tc-reader-\w+: nothing was created\)$/ });
    assert.equal(kube.objects.size, 0);
  });

  it('fails when the existing ServiceAccount is missing (the token request names it)', async () => {
    const { deps, kube } = issueFixture([saRole]);
    kube.missingServiceAccounts.add('deployer');
    await assert.rejects(previewIssue(deps, { role: 'reader' }), { exitCode: 1, message: /404 serviceaccounts "deployer" not found; the issuance would fail the same way/ });
  });

  it('a binding the API server cannot check without the generated role (no "bind") is a note, not a failure', async () => {
    const { deps, kube } = issueFixture([rulesRole]);
    kube.dryRunNotFoundAt = 4; // the RoleBinding, after the Role
    const preview = await previewIssue(deps, { role: 'reader' });
    assert.equal(preview.notes.length, 1);
    assert.match(preview.notes[0]!, /could not check the RoleBinding against the generated role/);
  });

  it('bad input fails before any API call, as for issue (exit 2)', async () => {
    const { deps, kube, connected } = issueFixture([rulesRole]);
    await assert.rejects(previewIssue(deps, { role: 'nope' }), invalid(/role "nope" does not exist/));
    await assert.rejects(previewIssue(deps, { role: 'reader', namespace: 'prod' }), invalid(/is not in role "reader"'s allowed namespaces/));
    assert.deepEqual(connected, []);
    assert.deepEqual(kube.calls, []);
  });

  it("reads an existing role's rules as the issuer, and says when it may not or the role is absent", async () => {
    const { deps, kube } = issueFixture([bindRole]);
    kube.roles['Role dev/view'] = RULES;
    assert.deepEqual((await previewIssue(deps, { role: 'reader' })).permissions.binding, { kind: 'RoleBinding', roleRef: { kind: 'Role', name: 'view', namespace: 'dev' }, generated: false, namespace: 'dev', rules: RULES });
    kube.roles['Role dev/view'] = 'forbidden';
    assert.equal((await previewIssue(deps, { role: 'reader' })).permissions.binding?.rules, 'forbidden');
    delete kube.roles['Role dev/view'];
    assert.equal((await previewIssue(deps, { role: 'reader' })).permissions.binding?.rules, 'absent');
  });
});

describe('the decisions in words', () => {
  const ttlCases: [string, Record<string, unknown>, string | undefined, string][] = [
    ['requested', {}, '30m', '30m (requested with --ttl)'],
    ["the role's default", { defaultTtl: '2h' }, undefined, "2h (the role's default TTL)"],
    ['the global default', {}, undefined, '1h (the global default; the role sets none)'],
    ['capped', { maxTtl: '1h' }, '3h', "1h (requested with --ttl, capped at the role's max TTL)"],
  ];
  for (const [name, spec, requested, expected] of ttlCases) {
    it(`TTL: ${name}`, () => {
      const definition = role('reader', { rules: RULES, ...spec });
      assert.equal(ttlDecision(definition, requested, requestTtl(definition, requested)), expected);
    });
  }

  const namespaceCases: [string, Record<string, unknown>, string | undefined, string][] = [
    ['listed', { allowedNamespaces: ['dev', 'qa'] }, 'qa', "qa (in the role's allowed namespaces)"],
    ['the only one', {}, undefined, "dev (the role's only allowed namespace)"],
    ['any', { allowedNamespaces: ['*'] }, 'qa', 'qa (the role allows every namespace ("*"))'],
    ['by selector', { allowedNamespaces: [], namespaceSelector: { matchLabels: { env: 'dev' } } }, 'qa', "qa (its labels match the role's selector env=dev)"],
  ];
  for (const [name, spec, requested, expected] of namespaceCases) {
    it(`namespace: ${name}`, () => {
      const definition = role('reader', { rules: RULES, ...spec });
      assert.equal(namespaceDecision(definition, requested, decideNamespace(definition, requested)), expected);
    });
  }
});

describe('renderPreview', () => {
  async function preview(): Promise<GrantPreview> {
    const { deps, kube } = issueFixture([bindRole]);
    kube.roles['Role dev/view'] = [...RULES, { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['get'] }];
    return previewIssue(deps, { role: 'reader', namespace: 'dev', ttl: '30m' });
  }

  it('table: the decisions, one row per object with its owner and labels, the permissions as rules', async () => {
    const text = renderPreview(await preview(), 'table');
    assert.match(text, /^namespace\s+dev \(in the role's allowed namespaces\)$/m);
    assert.match(text, /^ttl\s+30m \(requested with --ttl\)$/m);
    assert.match(text, new RegExp(`^token\\s+for ServiceAccount dev/${NAME}, 30m, bound to Secret dev/${NAME}; audiences: the API server's$`, 'm'));
    assert.match(text, new RegExp(`^Secret\\s+dev/${NAME}\\s+-\\s+app.kubernetes.io/managed-by=kubectl-tempcreds,tempcreds.dev/role=reader,tempcreds.dev/lease=${FIXED_SUFFIX}$`, 'm'));
    assert.match(text, new RegExp(`^RoleBinding\\s+dev/${NAME}\\s+Secret ${NAME}\\s`, 'm'));
    assert.match(text, new RegExp(`^Permissions: ServiceAccount dev/${NAME} through a RoleBinding to Role dev/view \\(existing, read from the API server\\), in namespace dev$`, 'm'));
    assert.match(text, /^\(core\)\s+pods\s+get, list$/m);
    assert.match(text, /^apps\s+deployments\s+get\s+web$/m);
    assert.match(text, /nothing was created/);
  });

  it('yaml: the objects as manifests, the decisions as comments', async () => {
    const text = renderPreview(await preview(), 'yaml');
    const documents = parseDocuments(text, 'the preview') as { kind: string; metadata: { name: string } }[];
    assert.deepEqual(documents.map((document) => `${document.kind} ${document.metadata.name}`), [`Secret ${NAME}`, `ServiceAccount ${NAME}`, `RoleBinding ${NAME}`]);
    assert.match(text, /^# ttl: 30m \(requested with --ttl\)$/m);
    assert.match(text, /^# owner references and anchor-uid name the uid of the dry-run anchor, which no object has/m);
  });

  it('json: a List of the manifests', async () => {
    const list = JSON.parse(renderPreview(await preview(), 'json')) as { kind: string; items: { kind: string }[] };
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((item) => item.kind), ['Secret', 'ServiceAccount', 'RoleBinding']);
  });

  it('permissions: cluster-wide for a ClusterRoleBinding; an existing role the issuer may not read, or that is absent, is said', async () => {
    const cluster = issueFixture([clusterRulesRole]);
    assert.match(renderPreview(await previewIssue(cluster.deps, { role: 'reader', clusterRoleBinding: true }), 'table'), new RegExp(`^Permissions: ServiceAccount dev/${NAME} through a ClusterRoleBinding to ClusterRole ${NAME} \\(generated\\), cluster-wide \\(every namespace\\)$`, 'm'));
    const existing = issueFixture([bindRole]);
    existing.kube.roles['Role dev/view'] = 'forbidden';
    assert.match(renderPreview(await previewIssue(existing.deps, { role: 'reader' }), 'table'), /in namespace dev; the issuer may not read it, so its rules are not shown$/m);
    delete existing.kube.roles['Role dev/view'];
    assert.match(renderPreview(await previewIssue(existing.deps, { role: 'reader' }), 'table'), /in namespace dev; it does not exist: the token gets no permissions until it does$/m);
  });

  it('an existing ServiceAccount: the permissions are what is bound to it', async () => {
    const { deps } = issueFixture([saRole]);
    assert.match(renderPreview(await previewIssue(deps, { role: 'reader' }), 'table'), /^Permissions: ServiceAccount dev\/deployer \(existing\): what is already bound to it; the lease binds nothing$/m);
  });
});
