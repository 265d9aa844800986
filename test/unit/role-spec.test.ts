import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CREDENTIAL_ROLE_KIND, TEMPCREDS_API_VERSION } from '../../src/core/delegation-names.ts';
import { TempcredsError } from '../../src/core/errors.ts';
import {
  mergeRoleSpec,
  roleDigest,
  roleFromDocument,
  roleMode,
  roleNameProblem,
  roleRefKind,
  roleToDocument,
  validateRoleSpec,
  type RoleDefinition,
} from '../../src/core/role-spec.ts';
import { RULES, invalid, role } from './fakes.ts';

const ONE_MODE = 'exactly one of serviceAccount, kubernetesRole or rules must be set (flags --service-account, --kubernetes-role, --rules)';

/** The problems an invalid role is refused with (exit code 2), one entry per line. */
function problemsOf(run: () => unknown, subject: string): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof TempcredsError, `not a TempcredsError: ${String(error)}`);
    assert.equal(error.exitCode, 2);
    const list = `${subject}:\n  - `;
    if (error.message.startsWith(list)) return error.message.slice(list.length).split('\n  - ');
    assert.ok(error.message.startsWith(`${subject}: `), error.message);
    return [error.message.slice(subject.length + 2)];
  }
  assert.fail('expected the role to be refused');
}

const problems = (raw: unknown, name = 'r') => problemsOf(() => validateRoleSpec(name, raw), `invalid role "${name}"`);
const base = { allowedNamespaces: ['dev'] };

describe('validateRoleSpec: valid roles, normalized', () => {
  it('serviceAccount mode', () => {
    assert.deepEqual(validateRoleSpec('ci', { allowedNamespaces: ['dev'], serviceAccount: 'deployer' }), {
      name: 'ci',
      spec: { allowedNamespaces: ['dev'], serviceAccount: 'deployer' },
    });
  });
  it('kubernetesRole mode keeps roleType and roleRefType', () => {
    assert.deepEqual(validateRoleSpec('ci', { ...base, kubernetesRole: 'system:aggregate-to-view', roleType: 'ClusterRole', roleRefType: 'ClusterRole' }).spec, {
      ...base,
      kubernetesRole: 'system:aggregate-to-view',
      roleType: 'ClusterRole',
      roleRefType: 'ClusterRole',
    });
  });
  it('rules mode unwraps {rules: [...]}', () => {
    assert.deepEqual(validateRoleSpec('ci', { ...base, rules: { rules: RULES } }).spec, { ...base, rules: RULES });
  });
  it('every field at once', () => {
    const spec = {
      allowedNamespaces: ['dev', 'staging'],
      namespaceSelector: { matchLabels: { env: 'dev' } },
      defaultTtl: '30m',
      maxTtl: '2h',
      defaultAudiences: ['https://kubernetes.default.svc'],
      rules: RULES,
      roleType: 'Role',
      roleRefType: 'Role',
      nameTemplate: 'ci-{{namespace}}-{{lease}}',
      extraLabels: { team: 'a' },
      extraAnnotations: { 'example.com/owner': 'team a' },
      issuerContext: 'admin',
    };
    assert.deepEqual(validateRoleSpec('ci', spec).spec, spec);
  });
  it('normalizes TTLs to Go-style text; numbers are seconds', () => {
    assert.deepEqual(validateRoleSpec('r', { ...base, serviceAccount: 's', defaultTtl: '5400', maxTtl: 7200 }).spec, {
      ...base,
      serviceAccount: 's',
      defaultTtl: '1h30m',
      maxTtl: '2h',
    });
  });
  it('treats empty and null optional fields as absent', () => {
    assert.deepEqual(
      validateRoleSpec('r', { ...base, serviceAccount: 's', kubernetesRole: '', rules: null, namespaceSelector: '', defaultTtl: '', maxTtl: null, roleType: '', nameTemplate: '', issuerContext: '', extraLabels: null }).spec,
      { ...base, serviceAccount: 's' },
    );
  });
  it('parses a string namespaceSelector in kubectl syntax', () => {
    assert.deepEqual(validateRoleSpec('r', { serviceAccount: 's', namespaceSelector: 'env=dev,!legacy' }).spec, {
      allowedNamespaces: [],
      namespaceSelector: { matchLabels: { env: 'dev' }, matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] },
      serviceAccount: 's',
    });
  });
  it('de-duplicates audiences and drops an empty list', () => {
    assert.deepEqual(validateRoleSpec('r', { ...base, serviceAccount: 's', defaultAudiences: ['a', 'b', 'a'] }).spec.defaultAudiences, ['a', 'b']);
    assert.deepEqual(validateRoleSpec('r', { ...base, serviceAccount: 's', defaultAudiences: 'a, b' }).spec.defaultAudiences, ['a', 'b']);
    assert.equal(validateRoleSpec('r', { ...base, serviceAccount: 's', defaultAudiences: [] }).spec.defaultAudiences, undefined);
  });
  it('drops empty label and annotation maps', () => {
    const spec = validateRoleSpec('r', { ...base, serviceAccount: 's', extraLabels: {}, extraAnnotations: {} }).spec;
    assert.equal('extraLabels' in spec, false);
    assert.equal('extraAnnotations' in spec, false);
  });
});

describe('validateRoleSpec: allowed namespaces (as Vault: trimmed, lower-cased, de-duplicated)', () => {
  const cases: [string, unknown, string[]][] = [
    ['a list', ['dev', 'prod'], ['dev', 'prod']],
    ['a comma-separated string', 'dev, prod ,', ['dev', 'prod']],
    ['upper case', [' Dev ', 'PROD'], ['dev', 'prod']],
    ['duplicates', ['dev', 'Dev', 'dev '], ['dev']],
    ['"*" among others', ['dev', '*', 'prod'], ['*']],
    ['"*" alone', '*', ['*']],
  ];
  for (const [name, allowedNamespaces, expected] of cases) {
    it(name, () => assert.deepEqual(validateRoleSpec('r', { allowedNamespaces, serviceAccount: 's' }).spec.allowedNamespaces, expected));
  }
  it('refuses bad namespace names', () => {
    assert.deepEqual(problems({ allowedNamespaces: ['dev', 'team_a', '-x'], serviceAccount: 's' }), [
      'allowedNamespaces entry "team_a" must consist of lower case letters, digits and "-", and start and end with a letter or digit',
      'allowedNamespaces entry "-x" must consist of lower case letters, digits and "-", and start and end with a letter or digit',
    ]);
  });
  it('refuses a list of non-strings', () => {
    assert.deepEqual(problems({ allowedNamespaces: [1], namespaceSelector: 'env=dev', serviceAccount: 's' }), ['allowedNamespaces must be a list of namespace names or "*"']);
  });
  it('refuses a role no namespace could ever use', () => {
    const message =
      'allowedNamespaces is empty and there is no namespaceSelector: no namespace could ever be used (use --allowed-namespaces NS[,NS…], "*" for all, or --namespace-selector)';
    assert.deepEqual(problems({ serviceAccount: 's' }), [message]);
    assert.deepEqual(problems({ allowedNamespaces: [' ', ''], serviceAccount: 's' }), [message]);
  });
});

describe('validateRoleSpec: problems', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['no mode', { ...base }, [ONE_MODE]],
    ['two modes', { ...base, serviceAccount: 's', kubernetesRole: 'view' }, [`${ONE_MODE}; got serviceAccount and kubernetesRole`]],
    ['three modes', { ...base, serviceAccount: 's', kubernetesRole: 'view', rules: RULES }, [`${ONE_MODE}; got serviceAccount and kubernetesRole and rules`]],
    [
      'an unknown field',
      { ...base, serviceAccount: 's', service_account_name: 'x' },
      [
        'unknown field "service_account_name" (known fields: allowedNamespaces, namespaceSelector, defaultTtl, maxTtl, defaultAudiences, serviceAccount, kubernetesRole, rules, roleType, roleRefType, nameTemplate, extraLabels, extraAnnotations, issuerContext, allowClusterRoleBinding)',
      ],
    ],
    ['default TTL greater than max TTL (Vault)', { ...base, serviceAccount: 's', defaultTtl: '11h', maxTtl: '5h' }, ['defaultTtl 11h cannot be greater than maxTtl 5h']],
    ['a default TTL under 10m', { ...base, serviceAccount: 's', defaultTtl: '5m' }, ['defaultTtl 5m is under 10m, the shortest lifetime Kubernetes gives a token']],
    ['a max TTL under 10m', { ...base, serviceAccount: 's', maxTtl: 599 }, ['maxTtl 9m59s is under 10m, the shortest lifetime Kubernetes gives a token']],
    ['a max TTL over 2^32 s', { ...base, serviceAccount: 's', maxTtl: 2 ** 32 + 1 }, ['maxTtl 1193046h28m17s is over 4294967296s, the longest lifetime Kubernetes gives a token']],
    ['a TTL that is not a duration', { ...base, serviceAccount: 's', defaultTtl: 'soon' }, ['defaultTtl "soon" is not a duration (use e.g. 30m, 1h, 80h or seconds)']],
    ['a fractional number of seconds', { ...base, serviceAccount: 's', maxTtl: 600.5 }, ['maxTtl "600.5" is not a duration (use e.g. 30m, 1h, 80h or seconds)']],
    ['a TTL of the wrong type', { ...base, serviceAccount: 's', maxTtl: true }, ['maxTtl "true" is not a duration (use e.g. 30m, 1h, 80h or seconds)']],
    ['empty audiences', { ...base, serviceAccount: 's', defaultAudiences: ['a', ' '] }, ['defaultAudiences must be a list of non-empty strings']],
    ['audiences not strings', { ...base, serviceAccount: 's', defaultAudiences: [1] }, ['defaultAudiences must be a list of non-empty strings']],
    [
      'a bad ServiceAccount name',
      { ...base, serviceAccount: 'Deployer' },
      ['serviceAccount "Deployer" must consist of lower case letters, digits, "-" and ".", and start and end with a letter or digit'],
    ],
    ['a ServiceAccount that is not a string', { ...base, serviceAccount: 5 }, ['serviceAccount "5" must be a string']],
    ['a bad Kubernetes role name', { ...base, kubernetesRole: 'a/b' }, ['kubernetesRole "a/b" may not contain "/" or "%"']],
    ['roleType with serviceAccount', { ...base, serviceAccount: 's', roleType: 'ClusterRole' }, ['roleType and roleRefType apply only with kubernetesRole or rules, not with serviceAccount']],
    ['roleRefType with serviceAccount', { ...base, serviceAccount: 's', roleRefType: 'Role' }, ['roleType and roleRefType apply only with kubernetesRole or rules, not with serviceAccount']],
    ['a bad roleType', { ...base, kubernetesRole: 'view', roleType: 'Group' }, ['roleType must be either Role or ClusterRole (got "Group")']],
    ['a bad roleRefType', { ...base, kubernetesRole: 'view', roleRefType: 7 }, ['roleRefType must be either Role or ClusterRole (got "7")']],
    [
      'roleRefType differing from roleType for generated rules',
      { ...base, rules: RULES, roleRefType: 'ClusterRole' },
      ['roleRefType ClusterRole must match roleType Role for generated rules: the binding references the generated role'],
    ],
    [
      'nonResourceURLs in a generated Role',
      { ...base, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] },
      ['rules[0] nonResourceURLs are only allowed in a ClusterRole (use --role-type ClusterRole)'],
    ],
    ['rules given as text', { ...base, rules: 'get pods' }, ['rules must be a list of PolicyRules (or {"rules": [...]})']],
    [
      'an extra label under the reserved prefix',
      { ...base, serviceAccount: 's', extraLabels: { 'tempcreds.dev/lease': 'x' } },
      ['extraLabels key "tempcreds.dev/lease" uses the prefix tempcreds.dev/, which kubectl-tempcreds reserves for its own labels'],
    ],
    [
      'an extra annotation under the reserved prefix',
      { ...base, serviceAccount: 's', extraAnnotations: { 'tempcreds.dev/expires-at': 'never' } },
      ['extraAnnotations key "tempcreds.dev/expires-at" uses the prefix tempcreds.dev/, which kubectl-tempcreds reserves for its own labels'],
    ],
    [
      'labels Kubernetes acts on, on a role of generated rules (aggregate-to-view would merge its rules into "view")',
      { ...base, rules: RULES, roleType: 'ClusterRole', extraLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'kubernetes.io/bootstrapping': 'rbac-defaults', 'k8s.io/x': 'y' } },
      ['rbac.authorization.k8s.io/aggregate-to-view', 'kubernetes.io/bootstrapping', 'k8s.io/x'].map(
        (key) =>
          `extraLabels key "${key}" is refused for generated rules: Kubernetes acts on labels under ${key.split('/')[0]}/ (rbac.authorization.k8s.io/aggregate-to-view=true merges a ClusterRole's rules into "view" for everyone bound to it); use a label of your own domain`,
      ),
    ],
    [
      'a bad extra label key and value',
      { ...base, serviceAccount: 's', extraLabels: { 'a/b/c': 'x', team: 'a b' } },
      [
        'extraLabels key "a/b/c" may contain at most one "/"',
        'extraLabels "team" value "a b" must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit',
      ],
    ],
    ['a bad extra annotation key', { ...base, serviceAccount: 's', extraAnnotations: { 'bad key': 'free text' } }, [
      'extraAnnotations key "bad key" name part must consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit',
    ]],
    ['extra labels that are not a map of strings', { ...base, serviceAccount: 's', extraLabels: { team: 1 } }, ['extraLabels must be a map of strings (key=value pairs)']],
    ['extra annotations given as a list', { ...base, serviceAccount: 's', extraAnnotations: ['a=b'] }, ['extraAnnotations must be a map of strings (key=value pairs)']],
    [
      'a name template with an unknown placeholder',
      { ...base, serviceAccount: 's', nameTemplate: '{{user}}-{{lease}}' },
      ['nameTemplate has unknown placeholder {{user}} (known: {{role}}, {{lease}}, {{namespace}}, {{unix}})'],
    ],
    ['a name template without {{lease}}', { ...base, serviceAccount: 's', nameTemplate: 'ci-{{role}}' }, ['nameTemplate must contain {{lease}}, which makes each generated name unique']],
    ['a name template that is not a string', { ...base, serviceAccount: 's', nameTemplate: 1 }, ['nameTemplate must be a string']],
    ['an issuer context that is not a string', { ...base, serviceAccount: 's', issuerContext: 1 }, ['issuerContext must be the name of a kubeconfig context']],
    ['a string selector that cannot be parsed', { ...base, serviceAccount: 's', namespaceSelector: 'a b' }, [
      'namespaceSelector: cannot parse selector term "a b" (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key)',
    ]],
    ['an empty selector object', { ...base, serviceAccount: 's', namespaceSelector: {} }, ['namespaceSelector is empty and would match every namespace; give at least one label requirement']],
    ['a selector with a misspelt key', { ...base, serviceAccount: 's', namespaceSelector: { matchLabel: { env: 'dev' } } }, [
      'namespaceSelector unknown key "matchLabel" (allowed: matchLabels, matchExpressions)',
    ]],
  ];
  for (const [name, raw, expected] of cases) it(`refuses ${name}`, () => assert.deepEqual(problems(raw), expected));

  it('refuses a bad role name', () => {
    assert.deepEqual(problems({ ...base, serviceAccount: 's' }, 'CI_Deployer'), [
      'role name "CI_Deployer" must consist of lower case letters, digits and "-", and start and end with a letter or digit',
    ]);
  });
  it('refuses a spec that is not an object', () => {
    assert.throws(() => validateRoleSpec('r', ['x']), invalid('invalid role "r": spec must be an object'));
    assert.throws(() => validateRoleSpec('', null), invalid('invalid role "":\n  - a role name is required\n  - spec must be an object'));
  });
  it('lists every problem at once, one per line', () => {
    assert.throws(
      () => validateRoleSpec('r', { serviceAccount: 's', roleType: 'Role', defaultTtl: '1m' }),
      invalid(
        'invalid role "r":\n' +
          '  - allowedNamespaces is empty and there is no namespaceSelector: no namespace could ever be used (use --allowed-namespaces NS[,NS…], "*" for all, or --namespace-selector)\n' +
          '  - defaultTtl 1m is under 10m, the shortest lifetime Kubernetes gives a token\n' +
          '  - roleType and roleRefType apply only with kubernetesRole or rules, not with serviceAccount',
      ),
    );
  });

  // formatDuration of a negative number renders "-1h-1m-5s"; the message should name
  // what the user wrote (or call it not a duration).
  it('names a negative TTL as written', () => {
    assert.match(problems({ ...base, serviceAccount: 's', defaultTtl: -5 })[0]!, /^defaultTtl (-5s is under 10m|"-5" is not a duration)/);
  });
});

describe('validateRoleSpec: role kinds', () => {
  for (const [written, kind] of [
    ['role', 'Role'],
    ['ROLE', 'Role'],
    ['clusterrole', 'ClusterRole'],
    ['ClusterRole', 'ClusterRole'],
    ['CLUSTERROLE', 'ClusterRole'],
  ] as const) {
    it(`roleType "${written}" → ${kind}`, () => assert.equal(validateRoleSpec('r', { ...base, kubernetesRole: 'view', roleType: written }).spec.roleType, kind));
  }
  it('nonResourceURLs are allowed when the generated role is a ClusterRole (any case)', () => {
    const rules = [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }];
    assert.deepEqual(validateRoleSpec('r', { ...base, rules, roleType: 'clusterrole' }).spec, { ...base, rules, roleType: 'ClusterRole' });
  });
  it('kubernetesRole may bind a ClusterRole with a RoleBinding (roleRefType differs from roleType)', () => {
    assert.deepEqual(validateRoleSpec('r', { ...base, kubernetesRole: 'view', roleType: 'Role', roleRefType: 'ClusterRole' }).spec, {
      ...base,
      kubernetesRole: 'view',
      roleType: 'Role',
      roleRefType: 'ClusterRole',
    });
  });
});

describe('roleMode, roleRefKind, roleNameProblem', () => {
  it('roleMode names the mode that is set', () => {
    assert.equal(roleMode(role('a', { serviceAccount: 's' }).spec), 'serviceAccount');
    assert.equal(roleMode(role('a', { kubernetesRole: 'view' }).spec), 'kubernetesRole');
    assert.equal(roleMode(role('a', { rules: RULES }).spec), 'rules');
  });
  it('roleRefKind: roleRefType, else roleType, else Role', () => {
    assert.equal(roleRefKind(role('a', { kubernetesRole: 'view' }).spec), 'Role');
    assert.equal(roleRefKind(role('a', { kubernetesRole: 'view', roleType: 'ClusterRole' }).spec), 'ClusterRole');
    assert.equal(roleRefKind(role('a', { kubernetesRole: 'view', roleType: 'ClusterRole', roleRefType: 'Role' }).spec), 'Role');
  });
  it('roleNameProblem', () => {
    assert.equal(roleNameProblem('ci-deployer'), undefined);
    assert.equal(roleNameProblem(''), 'a role name is required');
    assert.equal(roleNameProblem(undefined), 'a role name is required');
    assert.equal(roleNameProblem('a'.repeat(64)), `role name "${'a'.repeat(64)}" must be at most 63 characters (it has 64)`);
  });
});

describe('validateRoleSpec: extraLabels on roles of generated rules', () => {
  it('labels of your own domain, and app.kubernetes.io/ (recommended labels), are kept', () => {
    const extraLabels = { 'example.com/team': 'a', 'app.kubernetes.io/part-of': 'ci', team: 'b' };
    assert.deepEqual(validateRoleSpec('r', { ...base, rules: RULES, roleType: 'ClusterRole', extraLabels }).spec.extraLabels, extraLabels);
  });
  it('other modes generate no role: Kubernetes labels stay allowed there', () => {
    const extraLabels = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };
    assert.deepEqual(validateRoleSpec('r', { ...base, kubernetesRole: 'view', roleType: 'ClusterRole', extraLabels }).spec.extraLabels, extraLabels);
  });
});

describe('validateRoleSpec: allowClusterRoleBinding', () => {
  const clusterRole = { ...base, kubernetesRole: 'view', roleType: 'ClusterRole' };
  it('kept when true, for an existing or a generated ClusterRole', () => {
    assert.equal(validateRoleSpec('r', { ...clusterRole, allowClusterRoleBinding: true }).spec.allowClusterRoleBinding, true);
    assert.equal(validateRoleSpec('r', { ...base, rules: RULES, roleType: 'ClusterRole', allowClusterRoleBinding: true }).spec.allowClusterRoleBinding, true);
  });
  it('false is the default and is not stored (roles written before it keep their digest)', () => {
    assert.equal('allowClusterRoleBinding' in validateRoleSpec('r', { ...clusterRole, allowClusterRoleBinding: false }).spec, false);
  });
  it('refused where no ClusterRoleBinding can be made, or when not a boolean', () => {
    assert.deepEqual(problems({ ...base, serviceAccount: 's', allowClusterRoleBinding: true }), ['allowClusterRoleBinding applies only with kubernetesRole or rules, not with serviceAccount']);
    assert.deepEqual(problems({ ...base, rules: RULES, allowClusterRoleBinding: true }), ['allowClusterRoleBinding needs roleType ClusterRole: a ClusterRoleBinding cannot ref a Role']);
    assert.deepEqual(problems({ ...clusterRole, allowClusterRoleBinding: 'yes' }), ['allowClusterRoleBinding must be true or false']);
  });
  it('switching to another mode drops it, with the role types', () => {
    const merged = mergeRoleSpec(validateRoleSpec('r', { ...clusterRole, allowClusterRoleBinding: true }).spec, { serviceAccount: 's' });
    assert.deepEqual(validateRoleSpec('r', merged).spec, { ...base, serviceAccount: 's' });
  });
});

describe('mergeRoleSpec', () => {
  const current = role('r', { rules: RULES, defaultTtl: '30m', extraLabels: { team: 'a' } }).spec;

  it('changes only the given fields', () => {
    assert.deepEqual(mergeRoleSpec(current, { defaultTtl: '45m' }), { ...current, defaultTtl: '45m' });
  });
  it('ignores undefined patch values', () => {
    assert.deepEqual(mergeRoleSpec(current, { defaultTtl: undefined, maxTtl: undefined }), current);
  });
  it('a new mode replaces the old one', () => {
    const merged = mergeRoleSpec(current, { kubernetesRole: 'view' });
    assert.equal(merged.kubernetesRole, 'view');
    assert.equal('rules' in merged, false);
    assert.equal(validateRoleSpec('r', merged).spec.kubernetesRole, 'view');
  });
  it('keeps the mode when the patch gives none', () => {
    assert.deepEqual(mergeRoleSpec(current, { maxTtl: '1h' }).rules, RULES);
  });
  it('does not modify the current spec', () => {
    const before = structuredClone(current);
    mergeRoleSpec(current, { serviceAccount: 's', defaultTtl: '1h' });
    assert.deepEqual(current, before);
  });
});

describe('roleFromDocument', () => {
  const document = { apiVersion: TEMPCREDS_API_VERSION, kind: CREDENTIAL_ROLE_KIND, metadata: { name: 'reader' }, spec: { allowedNamespaces: ['dev'], rules: RULES } };
  const documentProblems = (value: unknown) => problemsOf(() => roleFromDocument(value, 'roles.yaml'), 'roles.yaml');

  it('reads a valid document', () => assert.deepEqual(roleFromDocument(document, 'roles.yaml'), { name: 'reader', spec: { allowedNamespaces: ['dev'], rules: RULES } }));
  it('round-trips through roleToDocument', () => {
    const definition = roleFromDocument(document, 'x');
    assert.deepEqual(roleFromDocument(roleToDocument(definition), 'x'), definition);
  });
  it('refuses a non-mapping', () => {
    assert.deepEqual(documentProblems('reader'), ['a role document must be a mapping with apiVersion, kind, metadata and spec']);
  });
  it('refuses a wrong apiVersion and kind', () => {
    assert.deepEqual(documentProblems({ ...document, apiVersion: 'v1', kind: undefined }), [
      'apiVersion must be tempcreds.dev/v1alpha1 (got "v1")',
      'kind must be CredentialRole (got null)',
    ]);
  });
  it('refuses unknown top-level and metadata fields', () => {
    assert.deepEqual(documentProblems({ ...document, status: {}, metadata: { name: 'reader', namespace: 'x' } }), [
      'unknown top-level field "status" (expected apiVersion, kind, metadata, spec)',
      'unknown metadata field "namespace" (only name is used)',
    ]);
  });
  it('requires metadata.name', () => {
    assert.deepEqual(documentProblems({ ...document, metadata: {} }), ['metadata.name is required']);
    assert.deepEqual(documentProblems({ ...document, metadata: undefined }), ['metadata.name is required']);
  });
  it('validates the spec under the document name', () => {
    assert.throws(() => roleFromDocument({ ...document, spec: { allowedNamespaces: ['dev'] } }, 'x'), invalid(`invalid role "reader": ${ONE_MODE}`));
  });
});

describe('roleDigest', () => {
  const definition: RoleDefinition = role('reader', { rules: RULES, defaultTtl: '30m', extraLabels: { team: 'a', tier: 'b' } });

  it('is 16 hex characters', () => assert.match(roleDigest(definition), /^[0-9a-f]{16}$/));
  it('is stable under key order', () => {
    const reordered: RoleDefinition = {
      spec: { extraLabels: { tier: 'b', team: 'a' }, rules: RULES, defaultTtl: '30m', allowedNamespaces: ['dev'] },
      name: 'reader',
    };
    assert.equal(roleDigest(reordered), roleDigest(definition));
  });
  const changes: [string, RoleDefinition][] = [
    ['the name', { ...definition, name: 'writer' }],
    ['allowed namespaces', { ...definition, spec: { ...definition.spec, allowedNamespaces: ['prod'] } }],
    ['the default TTL', { ...definition, spec: { ...definition.spec, defaultTtl: '31m' } }],
    ['a new max TTL', { ...definition, spec: { ...definition.spec, maxTtl: '1h' } }],
    ['the rules', { ...definition, spec: { ...definition.spec, rules: [{ ...RULES[0]!, verbs: ['get'] }] } }],
    ['the role type', { ...definition, spec: { ...definition.spec, roleType: 'ClusterRole' } }],
    ['a label value', { ...definition, spec: { ...definition.spec, extraLabels: { team: 'a', tier: 'c' } } }],
    ['the issuer context', { ...definition, spec: { ...definition.spec, issuerContext: 'other' } }],
    ['the audiences', { ...definition, spec: { ...definition.spec, defaultAudiences: ['x'] } }],
  ];
  for (const [name, changed] of changes) it(`changes with ${name}`, () => assert.notEqual(roleDigest(changed), roleDigest(definition)));
});
