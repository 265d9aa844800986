// The token of a delegated issuance travels through a CredentialRequest's status, which every
// reader of the request may see: so it is sealed (compact JWE, ECDH-ES + A256GCM) to a key pair
// only the requesting process holds, and bound to the request's uid. Any language's JOSE library
// can open it. Pure apart from the key material WebCrypto makes (through jose).

import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import { invalidInput, operationFailed } from './errors.js';
import { checkRequestPublicKey, type RequestPublicKey } from './request-public-key.js';

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

export interface RequestKeyPair {
  publicKey: RequestPublicKey;
  /** Not extractable: it never leaves this process. */
  privateKey: CryptoKey;
}

export async function generateRequestKeyPair(curve: SealCurve = 'X25519'): Promise<RequestKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(SEAL_ALGORITHM, { crv: curve, extractable: false });
  return { publicKey: checkRequestPublicKey(await exportJWK(publicKey)), privateKey };
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
