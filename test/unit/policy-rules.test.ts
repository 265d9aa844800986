import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleProblems, unwrapRules } from '../../src/core/policy-rules.ts';

const podsReader = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };

describe('unwrapRules', () => {
  it("unwraps Vault's {rules: [...]}", () => assert.deepEqual(unwrapRules({ rules: [podsReader] }), [podsReader]));
  it('returns a bare list as it is', () => assert.deepEqual(unwrapRules([podsReader]), [podsReader]));
  it('leaves an object with other keys alone (then refused as not a list)', () => {
    const value = { rules: [podsReader], extra: true };
    assert.equal(unwrapRules(value), value);
    assert.deepEqual(ruleProblems(unwrapRules(value), false), ['rules must be a list of PolicyRules (or {"rules": [...]})']);
  });
  it('leaves scalars alone', () => {
    assert.equal(unwrapRules('x'), 'x');
    assert.equal(unwrapRules(null), null);
  });
});

describe('ruleProblems', () => {
  it('accepts valid rules', () => {
    assert.deepEqual(ruleProblems([podsReader, { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['get'] }], false), []);
  });
  it('accepts nonResourceURLs in a ClusterRole', () => {
    assert.deepEqual(ruleProblems([{ nonResourceURLs: ['/healthz'], verbs: ['get'] }], true), []);
  });

  const cases: [string, unknown, boolean, string[]][] = [
    ['not a list', { apiGroups: [''] }, false, ['rules must be a list of PolicyRules (or {"rules": [...]})']],
    ['an empty list', [], false, ['rules must hold at least one PolicyRule']],
    ['a rule that is not an object', ['get pods'], false, ['rules[0] must be an object']],
    [
      'a misspelt key (Vault would grant nothing instead)',
      [{ apiGroup: [''], resources: ['pods'], verbs: ['get'] }],
      false,
      ['rules[0] has unknown key "apiGroup" (allowed: apiGroups, resources, resourceNames, nonResourceURLs, verbs)'],
    ],
    ['a field that is not a string list', [{ apiGroups: '', resources: ['pods'], verbs: ['get'] }], false, ['rules[0] apiGroups must be a list of strings']],
    ['no verbs', [{ apiGroups: [''], resources: ['pods'] }], false, ['rules[0] needs at least one verb']],
    ['an empty verb list', [{ apiGroups: [''], resources: ['pods'], verbs: [] }], false, ['rules[0] needs at least one verb']],
    ['no resources', [{ apiGroups: [''], verbs: ['get'] }], false, ['rules[0] needs resources (or nonResourceURLs in a ClusterRole)']],
    ['no apiGroups', [{ resources: ['pods'], verbs: ['get'] }], false, ['rules[0] needs apiGroups ("" is the core group)']],
    [
      'nonResourceURLs in a Role',
      [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }],
      false,
      ['rules[0] nonResourceURLs are only allowed in a ClusterRole (use --role-type ClusterRole)'],
    ],
    [
      'resources mixed with nonResourceURLs',
      [{ apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/healthz'], verbs: ['get'] }],
      true,
      ['rules[0] may not mix resources and nonResourceURLs'],
    ],
    ['problems indexed per rule', [podsReader, { apiGroups: [''], resources: ['pods'] }], false, ['rules[1] needs at least one verb']],
  ];
  for (const [name, rules, clusterScoped, problems] of cases) {
    it(`refuses ${name}`, () => assert.deepEqual(ruleProblems(rules, clusterScoped), problems));
  }
});
