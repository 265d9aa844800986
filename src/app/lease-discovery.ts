// Finding leases' objects by label. An issuer set up with `--namespaces` may not list across
// all namespaces (403): then the namespaces this machine knows (its lease records, its roles'
// allowed namespaces, -n) are searched instead, with one warning naming them.

import { ApiError } from '../core/errors.js';
import { LEASE_LABEL, ROLE_LABEL, type LeaseRecord, type ManagedObject } from '../core/lease.js';
import type { IssuerIdentity, KubernetesPort, ManagedListing } from './ports.js';

/** The namespaces to search when the cluster-wide list is forbidden. */
export type KnownNamespaces = () => Promise<string[]>;

/** This issuer's records' namespaces and the caller's (its roles, -n), each once, sorted. */
export function knownNamespaces(kube: KubernetesPort, records: LeaseRecord[], more?: (context: string) => Promise<string[]>): KnownNamespaces {
  const { context } = kube.issuer;
  const recorded = records.filter((record) => record.context === context).map((record) => record.namespace);
  return async () => [...new Set([...recorded, ...((await more?.(context)) ?? [])])].sort();
}

const isForbidden = (error: unknown) => error instanceof ApiError && error.status === 403;

function scopeWarning(issuer: IssuerIdentity, namespaces: string[]): string {
  const searched = namespaces.length > 0 ? `searched only namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')} (from this machine's leases and roles, and -n)` : 'no namespace is known here to search instead';
  return `the issuer (context "${issuer.context}") may not list across all namespaces (403); ${searched}: name another with -n NAMESPACE`;
}

/**
 * Keeps a cluster-scoped object only when its lease's namespaced objects were found: the rest
 * belong to leases in namespaces not searched, and would look like orphans to gc.
 * Relies on the anchors (Secrets) being listed first (LISTING_ORDER; findManaged sorts).
 */
function withinSearched(seen: Set<string>) {
  const leaseOf = (object: ManagedObject) => `${object.labels[ROLE_LABEL]}/${object.labels[LEASE_LABEL]}`;
  return (object: ManagedObject) => {
    if (object.namespace) seen.add(leaseOf(object));
    return object.namespace !== undefined || seen.has(leaseOf(object));
  };
}

/** Found objects, the cluster-scoped kinds the issuer may not list, and what was not searched. */
export type Found = ManagedListing & { warnings: string[] };

export async function findManaged(kube: KubernetesPort, selector: string, known: KnownNamespaces): Promise<Found> {
  try {
    return { ...(await kube.listManaged(selector)), warnings: [] };
  } catch (error) {
    if (!isForbidden(error)) throw error;
  }
  const namespaces = await known();
  const { objects, unlisted } = namespaces.length > 0 ? await kube.listManaged(selector, namespaces) : { objects: [], unlisted: [] };
  const namespacedFirst = [...objects.filter((object) => object.namespace), ...objects.filter((object) => !object.namespace)];
  return { objects: namespacedFirst.filter(withinSearched(new Set())), unlisted, warnings: [scopeWarning(kube.issuer, namespaces)] };
}

/** Like findManaged, a page at a time (of `kinds` only, when given); whether the cluster-wide list is allowed shows on its first page. */
export async function* managedPages(kube: KubernetesPort, selector: string, known: KnownNamespaces, warn: (warning: string) => void, kinds?: readonly string[]): AsyncGenerator<ManagedListing> {
  const pages = kube.listManagedPages(selector, undefined, kinds)[Symbol.asyncIterator]();
  let first: IteratorResult<ManagedListing>;
  try {
    first = await pages.next();
  } catch (error) {
    if (!isForbidden(error)) throw error;
    const namespaces = await known();
    warn(scopeWarning(kube.issuer, namespaces));
    if (namespaces.length === 0) return;
    const keep = withinSearched(new Set());
    for await (const page of kube.listManagedPages(selector, namespaces, kinds)) yield { objects: page.objects.filter(keep), unlisted: page.unlisted };
    return;
  }
  for (let next = first; !next.done; next = await pages.next()) yield next.value;
}
