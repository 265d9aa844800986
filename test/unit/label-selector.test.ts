import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSelector, parseSelectorString, selectorMatches, selectorProblems, type LabelSelector } from '../../src/core/label-selector.ts';

describe('parseSelectorString', () => {
  const cases: [string, LabelSelector][] = [
    ['env=dev', { matchLabels: { env: 'dev' } }],
    ['env==dev', { matchLabels: { env: 'dev' } }],
    ['env = dev', { matchLabels: { env: 'dev' } }],
    ['env=', { matchLabels: { env: '' } }],
    ['env!=dev', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }],
    ['zone in (a,b)', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
    ['zone in ( a , b )', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
    ['zone notin (a)', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }],
    ['legacy', { matchExpressions: [{ key: 'legacy', operator: 'Exists' }] }],
    ['!legacy', { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] }],
    ['example.com/team=a', { matchLabels: { 'example.com/team': 'a' } }],
    [
      'env=dev,tier!=db,zone in (a,b),!legacy,team',
      {
        matchLabels: { env: 'dev' },
        matchExpressions: [
          { key: 'tier', operator: 'NotIn', values: ['db'] },
          { key: 'zone', operator: 'In', values: ['a', 'b'] },
          { key: 'legacy', operator: 'DoesNotExist' },
          { key: 'team', operator: 'Exists' },
        ],
      },
    ],
    [' env=dev , team ', { matchLabels: { env: 'dev' }, matchExpressions: [{ key: 'team', operator: 'Exists' }] }],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepEqual(parseSelectorString(text), expected));
  }

  it('refuses an empty term', () => {
    assert.throws(() => parseSelectorString('env=dev,,team'), { message: 'empty term in selector "env=dev,,team"' });
    assert.throws(() => parseSelectorString(''), { message: 'empty term in selector ""' });
  });
  it('refuses a term it cannot parse, naming it', () => {
    for (const term of ['a b', 'zone in a,b', 'zone in (a', '(x)']) {
      assert.throws(() => parseSelectorString(term), { message: /^cannot parse selector term "/ }, term);
    }
    assert.throws(() => parseSelectorString('env=dev,a b'), {
      message: 'cannot parse selector term "a b" (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key)',
    });
  });

  // kubectl ANDs both requirements, so "env=a,env=b" matches no namespace; keeping only the
  // last one silently widens the selector to every namespace labelled env=b.
  it('does not drop a repeated key: "env=a,env=b" must not match env=b', () => {
    let selector: LabelSelector | undefined;
    try {
      selector = parseSelectorString('env=a,env=b');
    } catch {
      return; // refusing the selector is fine too
    }
    assert.equal(selectorMatches(selector, { env: 'b' }), false);
  });
});

describe('selectorProblems (strict structure)', () => {
  const valid: [string, unknown][] = [
    ['matchLabels only', { matchLabels: { env: 'dev' } }],
    ['matchExpressions only', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }],
    ['Exists without values', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }],
    ['DoesNotExist with an empty values list', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: [] }] }],
    ['an empty label value', { matchLabels: { env: '' } }],
  ];
  for (const [name, selector] of valid) it(`accepts ${name}`, () => assert.deepEqual(selectorProblems(selector), []));

  const invalid: [string, unknown, string[]][] = [
    ['a non-object', 'env=dev', ['must be an object with matchLabels and/or matchExpressions']],
    ['a list', [], ['must be an object with matchLabels and/or matchExpressions']],
    ['null', null, ['must be an object with matchLabels and/or matchExpressions']],
    ['an empty selector', {}, ['is empty and would match every namespace; give at least one label requirement']],
    ['empty matchLabels and matchExpressions', { matchLabels: {}, matchExpressions: [] }, ['is empty and would match every namespace; give at least one label requirement']],
    ['an unknown key (a misspelling)', { matchLabel: { env: 'dev' } }, ['unknown key "matchLabel" (allowed: matchLabels, matchExpressions)']],
    ['matchLabels as a list', { matchLabels: ['env'] }, ['matchLabels must be a map of label keys to values']],
    ['a non-string label value', { matchLabels: { env: 1 } }, ['matchLabels "env" must be a string']],
    [
      'a bad label key and value',
      { matchLabels: { 'bad key': 'x', env: 'a b' } },
      [
        'matchLabels key "bad key" name part must consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit',
        'matchLabels "env" value must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit',
      ],
    ],
    ['matchExpressions as an object', { matchExpressions: { key: 'env' } }, ['matchExpressions must be a list']],
    ['a non-object requirement', { matchExpressions: ['env'] }, ['matchExpressions[0] must be an object with key, operator and values']],
    [
      'an unknown requirement key',
      { matchExpressions: [{ key: 'env', operator: 'Exists', value: 'x' }] },
      ['matchExpressions[0] unknown key "value" (allowed: key, operator, values)'],
    ],
    ['a missing key', { matchExpressions: [{ operator: 'Exists' }] }, ['matchExpressions[0] key must be a string']],
    ['an unknown operator', { matchExpressions: [{ key: 'env', operator: 'in', values: ['a'] }] }, ['matchExpressions[0] operator must be one of In, NotIn, Exists, DoesNotExist']],
    ['In without values', { matchExpressions: [{ key: 'env', operator: 'In' }] }, ['matchExpressions[0] operator In needs at least one value']],
    ['NotIn with an empty list', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: [] }] }, ['matchExpressions[0] operator NotIn needs at least one value']],
    ['Exists with values', { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['a'] }] }, ['matchExpressions[0] operator Exists takes no values']],
    ['values not strings', { matchExpressions: [{ key: 'env', operator: 'In', values: [1] }] }, ['matchExpressions[0] values must be a list of strings']],
    ['values not a list', { matchExpressions: [{ key: 'env', operator: 'In', values: 'a' }] }, ['matchExpressions[0] values must be a list of strings']],
    [
      'a bad value',
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['ok', 'not ok'] }] },
      ['matchExpressions[0] value "not ok" must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit'],
    ],
    [
      'problems in several requirements, each indexed',
      { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'In' }] },
      ['matchExpressions[1] operator In needs at least one value'],
    ],
  ];
  for (const [name, selector, problems] of invalid) it(`refuses ${name}`, () => assert.deepEqual(selectorProblems(selector), problems));

  it('refuses the empty result of parsing "zone in ()"', () => {
    assert.deepEqual(selectorProblems(parseSelectorString('zone in ()')), ['matchExpressions[0] operator In needs at least one value']);
  });
});

describe('selectorMatches', () => {
  const labels = { env: 'dev', tier: 'web' };
  const cases: [string, boolean][] = [
    ['env=dev', true],
    ['env=prod', false],
    ['env=dev,tier=web', true],
    ['env=dev,tier=db', false],
    ['missing=', false],
    ['env!=prod', true],
    ['env!=dev', false],
    ['missing!=x', true],
    ['env in (prod,dev)', true],
    ['env in (prod)', false],
    ['missing in (x)', false],
    ['env notin (prod)', true],
    ['env notin (dev)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
  ];
  for (const [text, expected] of cases) {
    it(`${text} ${expected ? 'matches' : 'does not match'} env=dev,tier=web`, () => assert.equal(selectorMatches(parseSelectorString(text), labels), expected));
  }
  it('an empty label value matches only a present, empty label', () => {
    assert.equal(selectorMatches({ matchLabels: { env: '' } }, { env: '' }), true);
    assert.equal(selectorMatches({ matchLabels: { env: '' } }, {}), false);
  });
  it('does not treat inherited properties as labels', () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}), false);
  });
});

describe('formatSelector', () => {
  it('renders kubectl syntax', () => {
    assert.equal(
      formatSelector({
        matchLabels: { env: 'dev' },
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['a', 'b'] },
          { key: 'tier', operator: 'NotIn', values: ['db'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
      'env=dev,zone in (a,b),tier notin (db),team,!legacy',
    );
  });
  for (const text of ['env=dev', 'env=dev,team=a', 'zone in (a,b)', 'zone notin (a)', 'team', '!legacy', 'env=,x in (1,2),!y,z']) {
    it(`round-trips ${JSON.stringify(text)}`, () => {
      const selector = parseSelectorString(text);
      assert.equal(formatSelector(selector), text);
      assert.deepEqual(parseSelectorString(formatSelector(selector)), selector);
    });
  }
});
