// Leases as the cluster records them: every object a lease creates carries its labels,
// and its anchor Secret carries the lease's id, expiry, ServiceAccount and planned kinds.
// Grouping labelled objects by lease lets any machine with issuer rights list, revoke and
// garbage-collect leases without local state. Pure: the caller lists, this decides.
//
// Labels prove nothing: anyone who may write a namespace (or patch an object's labels) can
// copy them. So an object belongs to a lease only by provenance: its anchor is a Secret in its
// namespace whose lease-id annotation matches its labels; namespaced members are owned
// (ownerReferences) by that anchor, cluster-scoped ones carry its uid; of several such Secrets
// (copies) the one that owns the lease's objects. What fails that is skipped with a warning,
// never deleted.

import {
  ANCHOR_UID_ANNOTATION,
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
import { bareRef, describeRef } from './object-ref.js';
import { checkDns1123Subdomain } from './kube-names.js';

export interface ClusterLease {
  id: string;
  role: string;
  /** The anchor Secret: the one object that vouches for the others. */
  anchor: ManagedObject;
  /** The objects of the lease among those grouped (the anchor, when it was among them). */
  objects: ManagedObject[];
  expiresAt?: string;
  /** The token was requested and every planned object exists; false while (or when a crash left) something missing. */
  complete: boolean;
  /** The newest object's creation time: how long ago the issuance was last busy. */
  lastCreated?: string;
  /** Why nothing of it may be deleted: its anchor cannot be told from copies (see settleAnchors). */
  refused?: string;
}

/** The Secrets claiming to anchor a lease: by namespace and lease id, and by uid. */
export interface AnchorIndex {
  byLease: Map<string, ManagedObject[]>;
  byUid: Map<string, ManagedObject>;
}

function leaseIdOf(object: ManagedObject): string | undefined {
  const suffix = object.labels[LEASE_LABEL];
  const role = object.labels[ROLE_LABEL];
  return suffix && role ? formatLeaseId(role, suffix) : undefined;
}

/** Joined, not concatenated: one flat string, as formatLeaseId's (10 000 anchors: −0.5 MB). */
const anchorKey = (namespace: string, id: string) => [namespace, id].join(' ');

/** A Secret labelled with a lease, its lease-id annotation naming that same lease, and its ServiceAccount named. */
export function isAnchorCandidate(object: ManagedObject): boolean {
  const id = leaseIdOf(object);
  const named = object.annotations[LEASE_ID_ANNOTATION] === id && object.annotations[SERVICE_ACCOUNT_ANNOTATION] !== undefined;
  return object.kind === 'Secret' && id !== undefined && object.namespace !== undefined && named;
}

/** Adds the anchor candidates among `objects` to `index` (a new one unless given). */
export function indexAnchors(objects: ManagedObject[], index: AnchorIndex = { byLease: new Map(), byUid: new Map() }): AnchorIndex {
  for (const object of objects.filter(isAnchorCandidate)) {
    const key = anchorKey(object.namespace!, leaseIdOf(object)!);
    // An exact array: one spread from an empty one reserves room for ~16 (10 000 anchors: +1.7 MB).
    const known = index.byLease.get(key);
    index.byLease.set(key, known ? [...known, object] : [object]);
    if (object.uid) index.byUid.set(object.uid, object);
  }
  return index;
}

/** The kinds the anchor says its issuance creates besides it. */
export function plannedKinds(anchor: ManagedObject): string[] {
  return anchor.annotations[PLANNED_KINDS_ANNOTATION]?.split(',').filter(Boolean) ?? [];
}

/**
 * Why an issuer cannot revoke the lease of this anchor whole: the lease plans kinds the issuer
 * may not list (cluster-scoped ones, for an issuer set up without --cluster-scoped), which may
 * exist unseen. Deleting the rest would leave e.g. a ClusterRoleBinding that grants its rules
 * to whoever re-creates the ServiceAccount's name.
 */
export function unlistedProblem(anchor: ManagedObject, unlisted: readonly string[], context: string): string | undefined {
  const hidden = plannedKinds(anchor).filter((kind) => unlisted.includes(kind));
  if (hidden.length === 0) return undefined;
  return `lease "${leaseIdOf(anchor)}" in namespace ${anchor.namespace} has a ${hidden.join(' and a ')}, which the issuer (context "${context}") may not list (403): not revoked, its anchor and ServiceAccount are kept (so its token still works) — revoke it through an issuer set up with --cluster-scoped (--context)`;
}

/**
 * The anchor that vouches for an object (maybe itself), or why none does, as a warning. Of
 * several anchors claiming the lease in its namespace (copies anyone who may create a Secret can
 * make), only the one that owns it (namespaced) or that it names (cluster-scoped) vouches.
 */
export function provenance(object: ManagedObject, anchors: AnchorIndex): { anchor: ManagedObject } | { problem: string } {
  const id = leaseIdOf(object);
  const claim = `${describeRef(object)} claims lease "${id}"`;
  if (!id) return { problem: `${describeRef(object)} has no lease labels: not deleted` };
  const named = object.namespace ? undefined : anchors.byUid.get(object.annotations[ANCHOR_UID_ANNOTATION] ?? '');
  const namespace = object.namespace ?? named?.namespace;
  if (!namespace || (named && leaseIdOf(named) !== id)) return { problem: `${claim} but names none of its anchors (${ANCHOR_UID_ANNOTATION}): not deleted` };
  const candidates = anchors.byLease.get(anchorKey(namespace, id)) ?? [];
  if (candidates.length === 0) return { problem: `${claim} but the lease has no anchor in namespace ${namespace}: not deleted` };
  const owns = (anchor: ManagedObject) => anchor.uid !== undefined && (object.uid === anchor.uid || (object.owners ?? []).includes(anchor.uid));
  const anchor = object.namespace ? candidates.find((candidate) => candidate === object || owns(candidate)) : candidates.find((candidate) => candidate === named);
  return anchor ? { anchor } : { problem: `${claim} but is not owned by its anchor: not deleted` };
}

/**
 * The objects without the anchor candidates that are not `anchorUid`, with a warning for each
 * left out: an issuer that recorded its anchor's uid where only it writes (the controller: the
 * request's status) tells copies apart even when ownership cannot (an anchor-only lease).
 */
export function keepRecordedAnchor(objects: ManagedObject[], anchorUid: string): { objects: ManagedObject[]; warnings: string[] } {
  const copies = objects.filter((object) => isAnchorCandidate(object) && object.uid !== anchorUid);
  return {
    objects: objects.filter((object) => !copies.includes(object)),
    warnings: copies.map((copy) => `${describeRef(copy)} claims lease "${leaseIdOf(copy)}" but is not the anchor its issuer recorded (uid ${anchorUid}): a copy, not deleted`),
  };
}

/**
 * What is left of a lease whose recorded anchor is gone (deleted by someone who may delete Secrets:
 * the garbage collector removes what it owned, not the cluster-scoped objects that only name it —
 * a ClusterRoleBinding left behind would grant its rules to whoever re-creates the ServiceAccount's
 * name). The uid its issuer recorded where only it writes (the request's status) vouches for them
 * instead. Undefined while the anchor is still there (then provenance decides, as always).
 */
export function leftByRecordedAnchor(objects: ManagedObject[], anchorUid: string): ManagedObject[] | undefined {
  if (objects.some((object) => object.uid === anchorUid)) return undefined;
  return objects.filter((object) => (object.namespace ? (object.owners ?? []).includes(anchorUid) : object.annotations[ANCHOR_UID_ANNOTATION] === anchorUid));
}

/** Whether a lease's anchor has members among its objects. */
const hasMembers = (lease: ClusterLease) => lease.objects.some((object) => object !== lease.anchor);

/**
 * Of several anchors claiming one lease (copies: anyone who may create a Secret can make one),
 * the one that owns objects is the lease's, the others are copies to leave alone; when that
 * cannot tell them apart (none has members — a lease of an existing ServiceAccount has none —
 * or several have), why not: nothing of the lease may be deleted then.
 */
function chooseAnchor(id: string, candidates: ManagedObject[], owns: (anchor: ManagedObject) => boolean): { anchor: ManagedObject; copies: string[] } | { refused: string } {
  const owning = candidates.filter(owns);
  if (owning.length === 1) {
    const anchor = owning[0]!;
    return { anchor, copies: candidates.filter((copy) => copy !== anchor).map((copy) => `${describeRef(copy)} claims lease "${id}" but owns nothing of it, unlike ${describeRef(anchor)}: a copy, not deleted`) };
  }
  const why = owning.length === 0 ? 'none owns anything to tell its own' : `${owning.length} own objects`;
  const names = candidates.map((anchor) => `${anchor.namespace}/${anchor.name}`).join(', ');
  return { refused: `lease "${id}" has ${candidates.length} anchors (Secrets ${names}) and ${why}: not revoked, nothing deleted — delete the Secrets that are not its own, or revoke it from the machine that issued it` };
}

/** One lease per namespace and id (see chooseAnchor); `owning`: anchors known to have had members elsewhere (gc's earlier pages). */
function settleAnchors(leases: ClusterLease[], anchors: AnchorIndex, owning: ReadonlySet<ManagedObject>): { leases: ClusterLease[]; warnings: string[] } {
  const warnings: string[] = [];
  const settled = leases.flatMap((lease): ClusterLease[] => {
    const candidates = anchors.byLease.get(anchorKey(lease.anchor.namespace!, lease.id)) ?? [];
    if (candidates.length <= 1) return [lease];
    const chosen = chooseAnchor(lease.id, candidates, (candidate) => owning.has(candidate) || leases.some((other) => other.anchor === candidate && hasMembers(other)));
    if ('refused' in chosen) return [{ ...lease, refused: chosen.refused }];
    if (chosen.anchor === lease.anchor) warnings.push(...chosen.copies);
    return chosen.anchor === lease.anchor ? [lease] : [];
  });
  return { leases: settled, warnings };
}

/**
 * One lease per id: an id anchored in several namespaces was copied (to Kubernetes each anchor
 * is a lease of its namespace); the one whose anchor owns objects is the lease (see chooseAnchor).
 */
export function oneLeasePerId(leases: ClusterLease[]): { leases: ClusterLease[]; warnings: string[] } {
  const byId = new Map<string, ClusterLease[]>();
  for (const lease of leases) byId.set(lease.id, [...(byId.get(lease.id) ?? []), lease]);
  const warnings: string[] = [];
  const chosen = [...byId.values()].flatMap((same): ClusterLease[] => {
    if (same.length === 1) return same;
    const choice = chooseAnchor(same[0]!.id, same.map((lease) => lease.anchor), (anchor) => same.some((lease) => lease.anchor === anchor && hasMembers(lease)));
    if ('refused' in choice) return [{ ...same[0]!, refused: choice.refused }];
    warnings.push(...choice.copies);
    return same.filter((lease) => lease.anchor === choice.anchor);
  });
  return { leases: chosen, warnings };
}

/**
 * The leases the objects show, each vouched for by its anchor (from `anchors`, else from the
 * objects themselves; one per namespace and id, see settleAnchors); objects without provenance
 * are left out, each with a warning.
 */
export function groupLeases(objects: ManagedObject[], anchors: AnchorIndex = indexAnchors(objects), owning: ReadonlySet<ManagedObject> = new Set()): { leases: ClusterLease[]; warnings: string[] } {
  const byAnchor = new Map<ManagedObject, ManagedObject[]>();
  const warnings = new Set<string>();
  for (const object of objects) {
    const found = provenance(object, anchors);
    if ('problem' in found) warnings.add(found.problem);
    else byAnchor.set(found.anchor, [...(byAnchor.get(found.anchor) ?? []), object]);
  }
  const vouched = [...byAnchor].filter(([anchor]) => {
    const problem = anchorProblem(anchor);
    if (problem) warnings.add(problem);
    return !problem;
  });
  const leases = vouched.map(([anchor, members]): ClusterLease => {
    const planned = plannedKinds(anchor);
    const present = new Set(members.map((object) => object.kind));
    const created = members.map((object) => object.creationTimestamp).filter((time): time is string => Boolean(time)).sort();
    const expiresAt = anchor.annotations[EXPIRES_AT_ANNOTATION];
    return {
      id: leaseIdOf(anchor)!,
      role: anchor.labels[ROLE_LABEL]!,
      anchor,
      objects: members,
      ...(expiresAt ? { expiresAt } : {}),
      complete: anchor.annotations[TOKEN_REQUESTED_ANNOTATION] !== undefined && planned.every((kind) => present.has(kind)),
      ...(created.length > 0 ? { lastCreated: created.at(-1) } : {}),
    };
  });
  const settled = settleAnchors(leases, anchors, owning);
  settled.warnings.forEach((warning) => warnings.add(warning));
  return { leases: settled.leases, warnings: [...warnings] };
}

export type GcReason = 'expired' | 'incomplete';

/**
 * Which leases gc removes: expired ones, and issuances a crash left unfinished — the latter
 * only after `graceMs` since the newest object was created, so an issuance in flight on
 * another machine is never touched.
 */
export function gcReason(lease: ClusterLease, now: Date, graceMs: number): GcReason | undefined {
  if (lease.expiresAt && isExpired({ expiresAt: lease.expiresAt }, now)) return 'expired';
  const settled = !lease.lastCreated || Date.parse(lease.lastCreated) + graceMs <= now.getTime();
  if (settled && !lease.complete) return 'incomplete';
  return undefined;
}

/** A lease record rebuilt from the cluster: revocation deletes exactly the labelled objects. */
export function recordFromCluster(lease: ClusterLease, issuer: Pick<LeaseRecord, 'context' | 'cluster' | 'kubeconfig' | 'clusterCaDigest'>): LeaseRecord {
  const { anchor } = lease;
  return {
    id: lease.id,
    role: lease.role,
    roleDigest: '',
    namespace: anchor.namespace!,
    serviceAccountName: anchor.annotations[SERVICE_ACCOUNT_ANNOTATION] ?? '',
    serviceAccountCreated: lease.objects.some((object) => object.kind === 'ServiceAccount'),
    issuedAt: anchor.creationTimestamp ?? lease.lastCreated ?? '',
    expiresAt: lease.expiresAt ?? '',
    ttlSeconds: 0,
    ...issuer,
    issuedBy: anchor.annotations[ISSUED_BY_ANNOTATION] ?? '',
    objects: lease.objects.map(bareRef),
  };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** Far above any kubeconfig user name (an EKS ARN is about 100 characters). */
const MAX_ISSUED_BY = 256;

/**
 * Why an anchor's annotations are not what issuance writes (then its lease is skipped): anyone
 * who may create a Secret in the namespace writes them, and they are printed and acted on.
 * The value is quoted escaped and shortened, so the warning carries no control character.
 */
export function anchorProblem(anchor: ManagedObject): string | undefined {
  const invalid = (key: string, what: string) => {
    const value = anchor.annotations[key] ?? '';
    const shown = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
    return `${describeRef(anchor)} claims to anchor lease "${leaseIdOf(anchor)}" but its ${key} annotation ${shown} is not ${what}: skipped`;
  };
  const { [SERVICE_ACCOUNT_ANNOTATION]: account = '', [EXPIRES_AT_ANNOTATION]: expiresAt, [ISSUED_BY_ANNOTATION]: issuedBy } = anchor.annotations;
  if (checkDns1123Subdomain(account)) return invalid(SERVICE_ACCOUNT_ANNOTATION, 'a ServiceAccount name');
  if (expiresAt !== undefined && !(RFC3339.test(expiresAt) && !Number.isNaN(Date.parse(expiresAt)))) return invalid(EXPIRES_AT_ANNOTATION, 'an RFC 3339 time');
  if (issuedBy !== undefined && (issuedBy.length > MAX_ISSUED_BY || /[\p{Cc}\p{Cf}]/u.test(issuedBy))) return invalid(ISSUED_BY_ANNOTATION, `printable text of at most ${MAX_ISSUED_BY} characters`);
  return undefined;
}
