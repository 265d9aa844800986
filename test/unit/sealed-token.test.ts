import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { TempcredsError } from '../../src/core/errors.ts';
import { generateRequestKeyPair, openSealedToken, REQUEST_UID_HEADER, sealToken } from '../../src/core/sealed-token.ts';
import { requestPublicKeyProblems } from '../../src/core/request-public-key.ts';

// Shaped like a ServiceAccount token; random, so a message that leaks it cannot pass by chance.
const token = () => `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
const UID = '3f1c2a9e-7b1d-4c55-9a0e-2d6f0c8b1a77';
const OTHER_UID = '9b0e5d4c-1a2b-4c3d-8e9f-001122334455';

/** Refused with exit 1, a message matching `pattern`, and nothing of the token in it. */
async function refused(promise: Promise<unknown>, pattern: RegExp, secret: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TempcredsError);
    assert.equal(error.exitCode, 1);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(secret) && !String(error.cause).includes(secret), 'the error quotes the token');
    assert.ok(!error.message.includes('\n'));
    return true;
  });
}

/** Replaces one segment of a compact JWE. */
function withSegment(jwe: string, index: number, replace: (segment: string) => string): string {
  const parts = jwe.split('.');
  parts[index] = replace(parts[index]!);
  return parts.join('.');
}

const flipFirst = (segment: string) => (segment[0] === 'A' ? 'B' : 'A') + segment.slice(1);

describe('sealed tokens', () => {
  for (const curve of ['X25519', 'P-256'] as const) {
    it(`round-trips on ${curve}: ECDH-ES + A256GCM, bound to the request uid in a critical protected header`, async () => {
      const keys = await generateRequestKeyPair(curve);
      const secret = token();
      const jwe = await sealToken(secret, keys.publicKey, UID);
      assert.equal(jwe.split('.').length, 5);
      assert.ok(!jwe.includes(secret));
      const header = decodeProtectedHeader(jwe);
      assert.equal(header.alg, 'ECDH-ES');
      assert.equal(header.enc, 'A256GCM');
      assert.equal(header[REQUEST_UID_HEADER], UID);
      assert.deepEqual(header.crit, [REQUEST_UID_HEADER]);
      assert.equal(await openSealedToken(jwe, keys.privateKey, UID), secret);
    });
  }

  it('prefers X25519 and exports only the public members', async () => {
    const { publicKey } = await generateRequestKeyPair();
    assert.deepEqual(Object.keys(publicKey).sort(), ['crv', 'kty', 'x']);
    assert.equal(publicKey.crv, 'X25519');
    const p256 = await generateRequestKeyPair('P-256');
    assert.deepEqual(Object.keys(p256.publicKey).sort(), ['crv', 'kty', 'x', 'y']);
  });

  it('is opened by a standard JOSE decrypter that honours the critical uid header', async () => {
    const keys = await generateRequestKeyPair();
    const secret = token();
    const jwe = await sealToken(secret, keys.publicKey, UID);
    // A decrypter that does not know the header refuses the JWE rather than skip the binding.
    await assert.rejects(compactDecrypt(jwe, keys.privateKey), /not recognized/);
    const { plaintext } = await compactDecrypt(jwe, keys.privateKey, { crit: { [REQUEST_UID_HEADER]: true } });
    assert.equal(new TextDecoder().decode(plaintext), secret);
  });

  it('refuses a tampered ciphertext, tag or IV', async () => {
    const keys = await generateRequestKeyPair();
    const secret = token();
    const jwe = await sealToken(secret, keys.publicKey, UID);
    for (const index of [2, 3, 4]) {
      await refused(openSealedToken(withSegment(jwe, index, flipFirst), keys.privateKey, UID), /tampered with or sealed to another key; delete the request and create a new one/, secret);
    }
  });

  it('refuses a changed protected header: it is the additional authenticated data', async () => {
    const keys = await generateRequestKeyPair();
    const secret = token();
    const jwe = await sealToken(secret, keys.publicKey, UID);
    const header = { ...decodeProtectedHeader(jwe), kid: 'added' };
    const changed = withSegment(jwe, 0, () => Buffer.from(JSON.stringify(header)).toString('base64url'));
    await refused(openSealedToken(changed, keys.privateKey, UID), /tampered with or sealed to another key/, secret);
  });

  it('refuses a token sealed to another key, also on the other curve', async () => {
    const mine = await generateRequestKeyPair();
    const secret = token();
    for (const other of [await generateRequestKeyPair('X25519'), await generateRequestKeyPair('P-256')]) {
      const jwe = await sealToken(secret, other.publicKey, UID);
      await refused(openSealedToken(jwe, mine.privateKey, UID), /cannot be opened with this request's private key/, secret);
    }
  });

  it('refuses a status copied from another request, even one sealed to the same key', async () => {
    const keys = await generateRequestKeyPair();
    const secret = token();
    const jwe = await sealToken(secret, keys.publicKey, OTHER_UID);
    await refused(openSealedToken(jwe, keys.privateKey, UID), new RegExp(`sealed for another request, not this one \\(uid ${UID}\\): a status copied from elsewhere`), secret);
    // Claiming this request's uid in the header does not help: the header is authenticated.
    const relabelled = withSegment(jwe, 0, (segment) => Buffer.from(Buffer.from(segment, 'base64url').toString().replace(OTHER_UID, UID)).toString('base64url'));
    await refused(openSealedToken(relabelled, keys.privateKey, UID), /tampered with or sealed to another key/, secret);
  });

  it('refuses what is not a sealed token: garbage, another algorithm, a plaintext that is no bearer token', async () => {
    const keys = await generateRequestKeyPair();
    await refused(openSealedToken('not-a-jwe', keys.privateKey, UID), /holds no token sealed by kubectl-tempcreds/, 'not-a-jwe');
    const jwe = await sealToken(token(), keys.publicKey, UID);
    const dir = withSegment(jwe, 0, (segment) => Buffer.from(Buffer.from(segment, 'base64url').toString().replace('"ECDH-ES"', '"dir"')).toString('base64url'));
    await refused(openSealedToken(dir, keys.privateKey, UID), /holds no token sealed by kubectl-tempcreds \(a compact JWE, ECDH-ES with A256GCM\)/, 'never');
    const spaced = await sealToken('two words', keys.publicKey, UID);
    await refused(openSealedToken(spaced, keys.privateKey, UID), /not a bearer token/, 'two words');
  });

  it('seals only for a request with a uid, to a well-formed public key', async () => {
    const keys = await generateRequestKeyPair();
    await assert.rejects(sealToken(token(), keys.publicKey, ''), (error: TempcredsError) => error.exitCode === 2 && /only for a request that has a uid/.test(error.message));
    await assert.rejects(sealToken(token(), { ...keys.publicKey, x: 'short' }, UID), (error: TempcredsError) => error.exitCode === 2 && /"x" must be 43 base64url characters/.test(error.message));
  });
});

describe('request public keys', () => {
  const x = 'vAyv0BjNZ-FWCwrRKh0rKycz2jIEShKcQXkXZMKDyww';
  const y = 'rxZvqy5I9rgXbe3ZLxxGEmS28zGfvPZMSV7WDhAyrTE';
  const cases: [string, unknown, RegExp | undefined][] = [
    ['X25519', { kty: 'OKP', crv: 'X25519', x }, undefined],
    ['P-256', { kty: 'EC', crv: 'P-256', x, y }, undefined],
    ['a private key', { kty: 'OKP', crv: 'X25519', x, d: x }, /private key "d": never send it/],
    ['Ed25519 (a signing key)', { kty: 'OKP', crv: 'Ed25519', x }, /must be \{"kty":"OKP","crv":"X25519"\} or \{"kty":"EC","crv":"P-256"\}/],
    ['P-384', { kty: 'EC', crv: 'P-384', x, y }, /must be \{"kty":"OKP"/],
    ['RSA', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, /must be \{"kty":"OKP"/],
    ['P-256 without y', { kty: 'EC', crv: 'P-256', x }, /"y" must be 43 base64url characters/],
    ['X25519 with y', { kty: 'OKP', crv: 'X25519', x, y }, /members it must not: y/],
    ['extra members', { kty: 'OKP', crv: 'X25519', x, kid: 'k' }, /members it must not: kid/],
    ['padded x', { kty: 'OKP', crv: 'X25519', x: `${x.slice(0, 42)}=` }, /"x" must be 43 base64url/],
    ['not an object', 'X25519', /must be a JWK object/],
    ['an array', [], /must be a JWK object/],
  ];
  for (const [what, jwk, problem] of cases) {
    it(`${problem ? 'refuses' : 'accepts'} ${what}`, () => {
      const problems = requestPublicKeyProblems(jwk);
      if (problem) assert.match(problems.join('; '), problem);
      else assert.deepEqual(problems, []);
    });
  }
});
