// Leases: their ids, the record revocation needs, and the labels and annotations that
// mark every object a lease creates (a public contract: `gc` and `lease list` read them).

import { createHash } from 'node:crypto';
import { invalidInput } from './errors.js';
import { checkDns1123Label } from './kube-names.js';
import type { ObjectRef } from './object-ref.js';

export const RESERVED_PREFIX = 'tempcreds.dev/';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubectl-tempcreds';
export const ROLE_LABEL = 'tempcreds.dev/role';
export const LEASE_LABEL = 'tempcreds.dev/lease';
export const LEASE_ID_ANNOTATION = 'tempcreds.dev/lease-id';
export const EXPIRES_AT_ANNOTATION = 'tempcreds.dev/expires-at';
export const ISSUED_BY_ANNOTATION = 'tempcreds.dev/issued-by';
/** On the anchor only: the lease's ServiceAccount (in the anchor's namespace). */
export const SERVICE_ACCOUNT_ANNOTATION = 'tempcreds.dev/service-account';
/** On the anchor only: the kinds the issuance creates besides it, so gc can tell a finished issuance. */
export const PLANNED_KINDS_ANNOTATION = 'tempcreds.dev/objects';
/**
 * On the anchor only, set together with the TokenRequest: from then on a token may exist, so
 * gc treats the lease as live until it expires; without it a crash left no usable lease.
 */
export const TOKEN_REQUESTED_ANNOTATION = 'tempcreds.dev/token-requested';
/**
 * On cluster-scoped objects only: the uid of their lease's anchor. They cannot have a namespaced
 * owner, and labels anyone may copy; the anchor's uid ties them to the lease they were made for.
 */
export const ANCHOR_UID_ANNOTATION = 'tempcreds.dev/anchor-uid';

/** Selects every object the tool manages. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

const SUFFIX_LENGTH = 12;
const suffixAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A labelled object as found in the cluster. */
export interface ManagedObject extends ObjectRef {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: string;
  /** The uids of its metadata.ownerReferences. */
  owners?: string[];
}

export interface LeaseRecord {
  id: string;
  role: string;
  roleDigest: string;
  namespace: string;
  serviceAccountName: string;
  /** False when the role named an existing ServiceAccount: revocation must not delete it. */
  serviceAccountCreated: boolean;
  bindingKind?: 'RoleBinding' | 'ClusterRoleBinding';
  issuedAt: string;
  expiresAt: string;
  ttlSeconds: number;
  /** Who issued it: the issuer's kubeconfig context, its cluster's server and user. */
  context: string;
  cluster: string;
  issuedBy: string;
  /** The kubeconfig path(s) it was issued with, absolute, as KUBECONFIG lists them; absent for the default. */
  kubeconfig?: string;
  /** sha256 (hex) of the issuing cluster's CA data; absent when the kubeconfig has none. */
  clusterCaDigest?: string;
  /** Everything the issuance created, in creation order; revocation deletes it in deletionRounds. */
  objects: ObjectRef[];
  /** Set when the exec command issued it: revocation evicts that cache entry. */
  tokenCacheKey?: string;
  /** A delegated issuance's CredentialRequest (the controller created the objects): revoking deletes it. */
  request?: { namespace: string; name: string; uid: string };
}

/** A lease suffix from random bytes: lower-case alphanumerics, valid in names and labels. */
export function leaseSuffixFrom(randomBytes: Uint8Array): string {
  if (randomBytes.length < SUFFIX_LENGTH) throw new Error(`need ${SUFFIX_LENGTH} random bytes`);
  // byte % 36 slightly favours a–d (8/256 instead of 7/256): under 0.1 of the suffix's 62 bits.
  return Array.from(randomBytes.subarray(0, SUFFIX_LENGTH), (byte) => suffixAlphabet[byte % 36]).join('');
}

export const LEASE_SUFFIX_BYTES = SUFFIX_LENGTH;

export function formatLeaseId(role: string, suffix: string): string {
  // Joined, not concatenated: one flat string where `${role}/${suffix}` makes three that stay
  // together while the id is held (gc holds one per collected lease: 10 000 leases, ~0.9 MB).
  return [role, suffix].join('/');
}

export interface LeaseIdParts {
  role: string;
  suffix: string;
}

export function parseLeaseId(id: string, given = id): LeaseIdParts {
  const [role, suffix, ...rest] = id.split('/');
  const valid = role && suffix && rest.length === 0 && !checkDns1123Label(role) && /^[a-z0-9]{12}$/.test(suffix);
  if (!valid) throw invalidInput(`"${given}" is not a lease id (expected ROLE/ID as printed by issue or lease list)`);
  return { role, suffix };
}

/** How Vault names a lease of the Kubernetes secrets engine's default mount: `vault write kubernetes/creds/ROLE`. */
export const VAULT_LEASE_PREFIX = 'kubernetes/creds/';

/** A lease id as `-o vault-json` prints it, kubernetes/creds/ROLE/ID, so Vault scripts keep their shape. */
export function vaultLeaseId(id: string): string {
  return `${VAULT_LEASE_PREFIX}${id}`;
}

/**
 * A lease id a user typed: ROLE/ID, or Vault's kubernetes/creds/ROLE/ID as `-o vault-json` prints
 * it; returned as ROLE/ID. Only for input from the command line: records keep ROLE/ID alone.
 */
export function leaseIdFromInput(id: string): string {
  const { role, suffix } = parseLeaseId(id.startsWith(VAULT_LEASE_PREFIX) ? id.slice(VAULT_LEASE_PREFIX.length) : id, id);
  return formatLeaseId(role, suffix);
}

/**
 * The round (0, 1, 2) a lease's object is deleted in: bindings, then roles and the ServiceAccount,
 * then the anchor — and a round only once the earlier ones all succeeded. A binding that outlived
 * its ServiceAccount grants its rules to whoever re-creates that name; and the anchor owns the
 * namespaced objects, so deleting it first would let the garbage collector delete them even when
 * a binding could not be deleted.
 */
export function deletionRound(kind: string): number {
  return kind.endsWith('Binding') ? 0 : kind === 'Secret' ? 2 : 1;
}

/** A lease's objects as deletion rounds (see deletionRound), empty rounds left out. */
export function deletionRounds<T extends ObjectRef>(objects: readonly T[]): T[][] {
  const rounds: T[][] = [[], [], []];
  for (const object of objects) rounds[deletionRound(object.kind)]!.push(object);
  return rounds.filter((round) => round.length > 0);
}

export function isExpired(lease: Pick<LeaseRecord, 'expiresAt'>, now: Date): boolean {
  return Date.parse(lease.expiresAt) <= now.getTime();
}

/** sha256 (hex) of a cluster's CA data as a kubeconfig holds it (base64), undefined without one. */
export function caDigestOf(certificateAuthorityData: string | undefined): string | undefined {
  return certificateAuthorityData ? createHash('sha256').update(Buffer.from(certificateAuthorityData, 'base64')).digest('hex') : undefined;
}

/** The issuer facts a lease record keeps: where it was issued, and through which kubeconfig. */
export function issuedOn(issuer: { kubeconfig?: string; context: string; server: string; certificateAuthorityData?: string }): Pick<LeaseRecord, 'context' | 'cluster' | 'kubeconfig' | 'clusterCaDigest'> {
  const clusterCaDigest = caDigestOf(issuer.certificateAuthorityData);
  return { context: issuer.context, cluster: issuer.server, ...(issuer.kubeconfig ? { kubeconfig: issuer.kubeconfig } : {}), ...(clusterCaDigest ? { clusterCaDigest } : {}) };
}

/**
 * Why an issuer cannot revoke a lease: it talks to another cluster (server or CA) than the one
 * the lease was issued on. There a 404 would say nothing about the lease's objects, whose tokens
 * would stay valid.
 */
export function clusterMismatch(lease: Pick<LeaseRecord, 'cluster' | 'clusterCaDigest'>, issuer: { context: string; server: string; certificateAuthorityData?: string }): string | undefined {
  const sameServer = lease.cluster.replace(/\/+$/, '') === issuer.server.replace(/\/+$/, '');
  const issuerCa = caDigestOf(issuer.certificateAuthorityData);
  const sameCa = lease.clusterCaDigest === undefined || lease.clusterCaDigest === issuerCa;
  if (sameServer && sameCa) return undefined;
  const what = sameServer ? `the same server with another CA (sha256 ${issuerCa?.slice(0, 12) ?? 'none'}…, not ${lease.clusterCaDigest!.slice(0, 12)}…)` : issuer.server;
  return `it was issued on cluster ${lease.cluster}, but context "${issuer.context}" points at ${what}: not revoked, its record is kept — revoke it without --context/--kubeconfig, or with the kubeconfig and context it was issued with`;
}

export function leaseLabels(role: string, suffix: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ROLE_LABEL]: role, [LEASE_LABEL]: suffix };
}

export function leaseSelector(lease: LeaseIdParts): string {
  return `${MANAGED_SELECTOR},${ROLE_LABEL}=${lease.role},${LEASE_LABEL}=${lease.suffix}`;
}

export function roleSelector(role: string): string {
  return `${MANAGED_SELECTOR},${ROLE_LABEL}=${role}`;
}
