import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDns1123Label } from '../../src/core/kube-names.ts';
import { DEFAULT_NAME_TEMPLATE, checkNameTemplate, renderObjectName } from '../../src/core/naming.ts';
import { FIXED_SUFFIX } from './fakes.ts';

const values = { role: 'reader', lease: FIXED_SUFFIX, namespace: 'dev', unix: '1735689600' };

describe('checkNameTemplate', () => {
  const cases: [string, string | undefined][] = [
    [DEFAULT_NAME_TEMPLATE, undefined],
    ['{{lease}}', undefined],
    ['ci-{{ role }}-{{ namespace }}-{{unix}}-{{ lease }}', undefined],
    ['ci-{{role}}', 'must contain {{lease}}, which makes each generated name unique'],
    ['', 'must contain {{lease}}, which makes each generated name unique'],
    ['{{user}}-{{lease}}', 'has unknown placeholder {{user}} (known: {{role}}, {{lease}}, {{namespace}}, {{unix}})'],
    ['{{Lease}}', 'has unknown placeholder {{Lease}} (known: {{role}}, {{lease}}, {{namespace}}, {{unix}})'],
    ['{{}}-{{lease}}', 'has unknown placeholder {{}} (known: {{role}}, {{lease}}, {{namespace}}, {{unix}})'],
  ];
  for (const [template, expected] of cases) it(`${JSON.stringify(template)} → ${expected ?? 'usable'}`, () => assert.equal(checkNameTemplate(template), expected));
});

describe('renderObjectName', () => {
  const cases: [string | undefined, string][] = [
    [undefined, `tc-reader-${FIXED_SUFFIX}`],
    ['{{role}}-{{namespace}}-{{unix}}-{{lease}}', `reader-dev-1735689600-${FIXED_SUFFIX}`],
    ['{{ role }}-{{ lease }}', `reader-${FIXED_SUFFIX}`],
    ['CI_{{role}}.{{lease}}', `ci-reader-${FIXED_SUFFIX}`],
    ['--x--{{lease}}--', `x-${FIXED_SUFFIX}`],
    ['a  b//{{lease}}', `a-b-${FIXED_SUFFIX}`],
  ];
  for (const [template, expected] of cases) it(`${JSON.stringify(template)} → ${expected}`, () => assert.equal(renderObjectName(template, values), expected));

  it('always yields a valid DNS-1123 label', () => {
    for (const template of [undefined, '__{{role}}__{{lease}}__', 'Ü{{lease}}ß', '{{namespace}}.{{role}}.{{lease}}']) {
      const name = renderObjectName(template, values);
      assert.equal(checkDns1123Label(name), undefined, `${template} → ${name}`);
    }
  });

  it('shortens long names to 63 characters, keeping the lease suffix', () => {
    const longRole = 'r'.repeat(63);
    const name = renderObjectName(undefined, { ...values, role: longRole });
    assert.equal(name.length, 63);
    assert.equal(name, `tc-${'r'.repeat(47)}-${FIXED_SUFFIX}`);
    assert.equal(checkDns1123Label(name), undefined);
  });

  it('keeps the lease suffix when it is not at the end of the template', () => {
    const name = renderObjectName('{{lease}}-{{role}}-{{namespace}}', { ...values, role: 'r'.repeat(63) });
    assert.ok(name.length <= 63, name);
    assert.ok(name.endsWith(`-${FIXED_SUFFIX}`), name);
    assert.equal(checkDns1123Label(name), undefined);
  });

  it('leaves no "--" or trailing dash where it cuts', () => {
    // The cut at 50 characters falls on the dash between the two parts.
    const name = renderObjectName('{{role}}-{{namespace}}-{{lease}}', { ...values, role: 'r'.repeat(49), namespace: 'n'.repeat(20) });
    assert.equal(name, `${'r'.repeat(49)}-${FIXED_SUFFIX}`);
    assert.equal(checkDns1123Label(name), undefined);
  });

  it('a name of exactly 63 characters is kept as it is', () => {
    const role = 'r'.repeat(63 - `tc--${FIXED_SUFFIX}`.length);
    assert.equal(renderObjectName(undefined, { ...values, role }), `tc-${role}-${FIXED_SUFFIX}`);
  });
});
