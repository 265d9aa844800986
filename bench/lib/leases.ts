// Leases by the thousand, made the way the tool makes them but without its per-process cost:
// the tool's own grant plan (same objects, names, labels, annotations and owner references),
// created with the admin identity over keep-alive connections, and — for revocation — the
// tool's own lease records.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LeaseStore } from '../../src/adapters/lease-store.ts';
import { RoleStore } from '../../src/adapters/role-store.ts';
import { leaseRecordFor, ownedByAnchor, planGrant, type Manifest } from '../../src/core/grant-plan.ts';
import { LEASE_SUFFIX_BYTES, TOKEN_REQUESTED_ANNOTATION, leaseSuffixFrom, type LeaseRecord } from '../../src/core/lease.ts';
import type { ObjectRef } from '../../src/core/object-ref.ts';
import { inParallel, type Admin } from './cluster.ts';

const ISSUER = { context: 'issuer', user: 'tempcreds-issuer' };

function collection(manifest: Manifest): string {
  const namespace = manifest.metadata.namespace;
  const plural = `${manifest.kind.toLowerCase()}s`;
  const group = manifest.apiVersion === 'v1' ? '/api/v1' : `/apis/${manifest.apiVersion}`;
  return namespace ? `${group}/namespaces/${namespace}/${plural}` : `${group}/${plural}`;
}

export interface LeaseBatch {
  /** Lease records (written to the tool home's lease store when `record` is set). */
  leases: LeaseRecord[];
  objects: number;
}

/**
 * `count` leases of role `roleName` (defined in `home`) in `ns`, issued `issuedAgoSeconds` ago
 * with a TTL of `ttlSeconds` — in the past when expired leases are wanted.
 */
export async function createLeases(
  admin: Admin,
  options: { home: string; roleName: string; ns: string; count: number; ttlSeconds: number; issuedAgoSeconds: number; record: boolean; server: string },
): Promise<LeaseBatch> {
  const role = await new RoleStore(join(options.home, 'roles')).get(options.roleName);
  if (!role) throw new Error(`no role ${options.roleName} in ${options.home}`);
  const leaseStore = new LeaseStore(join(options.home, 'leases'));
  const now = new Date(Date.now() - options.issuedAgoSeconds * 1000);
  let objects = 0;
  const leases = await inParallel(Array.from({ length: options.count }), 16, async () => {
    const plan = planGrant({
      role,
      namespace: options.ns,
      ttlSeconds: options.ttlSeconds,
      clusterRoleBinding: false,
      audiences: [],
      leaseSuffix: leaseSuffixFrom(randomBytes(LEASE_SUFFIX_BYTES)),
      issuedBy: ISSUER.user,
      now,
    });
    // The anchor as it ends up after the token round: marked as having had its token requested.
    const anchorManifest = { ...plan.anchor, metadata: { ...plan.anchor.metadata, annotations: { ...plan.anchor.metadata.annotations, [TOKEN_REQUESTED_ANNOTATION]: 'true' } } };
    const anchorObject = await admin.create(collection(anchorManifest), anchorManifest);
    const anchor = { apiVersion: 'v1', kind: 'Secret', name: plan.anchor.metadata.name, namespace: options.ns, uid: anchorObject.metadata.uid as string };
    const created: ObjectRef[] = [anchor];
    for (const round of plan.rounds) {
      for (const manifest of round.create) {
        const object = await admin.create(collection(manifest), ownedByAnchor(manifest, anchor));
        created.push({ apiVersion: manifest.apiVersion, kind: manifest.kind, name: manifest.metadata.name, ...(manifest.metadata.namespace ? { namespace: manifest.metadata.namespace } : {}), uid: object.metadata.uid as string });
      }
    }
    objects += created.length;
    const lease = leaseRecordFor(plan, {
      role,
      issuer: { context: ISSUER.context, server: options.server, user: ISSUER.user },
      issuedAt: now,
      ttlSeconds: options.ttlSeconds,
      expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000),
      objects: created,
    });
    if (options.record) await leaseStore.save(lease);
    return lease;
  });
  return { leases, objects };
}

/** How many objects labelled for `roleName` are left in `ns` (Secrets, ServiceAccounts, RoleBindings). */
export async function remaining(admin: Admin, ns: string, roleName: string): Promise<number> {
  const selector = encodeURIComponent(`tempcreds.dev/role=${roleName}`);
  let count = 0;
  for (const path of [`/api/v1/namespaces/${ns}/secrets`, `/api/v1/namespaces/${ns}/serviceaccounts`, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`]) {
    const response = await admin.request('GET', `${path}?labelSelector=${selector}`);
    if (response.status !== 200) throw new Error(`listing ${path}: HTTP ${response.status}`);
    count += (response.body.items as unknown[]).length;
  }
  return count;
}
