// The token of a delegated issuance travels through a CredentialRequest's status, which every
// reader of the request may see: so it is sealed (compact JWE, ECDH-ES + A256GCM) to a key pair
// only the requesting process holds, and bound to the request's uid. Any language's JOSE library
// can open it. Pure apart from the key material WebCrypto makes (through jose).

import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import { invalidInput, operationFailed } from './errors.js';

export const SEAL_ALGORITHM = 'ECDH-ES';
export const SEAL_ENCRYPTION = 'A256GCM';

/**
 * The protected header member naming the request a token was sealed for. It is authenticated
 * (the protected header is the AEAD's additional data) and marked critical, so a decrypter that
 * does not know it refuses the JWE instead of skipping the check.
 */
export const REQUEST_UID_HEADER = 'tempcreds.dev/request-uid';

/** Curves a request key may use: X25519 (preferred) or P-256 (where X25519 is not available). */
export type SealCurve = 'X25519' | 'P-256';

/** A public JWK as a CredentialRequest's `spec.publicKey` holds it: no private part, nothing else. */
export type RequestPublicKey = { kty: 'OKP'; crv: 'X25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/** A coordinate of either curve: 32 bytes, base64url without padding. Also the CRD schema's pattern. */
export const JWK_COORDINATE = /^[A-Za-z0-9_-]{43}$/;

export interface RequestKeyPair {
  publicKey: RequestPublicKey;
  /** Not extractable: it never leaves this process. */
  privateKey: CryptoKey;
}

export async function generateRequestKeyPair(curve: SealCurve = 'X25519'): Promise<RequestKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(SEAL_ALGORITHM, { crv: curve, extractable: false });
  return { publicKey: checkRequestPublicKey(await exportJWK(publicKey)), privateKey };
}

/** What is wrong with a request's public key, or nothing. The CRD schema checks the same. */
export function requestPublicKeyProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['must be a JWK object'];
  const jwk = value as Record<string, unknown>;
  const problems: string[] = [];
  if ('d' in jwk) problems.push('contains the private key "d": never send it; generate a new key pair');
  const curve = jwk.kty === 'OKP' && jwk.crv === 'X25519' ? 'X25519' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'P-256' : undefined;
  if (!curve) problems.push('must be {"kty":"OKP","crv":"X25519"} or {"kty":"EC","crv":"P-256"}');
  const members = curve === 'P-256' ? ['x', 'y'] : ['x'];
  for (const member of members) if (typeof jwk[member] !== 'string' || !JWK_COORDINATE.test(jwk[member])) problems.push(`"${member}" must be 43 base64url characters`);
  const unknown = Object.keys(jwk).filter((key) => !['kty', 'crv', 'd', ...members].includes(key));
  if (unknown.length > 0) problems.push(`has members it must not: ${unknown.join(', ')}`);
  return problems;
}

export function checkRequestPublicKey(value: unknown): RequestPublicKey {
  const problems = requestPublicKeyProblems(value);
  if (problems.length > 0) throw invalidInput(`the request's public key ${problems.join('; ')}`);
  return value as RequestPublicKey;
}

const encoder = new TextEncoder();

/** The token as a compact JWE to the request's key, naming the request it belongs to. */
export async function sealToken(token: string, publicKey: RequestPublicKey, requestUid: string): Promise<string> {
  if (requestUid === '') throw invalidInput('a token can be sealed only for a request that has a uid');
  const key = await importJWK(checkRequestPublicKey(publicKey), SEAL_ALGORITHM);
  return new CompactEncrypt(encoder.encode(token))
    .setProtectedHeader({ alg: SEAL_ALGORITHM, enc: SEAL_ENCRYPTION, [REQUEST_UID_HEADER]: requestUid, crit: [REQUEST_UID_HEADER] })
    .encrypt(key, { crit: { [REQUEST_UID_HEADER]: true } });
}

const ANEW = 'delete the request and create a new one';

/**
 * The token, once the JWE proves it was sealed to this key for this request: a tampered
 * ciphertext or header, another key, or a status copied from another request is refused.
 * Errors never quote the JWE or what it holds.
 */
export async function openSealedToken(jwe: string, privateKey: CryptoKey, expectedRequestUid: string): Promise<string> {
  let claimed: unknown;
  try {
    const header = decodeProtectedHeader(jwe);
    if (header.alg !== SEAL_ALGORITHM || header.enc !== SEAL_ENCRYPTION) throw new Error(`alg ${String(header.alg)}, enc ${String(header.enc)}`);
    claimed = header[REQUEST_UID_HEADER];
  } catch (cause) {
    throw operationFailed(`the request's status holds no token sealed by kubectl-tempcreds (a compact JWE, ${SEAL_ALGORITHM} with ${SEAL_ENCRYPTION}): ${ANEW}`, cause);
  }
  // Checked before decrypting for a clear message; the decryption below authenticates the header.
  if (claimed !== expectedRequestUid) {
    throw operationFailed(`the token in the request's status was sealed for another request, not this one (uid ${expectedRequestUid}): a status copied from elsewhere; ${ANEW}`);
  }
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: [SEAL_ALGORITHM],
      contentEncryptionAlgorithms: [SEAL_ENCRYPTION],
      crit: { [REQUEST_UID_HEADER]: true },
    }));
  } catch (cause) {
    throw operationFailed(`the token in the request's status cannot be opened with this request's private key: it was tampered with or sealed to another key; ${ANEW}`, cause);
  }
  const token = new TextDecoder('utf-8', { fatal: false }).decode(plaintext);
  // A bearer token is printable ASCII without spaces; anything else is not what a controller seals.
  if (!/^[\x21-\x7e]+$/.test(token)) throw operationFailed(`the request's status holds a sealed value that is not a bearer token; ${ANEW}`);
  return token;
}
