import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, digestOf } from '../../src/core/digest.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}');
  });
  it('is the same for the same value in any key order', () => {
    assert.equal(canonicalJson({ a: 1, b: [1, 2], c: { x: null, y: true } }), canonicalJson({ c: { y: true, x: null }, b: [1, 2], a: 1 }));
  });
  it('keeps array order', () => assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1])));
  it('drops undefined properties', () => assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}'));
  it('renders scalars as JSON', () => {
    assert.equal(canonicalJson('a"b'), '"a\\"b"');
    assert.equal(canonicalJson(1.5), '1.5');
    assert.equal(canonicalJson(null), 'null');
    assert.equal(canonicalJson(false), 'false');
  });
  it('is valid JSON that parses back to the value', () => {
    const value = { z: [1, { b: 'x', a: null }], a: { 'key with "quotes"': 1 } };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
  });
});

describe('digestOf', () => {
  it('is the sha256 of the canonical JSON', () => {
    assert.equal(digestOf({ b: 1, a: 2 }), createHash('sha256').update('{"a":2,"b":1}').digest('hex'));
  });
  it('can be shortened', () => {
    assert.equal(digestOf({ a: 1 }, 16), digestOf({ a: 1 }).slice(0, 16));
    assert.equal(digestOf({ a: 1 }, 16).length, 16);
  });
  it('differs for different values', () => assert.notEqual(digestOf({ a: 1 }), digestOf({ a: 2 })));
});
