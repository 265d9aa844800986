// A CredentialRequest's public key (spec.publicKey): its shape, checked alike by the CRD schema,
// the controller and the client. Apart from sealed-token.ts so that reading a request's shape
// does not load jose.

import { invalidInput } from './errors.js';

/** A public JWK as a CredentialRequest's `spec.publicKey` holds it: no private part, nothing else. */
export type RequestPublicKey = { kty: 'OKP'; crv: 'X25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/** A coordinate of either curve: 32 bytes, base64url without padding. Also the CRD schema's pattern. */
export const JWK_COORDINATE = /^[A-Za-z0-9_-]{43}$/;

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
