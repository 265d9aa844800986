import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  annotationMapProblems,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkPathSegmentName,
  checkQualifiedName,
  labelMapProblems,
} from '../../src/core/kube-names.ts';

const LABEL_SYNTAX = 'must consist of lower case letters, digits and "-", and start and end with a letter or digit';
const SUBDOMAIN_SYNTAX = 'must consist of lower case letters, digits, "-" and ".", and start and end with a letter or digit';
const NAME_PART_SYNTAX = 'name part must consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit';

function table(check: (value: string) => string | undefined, cases: [string, string | undefined][]) {
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value)} → ${expected ?? 'valid'}`, () => assert.equal(check(value), expected));
  }
}

describe('checkDns1123Label', () => {
  table(checkDns1123Label, [
    ['dev', undefined],
    ['a', undefined],
    ['0', undefined],
    ['team-a-1', undefined],
    ['a'.repeat(63), undefined],
    ['a'.repeat(64), 'must be at most 63 characters (it has 64)'],
    ['', LABEL_SYNTAX],
    ['Dev', LABEL_SYNTAX],
    ['-dev', LABEL_SYNTAX],
    ['dev-', LABEL_SYNTAX],
    ['dev_1', LABEL_SYNTAX],
    ['a.b', LABEL_SYNTAX],
  ]);
});

describe('checkDns1123Subdomain', () => {
  table(checkDns1123Subdomain, [
    ['ci-deployer', undefined],
    ['a.b.c', undefined],
    ['a'.repeat(253), undefined],
    ['a'.repeat(254), 'must be at most 253 characters (it has 254)'],
    ['a..b', SUBDOMAIN_SYNTAX],
    ['.a', SUBDOMAIN_SYNTAX],
    ['a.', SUBDOMAIN_SYNTAX],
    ['A', SUBDOMAIN_SYNTAX],
    ['a_b', SUBDOMAIN_SYNTAX],
    ['', SUBDOMAIN_SYNTAX],
  ]);
});

describe('checkPathSegmentName', () => {
  table(checkPathSegmentName, [
    ['view', undefined],
    ['system:aggregate-to-view', undefined],
    ['Mixed_Case', undefined],
    ['', 'must not be empty'],
    ['.', 'may not be "."'],
    ['..', 'may not be ".."'],
    ['a/b', 'may not contain "/" or "%"'],
    ['a%2f', 'may not contain "/" or "%"'],
    ['a'.repeat(254), 'must be at most 253 characters (it has 254)'],
  ]);
});

describe('checkQualifiedName (label and annotation keys)', () => {
  table(checkQualifiedName, [
    ['team', undefined],
    ['Team_1.x', undefined],
    ['example.com/team', undefined],
    ['app.kubernetes.io/managed-by', undefined],
    ['a/b/c', 'may contain at most one "/"'],
    ['/team', 'prefix "" must not be empty'],
    ['Example.com/team', `prefix "Example.com" ${SUBDOMAIN_SYNTAX}`],
    ['example.com/', 'name part must not be empty'],
    ['', 'name part must not be empty'],
    ['a'.repeat(63), undefined],
    ['a'.repeat(64), 'name part must be at most 63 characters (it has 64)'],
    ['-team', NAME_PART_SYNTAX],
    ['team.', NAME_PART_SYNTAX],
    ['te am', NAME_PART_SYNTAX],
  ]);
});

describe('checkLabelValue', () => {
  table(checkLabelValue, [
    ['', undefined],
    ['prod', undefined],
    ['Prod_1.x-y', undefined],
    ['a'.repeat(63), undefined],
    ['a'.repeat(64), 'must be at most 63 characters (it has 64)'],
    ['-x', 'must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit'],
    ['a b', 'must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit'],
  ]);
});

describe('labelMapProblems', () => {
  it('lists a problem per bad key and per bad value, prefixed', () => {
    assert.deepEqual(labelMapProblems('extraLabels', { ok: 'fine', 'bad key': 'x', team: 'bad value' }), [
      `extraLabels key "bad key" ${NAME_PART_SYNTAX}`,
      'extraLabels "team" value "bad value" must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit',
    ]);
  });
  it('is empty for a valid map', () => assert.deepEqual(labelMapProblems('extraLabels', { 'example.com/team': 'a', empty: '' }), []));
});

describe('annotationMapProblems', () => {
  it('accepts free-text values', () => assert.deepEqual(annotationMapProblems('extraAnnotations', { 'example.com/note': 'any text, even: spaces / slashes' }), []));
  it('checks keys like label keys', () => {
    assert.deepEqual(annotationMapProblems('extraAnnotations', { 'a/b/c': 'x' }), ['extraAnnotations key "a/b/c" may contain at most one "/"']);
  });
  it('refuses more than 256 KiB in total', () => {
    const value = 'x'.repeat(256 * 1024);
    assert.deepEqual(annotationMapProblems('extraAnnotations', { note: value }), [`extraAnnotations total ${256 * 1024 + 4} bytes; Kubernetes allows at most 256 KiB`]);
    assert.deepEqual(annotationMapProblems('extraAnnotations', { note: value.slice(4) }), []);
  });
});
