// What the use cases need from the outside world, as small interfaces: the adapters
// implement them for real, tests with in-memory fakes.

import type { AggregatingClusterRole, Manifest, TokenSpec } from '../core/grant-plan.js';
import type { AuditEvent } from '../core/audit.js';
import type { LeaseRecord, ManagedObject } from '../core/lease.js';
import type { ObjectRef } from '../core/object-ref.js';
import type { ResourceAccess } from '../core/issuer-checks.js';
import type { PolicyRule } from '../core/policy-rules.js';
import type { RbacBinding, RbacSubject } from '../core/role-grants.js';
import type { RoleDefinition } from '../core/role-spec.js';
import type { CachedToken, IssuerKeyParts } from '../core/token-cache.js';

/** The issuer as the kubeconfig names it, with what identifies it in a token cache key. */
export interface IssuerFingerprint extends IssuerKeyParts {
  context: string;
  cluster: string;
  /** The certificate-authority file the digest was read from, if the cluster names one. */
  caFile?: string;
  /** The user's exec command, if any: an issuer must not itself run through tempcreds. */
  execCommand?: string;
}

/** The local clock (a fixed one in tests and in the test build's hooks). */
export interface Clock {
  now(): Date;
}

/** Where roles are kept: local files (adapters/role-store.ts) or the cluster (adapters/cluster-roles.ts). */
export interface RoleRepository {
  get(name: string): Promise<RoleDefinition | undefined>;
  /** Every readable role, and one line for each that could not be read (the others stay usable). */
  list(): Promise<{ roles: RoleDefinition[]; unreadable: string[] }>;
  /** Writes what `change` makes of the current definition (under the role's lock, or its resourceVersion). */
  update(name: string, change: (current: RoleDefinition | undefined) => RoleDefinition): Promise<RoleDefinition>;
  delete(name: string): Promise<boolean>;
  /** Where the roles are, for messages ("the cluster of context X", a directory). */
  where(): Promise<string> | string;
}

/** This machine's lease records. */
export interface LeaseRepository {
  save(lease: LeaseRecord): Promise<void>;
  get(id: string): Promise<LeaseRecord | undefined>;
  list(role?: string): Promise<{ leases: LeaseRecord[]; unreadable: string[] }>;
  delete(id: string): Promise<boolean>;
}

/** Where issued tokens are cached, by token cache key. */
export interface TokenStore {
  readonly kind: 'keychain' | 'file' | 'none';
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, entry: CachedToken): Promise<void>;
  delete(key: string): Promise<void>;
  /** The file holding an entry, for a store that keeps files (the exec hot path reads it directly). */
  fileFor?(key: string): string | undefined;
  /** Said once when a token is stored, e.g. that the keychain was unavailable. */
  notice?: string;
}

export type CreatedRef = ObjectRef & { uid: string };

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface KubernetesPort {
  /** The issuer: its kubeconfig context, cluster and user. */
  readonly issuer: IssuerIdentity;
  /** With `dryRun`, the API server only checks the object (dryRun=All): nothing is stored, and the uid it answers with is no object's. */
  create(manifest: Manifest, options?: { dryRun?: boolean }): Promise<CreatedRef>;
  requestToken(spec: TokenSpec, boundTo: CreatedRef): Promise<IssuedToken>;
  /**
   * The TokenRequest sent with dryRun=All, answering no token. The API server ignores dryRun for
   * TokenRequests (it mints a real token when it can): bind it only to a dry-run anchor, which does
   * not exist, so the server checks authorization, the ServiceAccount and admission, then refuses
   * with a NotFound for what the dry run only pretended to create.
   */
  dryRunTokenRequest(spec: TokenSpec, boundTo: CreatedRef): Promise<void>;
  /** The rules of an existing Role (in `namespace`) or ClusterRole, read as the issuer. */
  roleRules(ref: { kind: 'Role' | 'ClusterRole'; name: string; namespace?: string }): Promise<PolicyRule[] | 'absent' | 'forbidden'>;
  /** Merges annotations into an object (a JSON merge patch). */
  annotate(ref: ObjectRef, annotations: Record<string, string>): Promise<void>;
  /**
   * A background delete, of exactly the object with `ref.uid` when given: 'absent' when it was
   * already gone, 'replaced' when another object (another uid) now has its name and was left alone.
   */
  delete(ref: ObjectRef): Promise<'deleted' | 'absent' | 'replaced'>;
  /** The API server's clock (from the Date header of its answers): the one that decides expiry. */
  serverNow(): Promise<Date>;
  /** Every ClusterRole with an aggregationRule, with its selectors. */
  aggregatingClusterRoles(): Promise<AggregatingClusterRole[]>;
  /** The namespace's labels, or undefined when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /**
   * Every object of the kinds a lease creates that matches the label selector, paged: in all
   * namespaces, or only in `namespaces` (cluster-scoped kinds are always listed cluster-wide).
   */
  listManaged(selector: string, namespaces?: string[]): Promise<ManagedListing>;
  /** The same, one page at a time (kind after kind, in LISTING_ORDER; only `kinds` when given), so a caller can act on a page and drop it. */
  listManagedPages(selector: string, namespaces?: string[], kinds?: readonly string[]): AsyncIterable<ManagedListing>;
}

/**
 * Listed objects, and the cluster-scoped kinds the issuer may not list (403: set up without
 * --cluster-scoped). Those may still exist: a lease that plans one cannot be revoked whole.
 * A 403 on a namespaced kind is thrown instead (the caller then searches known namespaces).
 */
export interface ManagedListing {
  objects: ManagedObject[];
  unlisted: string[];
}

/** Where the use cases report what they did (the local audit log). */
export type AuditSink = (events: AuditEvent[]) => Promise<void>;

export function identityOf(issuer: IssuerIdentity): string {
  return `${issuer.user}@${issuer.context}`;
}

export interface IssuerIdentity {
  /** The kubeconfig path(s) it was loaded from, absolute, as KUBECONFIG lists them; absent for the default. */
  kubeconfig?: string;
  context: string;
  cluster: string;
  server: string;
  user: string;
  /** How to reach and trust the API server, for a kubeconfig holding an issued token. */
  certificateAuthorityData?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

/** What `setup` needs: create or update the issuer's objects (as an admin). */
export interface IssuerSetupPort {
  /** Creates the object, or replaces it when its content differs, like kubectl apply. */
  apply(manifest: Manifest): Promise<'created' | 'configured' | 'unchanged'>;
  /** The live object's labels, or undefined when it does not exist. */
  labelsOf(manifest: Manifest): Promise<Record<string, string> | undefined>;
  /** The namespace's labels, or undefined when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
}

/** Which API version serves a kind (discovery), for what setup applies only where served. */
export interface DiscoveryPort {
  /** The first of `apiVersions` (preferred first) that serves `kind`, or undefined. */
  servedApiVersion<V extends string>(kind: string, apiVersions: readonly V[]): Promise<V | undefined>;
}

/** What `doctor` asks the API server, as the issuer. */
export interface IssuerCheckPort {
  readonly issuer: IssuerIdentity;
  /** The server's gitVersion: proves it is reachable and accepts the credentials. */
  serverVersion(): Promise<string>;
  /** Whether core/v1 discovery offers `create` on serviceaccounts/token (TokenRequest). */
  supportsTokenRequest(): Promise<boolean>;
  /** The authenticated user name (SelfSubjectReview), undefined when the server cannot tell. */
  whoAmI(): Promise<string | undefined>;
  /** SelfSubjectAccessReview, cluster-wide or in the access's namespace. */
  canI(access: ResourceAccess): Promise<boolean>;
}

/** What RBAC allows a requester now, as the controller asks it (a SubjectAccessReview). */
export interface RequesterAccessPort {
  /** Whether `requester` (as admission authenticated it: spec.requester) may `use` CredentialRole `role` now. */
  mayUse(requester: { username: string; uid?: string; groups?: string[] }, role: string): Promise<boolean>;
}

/** A grant's ClusterRole or ClusterRoleBinding as read back. */
export interface LiveGrantObject {
  labels: Record<string, string>;
  resourceVersion: string;
  /** A binding's subjects. */
  subjects: RbacSubject[];
}

/** RBAC, cluster-wide, as whoever runs the command (granting needs rights on ClusterRoles and their bindings). */
export interface RoleGrantPort {
  read(kind: 'ClusterRole' | 'ClusterRoleBinding', name: string): Promise<LiveGrantObject | undefined>;
  /** Creates, or with `resourceVersion` replaces; false when someone else changed or created it meanwhile (409). */
  write(manifest: Manifest, resourceVersion?: string): Promise<boolean>;
  remove(kind: 'ClusterRole' | 'ClusterRoleBinding', name: string): Promise<void>;
  /** Every ClusterRole's rules and every ClusterRoleBinding. */
  listRbac(): Promise<{ clusterRoles: { name: string; rules: PolicyRule[] }[]; bindings: RbacBinding[] }>;
}
