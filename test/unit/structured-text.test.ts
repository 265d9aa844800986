import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocuments, parseStructured, toYaml } from '../../src/core/structured-text.ts';
import { invalid } from './fakes.ts';

describe('parseStructured', () => {
  it('reads JSON', () => assert.deepEqual(parseStructured('{"rules": [{"verbs": ["get"]}]}', '--rules'), { rules: [{ verbs: ['get'] }] }));
  it('reads YAML', () => assert.deepEqual(parseStructured('rules:\n  - verbs: [get]\n', '--rules'), { rules: [{ verbs: ['get'] }] }));
  it('keeps YAML 1.1 lookalikes as strings (JSON schema: no "yes" → true, no dates)', () => {
    assert.deepEqual(parseStructured('a: yes\nb: 2025-01-01\nc: on', 'x'), { a: 'yes', b: '2025-01-01', c: 'on' });
  });
  it('refuses malformed text, naming where it came from (exit code 2)', () => {
    assert.throws(() => parseStructured('{"rules": [', '--rules'), invalid(/^--rules is neither valid JSON nor YAML: /));
  });
});

describe('parseDocuments', () => {
  it('reads several documents and skips empty ones', () => {
    assert.deepEqual(parseDocuments('a: 1\n---\n---\nb: 2\n', 'roles.yaml'), [{ a: 1 }, { b: 2 }]);
  });
  it('refuses malformed YAML, naming the file', () => {
    assert.throws(() => parseDocuments('a: [1\n', 'roles.yaml'), invalid(/^roles\.yaml is not valid YAML: /));
  });
});

/** The classic "billion laughs": nine levels of ten aliases each, 10^9 strings once expanded. */
const BILLION_LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat(Array.from({ length: 8 }, (_, level) => {
    const name = String.fromCharCode(98 + level);
    const previous = String.fromCharCode(97 + level);
    return `${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`;
  }))
  .join('\n');

describe('YAML anchors and aliases are refused (alias bombs)', () => {
  const ANCHORS = /uses YAML anchors or aliases \(&name, \*name\), which are not accepted: write the values out$/;
  it('a billion laughs, in a flag and in a file of documents, quickly', () => {
    const started = Date.now();
    assert.throws(() => parseStructured(BILLION_LAUGHS, '--rules'), invalid(new RegExp(`^--rules ${ANCHORS.source}`)));
    assert.throws(() => parseDocuments(`a: 1\n---\n${BILLION_LAUGHS}`, 'roles.yaml'), invalid(new RegExp(`^roles\\.yaml ${ANCHORS.source}`)));
    assert.ok(Date.now() - started < 1000);
  });
  it('a single anchor, even unused, and one on a scalar', () => {
    assert.throws(() => parseStructured('rules: &r []\n', 'x'), invalid(ANCHORS));
    assert.throws(() => parseDocuments('spec: {serviceAccount: &sa a}\n', 'x'), invalid(ANCHORS));
  });
  it('an alias without its anchor is invalid YAML', () => {
    assert.throws(() => parseStructured('a: *missing\n', 'x'), invalid(/^x is neither valid JSON nor YAML: unidentified alias "missing"/));
  });
  it('"&" and "*" inside strings are just text', () => {
    assert.deepEqual(parseStructured('a: "&x *y"\nb: "*"\n', 'x'), { a: '&x *y', b: '*' });
  });
});

describe('toYaml', () => {
  it('round-trips through parseStructured, keeping key order', () => {
    const value = { spec: { b: ['x'], a: 'y: z' }, kind: 'CredentialRole' };
    const text = toYaml(value);
    assert.ok(text.indexOf('b:') < text.indexOf('a:'), text);
    assert.deepEqual(parseStructured(text, 'x'), value);
  });
});
