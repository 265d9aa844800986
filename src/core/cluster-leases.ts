// Leases as the cluster records them: every object a lease creates carries its labels,
// and its anchor Secret carries the lease's id, expiry, ServiceAccount and planned kinds.
// Grouping labelled objects by lease lets any machine with issuer rights list, revoke and
// garbage-collect leases without local state. Pure: the caller lists, this decides.

import {
  EXPIRES_AT_ANNOTATION,
  ISSUED_BY_ANNOTATION,
  LEASE_ID_ANNOTATION,
  LEASE_LABEL,
  PLANNED_KINDS_ANNOTATION,
  ROLE_LABEL,
  TOKEN_REQUESTED_ANNOTATION,
  SERVICE_ACCOUNT_ANNOTATION,
  formatLeaseId,
  isExpired,
  type LeaseRecord,
  type ManagedObject,
} from './lease.js';

export interface ClusterLease {
  id: string;
  role: string;
  /** The anchor Secret; missing when it was deleted (revoked) or never created. */
  anchor?: ManagedObject;
  /** Everything labelled with the lease, the anchor included. */
  objects: ManagedObject[];
  expiresAt?: string;
  /** The token was requested and every planned object exists; false while (or when a crash left) something missing. */
  complete: boolean;
  /** The newest object's creation time: how long ago the issuance was last busy. */
  lastCreated?: string;
}

export function groupLeases(objects: ManagedObject[]): ClusterLease[] {
  const byLease = new Map<string, ManagedObject[]>();
  for (const object of objects) {
    const suffix = object.labels[LEASE_LABEL];
    const role = object.labels[ROLE_LABEL];
    if (!suffix || !role) continue;
    const id = formatLeaseId(role, suffix);
    byLease.set(id, [...(byLease.get(id) ?? []), object]);
  }
  return [...byLease].map(([id, members]) => {
    const anchor = members.find((object) => object.kind === 'Secret' && object.annotations[SERVICE_ACCOUNT_ANNOTATION] !== undefined);
    const planned = anchor?.annotations[PLANNED_KINDS_ANNOTATION]?.split(',').filter(Boolean) ?? [];
    const present = new Set(members.map((object) => object.kind));
    const created = members.map((object) => object.creationTimestamp).filter((time): time is string => Boolean(time)).sort();
    const expiresAt = members.map((object) => object.annotations[EXPIRES_AT_ANNOTATION]).find(Boolean);
    return {
      id,
      role: members[0]!.labels[ROLE_LABEL]!,
      ...(anchor ? { anchor } : {}),
      objects: members,
      ...(expiresAt ? { expiresAt } : {}),
      complete: anchor?.annotations[TOKEN_REQUESTED_ANNOTATION] !== undefined && planned.every((kind) => present.has(kind)),
      ...(created.length > 0 ? { lastCreated: created.at(-1) } : {}),
    };
  });
}

export type GcReason = 'expired' | 'orphaned' | 'incomplete';

/**
 * Which leases gc removes: expired ones; orphans (objects whose anchor is gone); and
 * issuances a crash left unfinished. The last two only after `graceMs` since the newest
 * object was created, so an issuance in flight on another machine is never touched.
 */
export function gcReason(lease: ClusterLease, now: Date, graceMs: number): GcReason | undefined {
  if (lease.expiresAt && isExpired({ expiresAt: lease.expiresAt }, now)) return 'expired';
  const settled = !lease.lastCreated || Date.parse(lease.lastCreated) + graceMs <= now.getTime();
  if (!settled) return undefined;
  if (!lease.anchor) return 'orphaned';
  if (!lease.complete) return 'incomplete';
  return undefined;
}

/**
 * Whether an object's own expiry has passed. Every object of a lease carries it, so gc can
 * delete an expired object as soon as it is listed, without grouping its lease first.
 */
export function objectExpired(object: ManagedObject, now: Date): boolean {
  const expiresAt = object.annotations[EXPIRES_AT_ANNOTATION];
  return expiresAt !== undefined && isExpired({ expiresAt }, now);
}

/** A lease record rebuilt from the cluster: revocation deletes exactly the labelled objects. */
export function recordFromCluster(lease: ClusterLease, context: string, cluster: string): LeaseRecord {
  const anchor = lease.anchor;
  const serviceAccountName = anchor?.annotations[SERVICE_ACCOUNT_ANNOTATION] ?? '';
  return {
    id: anchor?.annotations[LEASE_ID_ANNOTATION] ?? lease.id,
    role: lease.role,
    roleDigest: '',
    namespace: anchor?.namespace ?? lease.objects.find((object) => object.namespace)?.namespace ?? '',
    serviceAccountName,
    serviceAccountCreated: lease.objects.some((object) => object.kind === 'ServiceAccount'),
    issuedAt: anchor?.creationTimestamp ?? lease.lastCreated ?? '',
    expiresAt: lease.expiresAt ?? '',
    ttlSeconds: 0,
    context,
    cluster,
    issuedBy: lease.objects[0]?.annotations[ISSUED_BY_ANNOTATION] ?? '',
    objects: lease.objects.map(({ apiVersion, kind, name, namespace, uid }) => ({ apiVersion, kind, name, ...(namespace ? { namespace } : {}), ...(uid ? { uid } : {}) })),
  };
}
