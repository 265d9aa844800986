// Shared builders and small in-memory fakes of the ports for the unit tests. No mocking
// library: each fake records what it was asked and can be told to fail.

import type { CredentialPorts, IssueContext, RecentFailure, ServePorts } from '../../src/app/get-credential.ts';
import type { IssueDeps, IssuedLease, IssueRequest } from '../../src/app/issue.ts';
import type { CreatedRef, IssuedToken, IssuerFingerprint, IssuerIdentity, KubernetesPort, ManagedListing } from '../../src/app/ports.ts';
import type { RoleReader, RoleWriter } from '../../src/app/roles.ts';
import { LISTING_ORDER, isNamespacedKind } from '../../src/core/api-paths.ts';
import { ApiError } from '../../src/core/errors.ts';
import type { AggregatingClusterRole, Manifest, TokenSpec } from '../../src/core/grant-plan.ts';
import type { LeaseRecord, ManagedObject } from '../../src/core/lease.ts';
import type { ObjectRef } from '../../src/core/object-ref.ts';
import { parseSelectorString, selectorMatches } from '../../src/core/label-selector.ts';
import type { PolicyRule } from '../../src/core/policy-rules.ts';
import { validateRoleSpec, type RoleDefinition } from '../../src/core/role-spec.ts';
import type { CachedToken } from '../../src/core/token-cache.ts';

/** The fixed "now" of every test. */
export const NOW = new Date('2025-01-01T00:00:00.000Z');

export function secondsAfter(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/** What `assert.throws`/`assert.rejects` should see for invalid input (exit code 2). */
export function invalid(message: string | RegExp) {
  return { name: 'TempcredsError', exitCode: 2, message };
}

/** A validated role; allowed namespace `dev` unless the spec says otherwise. */
export function role(name: string, spec: Record<string, unknown>): RoleDefinition {
  return validateRoleSpec(name, { allowedNamespaces: ['dev'], ...spec });
}

export const RULES = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];

/** Twelve bytes 0..11: the lease suffix is then "abcdefghijkl". */
export const FIXED_BYTES = Uint8Array.from({ length: 12 }, (_, index) => index);
export const FIXED_SUFFIX = 'abcdefghijkl';

export const ISSUER: IssuerIdentity = { context: 'ci-admin', cluster: 'test', server: 'https://127.0.0.1:6443', user: 'tempcreds-issuer' };

export function refKey(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export type KubeCall =
  | { op: 'create'; manifest: Manifest; dryRun?: true }
  | { op: 'requestToken'; spec: TokenSpec; boundTo: CreatedRef }
  | { op: 'dryRunTokenRequest'; spec: TokenSpec; boundTo: CreatedRef }
  | { op: 'roleRules'; ref: { kind: string; name: string; namespace?: string } }
  | { op: 'delete'; ref: ObjectRef }
  | { op: 'namespaceLabels'; name: string }
  | { op: 'annotate'; ref: ObjectRef; annotations: Record<string, string> }
  | { op: 'listManaged'; selector: string; namespaces?: string[] }
  | { op: 'listPage'; selector: string; kind: string; namespaces?: string[] }
  | { op: 'aggregatingClusterRoles' };

/**
 * An in-memory API server: records every call, assigns uids ("uid-1", "uid-2", …),
 * keeps live objects with their labels and annotations (what listManaged returns,
 * filtered by the selector), and fails when told to.
 */
export class FakeKube implements KubernetesPort {
  readonly calls: KubeCall[] = [];
  /** Live objects by refKey (unlabelled when set directly: listManaged never returns those). */
  readonly objects = new Map<string, CreatedRef>();
  /** Labels, annotations and creation time of live objects, by refKey: what listManaged returns. */
  readonly metadata = new Map<string, ManagedObject>();
  /** Namespaces and their labels. */
  namespaces: Record<string, Record<string, string>> = { dev: {} };
  /** 1-based index of the create call that fails with a 403. */
  failCreateAt?: number;
  /** Makes the token request fail with a 403. */
  failToken = false;
  /** Makes annotate fail with a 403. */
  failAnnotate = false;
  /** Makes listManaged and every listed page fail with a 403. */
  failList = false;
  /** An issuer set up with --namespaces: listing namespaced kinds across all namespaces gets a 403. */
  forbidClusterWide = false;
  /** An issuer set up without --cluster-scoped: ClusterRoles and ClusterRoleBindings are unlisted (403), not listed. */
  forbidClusterScoped = false;
  /** 1-based index of the page listManagedPages fails on with a 403. */
  failPageAt?: number;
  /** Objects per page of listManagedPages. */
  pageSize = 2;
  /** Deletes of objects whose refKey is listed fail with a 403. */
  readonly failDeletes = new Set<string>();
  /** The API server's --service-account-max-token-expiration, if any. */
  maxTokenSeconds?: number;
  /** The cluster's ClusterRoles with an aggregationRule. */
  aggregating: AggregatingClusterRole[] = [];
  /** Existing roles' rules by refKey ("Role dev/view", "ClusterRole view"), or 'forbidden' when the issuer may not read them. */
  roles: Record<string, PolicyRule[] | 'forbidden'> = {};
  /** ServiceAccounts that do not exist: a TokenRequest for them is a 404. */
  readonly missingServiceAccounts = new Set<string>();
  /** 1-based index of the dry-run create call that fails with a 404 naming the manifest's name (a binding whose role the dry run did not store). */
  dryRunNotFoundAt?: number;
  private creates = 0;
  private uids = 0;

  constructor(
    readonly issuer: IssuerIdentity = ISSUER,
    private readonly now: () => Date = () => NOW,
  ) {}

  /** The manifests passed to create, in call order. */
  get createdManifests(): Manifest[] {
    return this.calls.flatMap((call) => (call.op === 'create' ? [call.manifest] : []));
  }

  /** The refs passed to delete, in call order. */
  get deletedRefs(): ObjectRef[] {
    return this.calls.flatMap((call) => (call.op === 'delete' ? [call.ref] : []));
  }

  /** Puts a labelled object into the cluster, as another machine (or a crash) left it. */
  put(object: ManagedObject): void {
    const { apiVersion, kind, name, namespace, uid } = object;
    const key = refKey(object);
    this.objects.set(key, { apiVersion, kind, name, ...(namespace ? { namespace } : {}), uid: uid ?? `uid-${key}` });
    this.metadata.set(key, structuredClone(object));
  }

  /** With dryRun, like the API server with dryRun=All: checked (failCreateAt counts it), answered with a uid, never stored. */
  async create(manifest: Manifest, options: { dryRun?: boolean } = {}): Promise<CreatedRef> {
    this.calls.push({ op: 'create', manifest, ...(options.dryRun ? { dryRun: true as const } : {}) });
    this.creates++;
    if (this.creates === this.failCreateAt) throw new ApiError(`cannot create ${manifest.kind}: 403 forbidden`, 403);
    if (options.dryRun) {
      if (this.creates === this.dryRunNotFoundAt) throw new ApiError(`cannot create ${manifest.kind}: 404 not found`, 404, { details: { kind: 'rolebindings', name: manifest.metadata.name } });
      const { name, namespace } = manifest.metadata;
      return { apiVersion: manifest.apiVersion, kind: manifest.kind, name, ...(namespace ? { namespace } : {}), uid: `dry-run-uid-${++this.uids}` };
    }
    const { name, namespace, labels, annotations, ownerReferences } = manifest.metadata;
    const ref: CreatedRef = { apiVersion: manifest.apiVersion, kind: manifest.kind, name, ...(namespace ? { namespace } : {}), uid: `uid-${++this.uids}` };
    this.objects.set(refKey(ref), ref);
    const owners = ownerReferences ? { owners: ownerReferences.map((owner) => owner.uid) } : {};
    this.metadata.set(refKey(ref), { ...ref, labels: { ...labels }, annotations: { ...annotations }, creationTimestamp: this.now().toISOString(), ...owners });
    return ref;
  }

  async requestToken(spec: TokenSpec, boundTo: CreatedRef): Promise<IssuedToken> {
    this.calls.push({ op: 'requestToken', spec, boundTo });
    if (this.failToken) throw new ApiError('cannot request a token: 403 forbidden', 403);
    const seconds = Math.min(spec.expirationSeconds, this.maxTokenSeconds ?? Infinity);
    return { token: `token-of-${spec.serviceAccountName}-bound-to-${boundTo.uid}`, expiresAt: secondsAfter(this.now(), seconds) };
  }

  /** Like the API server: authorization, the ServiceAccount, then the bound object, which a dry run never stored (a 404). */
  async dryRunTokenRequest(spec: TokenSpec, boundTo: CreatedRef): Promise<void> {
    this.calls.push({ op: 'dryRunTokenRequest', spec, boundTo });
    if (this.failToken) throw new ApiError('cannot request a token: 403 forbidden', 403);
    const missing = this.missingServiceAccounts.has(spec.serviceAccountName) ? { kind: 'serviceaccounts', name: spec.serviceAccountName } : { kind: 'secrets', name: boundTo.name };
    throw new ApiError(`cannot request a token: 404 ${missing.kind} "${missing.name}" not found`, 404, { details: missing });
  }

  async roleRules(ref: { kind: 'Role' | 'ClusterRole'; name: string; namespace?: string }): Promise<PolicyRule[] | 'absent' | 'forbidden'> {
    this.calls.push({ op: 'roleRules', ref });
    return structuredClone(this.roles[refKey({ apiVersion: '', ...ref })]) ?? 'absent';
  }

  /** Like the API server with a uid precondition: a live object of another uid is left alone. */
  async delete(ref: ObjectRef): Promise<'deleted' | 'absent' | 'replaced'> {
    this.calls.push({ op: 'delete', ref });
    const key = refKey(ref);
    if (this.failDeletes.has(key)) throw new ApiError(`cannot delete ${key}: 403 forbidden`, 403);
    const live = this.objects.get(key);
    if (live && ref.uid && live.uid !== ref.uid) return 'replaced';
    this.metadata.delete(key);
    return this.objects.delete(key) ? 'deleted' : 'absent';
  }

  /** The API server's clock: the fake's own. */
  async serverNow(): Promise<Date> {
    return this.now();
  }

  async namespaceLabels(name: string): Promise<Record<string, string> | undefined> {
    this.calls.push({ op: 'namespaceLabels', name });
    return this.namespaces[name];
  }

  async aggregatingClusterRoles(): Promise<AggregatingClusterRole[]> {
    this.calls.push({ op: 'aggregatingClusterRoles' });
    return structuredClone(this.aggregating);
  }

  /** Merges the annotations into a live object, like a JSON merge patch; a 404 when it is gone. */
  async annotate(ref: ObjectRef, annotations: Record<string, string>): Promise<void> {
    this.calls.push({ op: 'annotate', ref, annotations });
    const key = refKey(ref);
    if (this.failAnnotate) throw new ApiError(`cannot annotate ${key}: 403 forbidden`, 403);
    if (!this.objects.has(key)) throw new ApiError(`${key} not found`, 404);
    const object = this.metadata.get(key);
    if (object) object.annotations = { ...object.annotations, ...annotations };
  }

  /** The live labelled objects the selector matches (copies), in creation order. */
  async listManaged(selector: string, namespaces?: string[]): Promise<ManagedListing> {
    this.calls.push({ op: 'listManaged', selector, ...(namespaces ? { namespaces } : {}) });
    if (this.failList || (this.forbidClusterWide && !namespaces)) throw new ApiError('cannot list managed objects: 403 forbidden', 403);
    const unlisted = this.forbidClusterScoped ? LISTING_ORDER.filter((kind) => !isNamespacedKind(kind)) : [];
    return { objects: this.matching(selector, namespaces).filter((object) => !unlisted.includes(object.kind)), unlisted };
  }

  /**
   * Like the API server: kind after kind (LISTING_ORDER), pages of `pageSize` (one, maybe empty,
   * per kind at least), each kind's pages a snapshot taken at its first page.
   */
  async *listManagedPages(selector: string, namespaces?: string[], kinds: readonly string[] = LISTING_ORDER): AsyncGenerator<ManagedListing> {
    let pages = 0;
    for (const kind of LISTING_ORDER.filter((listed) => kinds.includes(listed))) {
      const snapshot = this.matching(selector, namespaces).filter((object) => object.kind === kind);
      for (let start = 0; start === 0 || start < snapshot.length; start += this.pageSize) {
        this.calls.push({ op: 'listPage', selector, kind, ...(namespaces ? { namespaces } : {}) });
        if (this.failList || (this.forbidClusterWide && !namespaces) || ++pages === this.failPageAt) throw new ApiError(`cannot list ${kind} objects: 403 forbidden`, 403);
        if (this.forbidClusterScoped && !isNamespacedKind(kind)) {
          yield { objects: [], unlisted: [kind] };
          break;
        }
        yield { objects: snapshot.slice(start, start + this.pageSize), unlisted: [] };
      }
    }
  }

  /** Cluster-scoped objects always; namespaced ones only in `namespaces` when given. */
  private matching(selector: string, namespaces?: string[]): ManagedObject[] {
    const parsed = parseSelectorString(selector);
    const inScope = (object: ManagedObject) => !namespaces || !object.namespace || namespaces.includes(object.namespace);
    return [...this.metadata.entries()].filter(([key, object]) => this.objects.has(key) && inScope(object) && selectorMatches(parsed, object.labels)).map(([, object]) => structuredClone(object));
  }
}

/**
 * A connect() that hands out one FakeKube per context and records which contexts were asked
 * for (and, in `withKubeconfig`, through which kubeconfig); by default every context is on ISSUER's cluster.
 */
export function fakeConnect(make: (context: string | undefined) => FakeKube = (context) => new FakeKube(context ? { ...ISSUER, context } : ISSUER)) {
  const kubes = new Map<string | undefined, FakeKube>();
  const connected: (string | undefined)[] = [];
  const withKubeconfig: [string | undefined, string | undefined][] = [];
  const connect = async (context: string | undefined, kubeconfig?: string): Promise<KubernetesPort> => {
    connected.push(context);
    withKubeconfig.push([context, kubeconfig]);
    if (!kubes.has(context)) kubes.set(context, make(context));
    return kubes.get(context)!;
  };
  return { connect, kubes, connected, withKubeconfig };
}

export interface IssueFixture {
  deps: IssueDeps;
  kube: FakeKube;
  saved: LeaseRecord[];
  connected: (string | undefined)[];
}

/** issueLease's dependencies over one FakeKube and the given roles. */
export function issueFixture(roles: RoleDefinition[], kube = new FakeKube()): IssueFixture {
  const saved: LeaseRecord[] = [];
  const connected: (string | undefined)[] = [];
  const deps: IssueDeps = {
    getRole: async (name) => roles.find((candidate) => candidate.name === name),
    saveLease: async (lease) => void saved.push(lease),
    connect: async (context) => {
      connected.push(context);
      return kube;
    },
    now: () => NOW,
    randomBytes: (count) => FIXED_BYTES.subarray(0, count),
  };
  return { deps, kube, saved, connected };
}

export function leaseRecord(overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  const suffix = overrides.id?.split('/')[1] ?? FIXED_SUFFIX;
  return {
    id: `reader/${suffix}`,
    role: 'reader',
    roleDigest: '0123456789abcdef',
    namespace: 'dev',
    serviceAccountName: `tc-reader-${suffix}`,
    serviceAccountCreated: true,
    bindingKind: 'RoleBinding',
    issuedAt: NOW.toISOString(),
    expiresAt: secondsAfter(NOW, 3600).toISOString(),
    ttlSeconds: 3600,
    context: ISSUER.context,
    cluster: ISSUER.server,
    issuedBy: ISSUER.user,
    objects: [
      { apiVersion: 'v1', kind: 'Secret', name: `tc-reader-${suffix}`, namespace: 'dev', uid: 'uid-1' },
      { apiVersion: 'v1', kind: 'ServiceAccount', name: `tc-reader-${suffix}`, namespace: 'dev', uid: 'uid-2' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: `tc-reader-${suffix}`, namespace: 'dev', uid: 'uid-3' },
    ],
    ...overrides,
  };
}

/** An in-memory role store with the update-under-lock semantics of the real one. */
export class MemoryRoleStore implements RoleReader, RoleWriter {
  readonly roles = new Map<string, RoleDefinition>();
  writes = 0;

  constructor(initial: RoleDefinition[] = []) {
    for (const definition of initial) this.roles.set(definition.name, definition);
  }

  async get(name: string): Promise<RoleDefinition | undefined> {
    return this.roles.get(name);
  }

  async update(name: string, change: (current: RoleDefinition | undefined) => RoleDefinition): Promise<RoleDefinition> {
    const next = change(this.roles.get(name));
    this.roles.set(name, next);
    this.writes++;
    return next;
  }

  async delete(name: string): Promise<boolean> {
    return this.roles.delete(name);
  }
}

export function cachedToken(overrides: Partial<CachedToken> = {}): CachedToken {
  return {
    token: 'cached-token',
    leaseId: `reader/${FIXED_SUFFIX}`,
    issuedAt: NOW.toISOString(),
    expiresAt: secondsAfter(NOW, 3600).toISOString(),
    ...overrides,
  };
}

export interface CredentialFixture {
  /** serve()'s ports: the cache, lock and issuance, for a given key. */
  deps: ServePorts;
  /** getCredential()'s ports: the same, plus roles, the issuer, the token store and the memo. */
  ports: CredentialPorts;
  roles: Map<string, RoleDefinition>;
  /** The kubeconfig's issuers by context name; the current context is "ci-admin". */
  issuers: Map<string, IssuerFingerprint>;
  cache: Map<string, CachedToken>;
  failures: Map<string, RecentFailure>;
  /** When a remembered failure stops being repeated (epoch ms); a failure set without one is repeated. */
  failureUntil: Map<string, number>;
  liveLeases: Set<string>;
  /** What happened, in order: "lock", "issue", "set", "remember". */
  events: string[];
  /** Each issuance's request and context. */
  issued: { request: IssueRequest; context: IssueContext }[];
  /** Each delegated request made, with its context. */
  requested: { request: IssueRequest; context: Parameters<CredentialPorts['request']>[1] }[];
  /** Each memo written. */
  memos: Parameters<CredentialPorts['memo']>[0][];
  /** The token store getCredential opens; tests change its kind or notice. */
  store: { kind: 'keychain' | 'file' | 'none'; notice?: string };
  /** The clock; tests move it. */
  clock: { now: Date };
}

/** The issuer fingerprint of a context in the fixture's kubeconfig. */
export function issuerFingerprint(overrides: Partial<IssuerFingerprint> = {}): IssuerFingerprint {
  return { context: ISSUER.context, cluster: ISSUER.cluster, server: ISSUER.server, caDigest: 'ca-digest', user: ISSUER.user, userDigest: 'user-digest', ...overrides };
}

/**
 * getCredential's ports over in-memory maps. `issue` issues a fresh lease of one hour from
 * the clock unless replaced; `onLock` runs when the lock is taken (e.g. to play another
 * process that filled the cache meanwhile).
 */
export function credentialFixture(options: { issue?: () => Promise<IssuedLease>; onLock?: (fixture: CredentialFixture) => void } = {}): CredentialFixture {
  const fixture = {
    roles: new Map([['reader', role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'] })]]),
    issuers: new Map([[ISSUER.context, issuerFingerprint()]]),
    cache: new Map<string, CachedToken>(),
    failures: new Map<string, RecentFailure>(),
    failureUntil: new Map<string, number>(),
    liveLeases: new Set<string>(),
    events: [] as string[],
    issued: [],
    requested: [],
    memos: [],
    store: { kind: 'file' },
    clock: { now: NOW },
  } as unknown as CredentialFixture;
  let issued = 0;
  const defaultIssue = async (): Promise<IssuedLease> => {
    const suffix = `issued${String(++issued).padStart(6, '0')}`;
    const lease = leaseRecord({ id: `reader/${suffix}`, issuedAt: fixture.clock.now.toISOString(), expiresAt: secondsAfter(fixture.clock.now, 3600).toISOString() });
    fixture.liveLeases.add(lease.id);
    return { lease, token: `token-${suffix}`, warnings: [] };
  };
  const tokens = {
    get: async (key: string) => fixture.cache.get(key),
    set: async (key: string, entry: CachedToken) => {
      fixture.events.push('set');
      fixture.cache.set(key, entry);
    },
  };
  const issue = async () => {
    fixture.events.push('issue');
    return (options.issue ?? defaultIssue)();
  };
  fixture.deps = {
    tokens,
    lock: async (_key, work) => {
      fixture.events.push('lock');
      options.onLock?.(fixture);
      return work();
    },
    leaseIsLive: async (leaseId) => fixture.liveLeases.has(leaseId),
    issue,
    failures: {
      recall: async (key) => {
        const failure = fixture.failures.get(key);
        return failure && { ...failure, until: fixture.failureUntil.get(key) ?? Number.MAX_SAFE_INTEGER };
      },
      remember: async (key, { until, ...failure }) => {
        fixture.events.push('remember');
        fixture.failures.set(key, failure);
        fixture.failureUntil.set(key, until);
      },
    },
    clock: { now: () => fixture.clock.now },
  };
  fixture.ports = {
    roles: { get: async (name) => fixture.roles.get(name) },
    issuer: (context) => {
      const found = fixture.issuers.get(context ?? ISSUER.context);
      if (!found) throw new Error(`context "${context}" is not in the kubeconfig`);
      return found;
    },
    tokens: async () => ({ ...tokens, kind: fixture.store.kind, notice: fixture.store.notice, fileFor: (key: string) => (fixture.store.kind === 'file' ? `/cache/tokens/${key}.json` : undefined) }),
    lock: (key, work, meanwhile) => fixture.deps.lock(key, work, meanwhile),
    leaseIsLive: (leaseId) => fixture.deps.leaseIsLive(leaseId),
    issue: async (request, context) => {
      fixture.issued.push({ request, context });
      return issue();
    },
    request: async (request, context) => {
      fixture.requested.push({ request, context });
      return issue();
    },
    failures: fixture.deps.failures,
    memo: async (resolved) => void fixture.memos.push(resolved),
    clock: fixture.deps.clock,
  };
  return fixture;
}

export type LeaseMode = 'serviceAccount' | 'kubernetesRole' | 'rules';

export interface LeaseObjectsOptions {
  role?: string;
  suffix?: string;
  namespace?: string;
  /** Which objects the issuance planned (rules mode unless told). */
  mode?: LeaseMode;
  /** The expires-at annotation; one hour after NOW unless told. */
  expiresAt?: string;
  /** Every object's creationTimestamp; NOW unless told. */
  created?: string;
  /** Whether the anchor carries tempcreds.dev/token-requested (true unless told). */
  tokenRequested?: boolean;
  /** Kinds left out, e.g. "Secret" for an orphan or "RoleBinding" for a crashed issuance. */
  without?: string[];
}

/**
 * The labelled objects an issuance leaves in the cluster, as listManaged reports them
 * (the wire contract spelled out literally: anchor Secret first, then the planned kinds).
 */
export function leaseObjects(options: LeaseObjectsOptions = {}): ManagedObject[] {
  const { role: roleName = 'reader', suffix = FIXED_SUFFIX, namespace = 'dev', mode = 'rules', tokenRequested = true, without = [] } = options;
  const name = `tc-${roleName}-${suffix}`;
  const labels = { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': roleName, 'tempcreds.dev/lease': suffix };
  const annotations = {
    'tempcreds.dev/lease-id': `${roleName}/${suffix}`,
    'tempcreds.dev/expires-at': options.expiresAt ?? secondsAfter(NOW, 3600).toISOString(),
    'tempcreds.dev/issued-by': ISSUER.user,
  };
  const creationTimestamp = options.created ?? NOW.toISOString();
  const rbac = 'rbac.authorization.k8s.io/v1';
  const planned: [string, string, boolean][] =
    mode === 'serviceAccount'
      ? []
      : mode === 'kubernetesRole'
        ? [['v1', 'ServiceAccount', true], [rbac, 'RoleBinding', true]]
        : [['v1', 'ServiceAccount', true], [rbac, 'Role', true], [rbac, 'RoleBinding', true]];
  const anchor: ManagedObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    name,
    namespace,
    uid: `${suffix}-Secret`,
    labels: { ...labels },
    annotations: {
      ...annotations,
      'tempcreds.dev/service-account': mode === 'serviceAccount' ? 'deployer' : name,
      'tempcreds.dev/objects': planned.map(([, kind]) => kind).join(','),
      ...(tokenRequested ? { 'tempcreds.dev/token-requested': 'true' } : {}),
    },
    creationTimestamp,
  };
  // Tied to the anchor as issuance ties them: owned by it, or (cluster-scoped) naming its uid.
  const rest = planned.map(([apiVersion, kind, namespaced]): ManagedObject => ({
    apiVersion,
    kind,
    name,
    ...(namespaced ? { namespace } : {}),
    uid: `${suffix}-${kind}`,
    labels: { ...labels },
    annotations: { ...annotations, ...(namespaced ? {} : { 'tempcreds.dev/anchor-uid': anchor.uid! }) },
    creationTimestamp,
    ...(namespaced ? { owners: [anchor.uid!] } : {}),
  }));
  return [anchor, ...rest].filter((object) => !without.includes(object.kind));
}

/** The refs of managed objects, as a lease record holds them. */
export function refsOf(objects: ManagedObject[]): ObjectRef[] {
  return objects.map(({ apiVersion, kind, name, namespace, uid }) => ({ apiVersion, kind, name, ...(namespace ? { namespace } : {}), ...(uid ? { uid } : {}) }));
}

/** A lease of an existing ClusterRole bound cluster-wide (--cluster-role-binding), as issuance leaves it. */
export function clusterBoundLeaseObjects(options: LeaseObjectsOptions = {}): ManagedObject[] {
  const [anchor, serviceAccount, binding] = leaseObjects({ ...options, mode: 'kubernetesRole' });
  anchor!.annotations['tempcreds.dev/objects'] = 'ServiceAccount,ClusterRoleBinding';
  const { namespace: _namespace, ...clusterScoped } = binding!;
  const clusterBinding: ManagedObject = { ...clusterScoped, kind: 'ClusterRoleBinding', uid: `${binding!.uid}-cluster`, annotations: { ...binding!.annotations, 'tempcreds.dev/anchor-uid': anchor!.uid! } };
  return [anchor!, serviceAccount!, clusterBinding];
}
