// Finding leases: this machine's records merged by id with the leases the cluster's labels show
// (proven by their anchors), so `lease list|get`, `revoke` and `gc` work from any machine.

import { groupLeases, oneLeasePerId, recordFromCluster, unlistedProblem } from '../core/cluster-leases.js';
import { MANAGED_SELECTOR, issuedOn, leaseSelector, parseLeaseId, roleSelector, type LeaseRecord } from '../core/lease.js';
import type { RoleDefinition } from '../core/role-spec.js';
import { findManaged, knownNamespaces } from './lease-discovery.js';
import type { KubernetesPort } from './ports.js';

export type LeaseTarget = { id: string } | { role: string } | { all: true };

export interface LeaseSources {
  connect(context: string | undefined): Promise<KubernetesPort>;
  localLeases(role?: string): Promise<{ leases: LeaseRecord[]; unreadable: string[] }>;
  /** Namespaces to search besides the records' when the issuer (this context) may not list across all: its roles' allowed namespaces, -n. */
  searchNamespaces?(context: string): Promise<string[]>;
}

export interface FoundLease {
  lease: LeaseRecord;
  /** Where it was found: this machine's records, the cluster's labels, or both. */
  where: 'local' | 'cluster' | 'local+cluster';
  /** Why this issuer cannot revoke it whole (found in the cluster only): it is left alone. */
  refused?: string;
}

/** Local records and the leases the cluster's labels show, merged by id (the local record wins). */
export async function findLeases(deps: LeaseSources, target: LeaseTarget, options: { cluster: boolean } = { cluster: true }): Promise<{ found: FoundLease[]; warnings: string[] }> {
  const role = 'role' in target ? target.role : 'id' in target ? parseLeaseId(target.id).role : undefined;
  const { leases, unreadable } = await deps.localLeases(role);
  const local = 'id' in target ? leases.filter((lease) => lease.id === target.id) : leases;
  const found = new Map<string, FoundLease>(local.map((lease) => [lease.id, { lease, where: 'local' }]));
  const warnings = [...unreadable];
  if (options.cluster) {
    const kube = await deps.connect(undefined);
    const selector = 'id' in target ? leaseSelector(parseLeaseId(target.id)) : 'role' in target ? roleSelector(target.role) : MANAGED_SELECTOR;
    const listed = await findManaged(kube, selector, knownNamespaces(kube, leases, deps.searchNamespaces));
    warnings.push(...listed.warnings);
    const grouped = groupLeases(listed.objects);
    warnings.push(...grouped.warnings);
    const wanted = grouped.leases.filter((clusterLease) => !('id' in target) || clusterLease.id === target.id);
    const perId = oneLeasePerId(wanted);
    warnings.push(...perId.warnings);
    for (const clusterLease of perId.leases) {
      const known = found.get(clusterLease.id);
      if (known) known.where = known.where === 'local' ? 'local+cluster' : known.where;
      else {
        const refused = clusterLease.refused ?? unlistedProblem(clusterLease.anchor, listed.unlisted, kube.issuer.context);
        found.set(clusterLease.id, { lease: recordFromCluster(clusterLease, issuedOn(kube.issuer)), where: 'cluster', ...(refused ? { refused } : {}) });
      }
    }
  }
  return { found: [...found.values()].sort((a, b) => a.lease.id.localeCompare(b.lease.id)), warnings };
}

/** Where the leases' records, the roles and the cluster are (the composition root's stores). */
export interface LeaseStores {
  connect(context: string | undefined): Promise<KubernetesPort>;
  leases: { list(role?: string): Promise<{ leases: LeaseRecord[]; unreadable: string[] }> };
  roles: { list(): Promise<{ roles: RoleDefinition[] }> };
}

/**
 * Where to look for leases when the issuer may not list across all namespaces (set up with
 * --namespaces): -n, and the allowed namespaces of the roles that issue through its context.
 */
export function searchNamespaces(stores: Pick<LeaseStores, 'roles'>, namespace: string | undefined) {
  return async (context: string): Promise<string[]> => {
    const { roles } = await stores.roles.list();
    const fromRoles = roles.filter(({ spec }) => !spec.issuerContext || spec.issuerContext === context).flatMap(({ spec }) => spec.allowedNamespaces);
    return [...(namespace ? [namespace] : []), ...fromRoles.filter((allowed) => allowed !== '*')];
  };
}

export function leaseSources(stores: LeaseStores, namespace: string | undefined): LeaseSources {
  return { connect: stores.connect, localLeases: (role?: string) => stores.leases.list(role), searchNamespaces: searchNamespaces(stores, namespace) };
}
