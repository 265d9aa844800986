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

describe('toYaml', () => {
  it('round-trips through parseStructured, keeping key order', () => {
    const value = { spec: { b: ['x'], a: 'y: z' }, kind: 'CredentialRole' };
    const text = toYaml(value);
    assert.ok(text.indexOf('b:') < text.indexOf('a:'), text);
    assert.deepEqual(parseStructured(text, 'x'), value);
  });
});
