// The composition root: the one place that builds the real adapters — state stores, clock,
// randomness, token stores, the lazily loaded Kubernetes client, the test build's hooks — from
// the global flags and the environment, and hands each use case its dependencies. Shared by
// the CLI and the exec entry; importing it loads neither @kubernetes/client-node nor yargs
// (what only some paths need is imported when called).

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from './adapters/kube.js';
import { AuditLog } from './adapters/audit-log.js';
import { memoInvocation, rememberMemo } from './adapters/credential-memo.js';
import { parseJsonFile, readTextIfExists, writeFileAtomic } from './adapters/files.js';
import { contextNames, kubeconfigPaths, readIssuer } from './adapters/kubeconfig.js';
import { kubeconfigToWrite, writeExecEntries } from './adapters/kubeconfig-file.js';
import { LeaseStore } from './adapters/lease-store.js';
import { statePaths } from './adapters/paths.js';
import { RoleStore } from './adapters/role-store.js';
import { applyCrd, ClusterRoleStore, clusterTarget } from './adapters/cluster-roles.js';
import { ClusterRbac } from './adapters/role-grants.js';
import { inspectStateDirectories } from './adapters/state-check.js';
import { evictTokens, openTokenCache } from './adapters/token-cache.js';
import type { DoctorPorts } from './app/doctor.js';
import type { CredentialPorts, RememberedFailure } from './app/get-credential.js';
import type { GcDeps } from './app/gc.js';
import { issueLease, type IssueDeps } from './app/issue.js';
import type { KubeconfigPorts } from './app/kubeconfig.js';
import type { AuditSink, Clock, IssuerIdentity, KubernetesPort, LeaseRepository, RoleGrantPort, RoleRepository } from './app/ports.js';
import type { RequesterPort, RequestLeaseDeps } from './app/request-lease.js';
import type { DelegationCheckPort } from './app/doctor-delegated.js';
import type { LeaseRecord } from './core/lease.js';
import { revokeLeases, type RevokeDeps } from './app/revoke.js';
import { checkedRoles, clusterIssuingRoles } from './app/roles.js';
import { leaseSources, searchNamespaces, type LeaseSources } from './app/leases.js';
import type { RunPorts } from './app/run.js';
import { parseRequestTimeout } from './core/duration.js';
import type { Manifest } from './core/grant-plan.js';
import { parseRoleSource, type RoleSource } from './core/role-source.js';
import { parseTokenCacheMode, type RefreshPolicy } from './core/token-cache.js';
import { HOOK_INPUTS, faultsFrom } from './test-hooks/faults.js';

/** The flags every command accepts that decide how the cluster is reached. */
export interface Globals {
  kubeconfig?: string;
  context?: string;
  /** --request-timeout as given (default 15s); a bad one is refused here, for every command. */
  requestTimeout?: string;
  /** --roles as given: where roles are kept (else $KUBECTL_TEMPCREDS_ROLES, else local); a bad one is refused here. */
  roles?: string;
}

/** How long a cache hit may serve a cluster role's token before the role is read from the cluster again. */
export const CLUSTER_ROLE_RECHECK_MS = 30_000;

/** Where a client connects: an explicit kubeconfig and context, else the defaults. */
export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

/** `injectedClock` replaces the local clock (in-process tests of the entries). */
export function compose(globals: Globals, env: NodeJS.ProcessEnv = process.env, injectedClock?: Clock) {
  const requestTimeoutMs = parseRequestTimeout(globals.requestTimeout);
  const paths = statePaths(env);
  const hooks = faultsFrom(env);
  const clock: Clock = injectedClock ?? hooks;
  const now = () => clock.now();
  const roleSource: RoleSource = parseRoleSource(globals.roles, env);
  const localRoles = new RoleStore(paths.roles);
  const cluster = clusterTarget({ kubeconfig: globals.kubeconfig, context: globals.context, timeoutMs: requestTimeoutMs });
  /** The cluster's CredentialRoles, as the global --context (connected on first use). */
  const clusterRoles = new ClusterRoleStore(cluster);
  // The chosen source, checked against the local files for a role of the same name (local roles never contact the cluster).
  const roles: RoleRepository = roleSource === 'cluster' ? checkedRoles(clusterRoles, localRoles) : localRoles;
  // What issuance reads roles through: a cluster role never chooses a local kubeconfig context.
  const issuingRoles = roleSource === 'cluster' ? clusterIssuingRoles(roles, { given: globals.context, readFrom: async () => (await cluster()).context }) : roles;
  const roleGrants: RoleGrantPort = new ClusterRbac(cluster);
  const leases: LeaseRepository = new LeaseStore(paths.leases);
  const auditLog = new AuditLog(paths.audit);
  const audit: AuditSink = (events) =>
    auditLog.append(events).catch((error: Error) => {
      process.stderr.write(`Warning: could not write the audit log ${paths.audit}: ${error.message}\n`);
    });

  const clients = new Map<string, Promise<KubernetesPort>>();
  /**
   * Connects as the issuer: the global --context and --kubeconfig when given, else `context`
   * and `kubeconfig` (a lease's own), else the current context of the default kubeconfig.
   */
  const connect = (context: string | undefined, kubeconfig?: string): Promise<KubernetesPort> => {
    const target = { kubeconfig: globals.kubeconfig ?? kubeconfig, context: globals.context ?? context, recorded: globals.kubeconfig === undefined && kubeconfig !== undefined };
    const key = (chosen: string | undefined) => JSON.stringify([target.kubeconfig ?? '', chosen ?? '']);
    let client = clients.get(key(target.context));
    if (!client) {
      client = import('./adapters/kube.js').then(({ KubeClient, kubeconfigSource, loadKubeConfig }) =>
        new KubeClient(loadKubeConfig(target), requestTimeoutMs, { kubeconfig: kubeconfigSource(target, env), serverClock: hooks.serverNow }),
      );
      clients.set(key(target.context), client);
      // The current context is also reachable by its name: one client per issuer, however it was asked for.
      const named = client;
      named.then((connected) => clients.has(key(connected.issuer.context)) || clients.set(key(connected.issuer.context), named)).catch(() => undefined);
    }
    return client;
  };

  /** Connects as the requester of delegated issuance: the global --context/--kubeconfig, else `context`/`kubeconfig` (a lease's own). */
  const connectRequester = async (context: string | undefined, kubeconfig?: string): Promise<RequesterPort & DelegationCheckPort & { issuer: IssuerIdentity }> => {
    const target = { kubeconfig: globals.kubeconfig ?? kubeconfig, context: globals.context ?? context, recorded: globals.kubeconfig === undefined && kubeconfig !== undefined };
    const [{ RequesterApi }, { kubeconfigSource, loadKubeConfig }] = await Promise.all([import('./adapters/kube-requests.js'), import('./adapters/kube.js')]);
    return new RequesterApi(loadKubeConfig(target), requestTimeoutMs, { kubeconfig: kubeconfigSource(target, env) });
  };
  /** What a delegated issuance needs: the requester's own context, a key pair made here, the lease record (with `extra`). */
  const requestLeaseDeps = (waitMs: number, extra: Partial<LeaseRecord> = {}): RequestLeaseDeps => ({
    connect: () => connectRequester(undefined),
    generateKeyPair: async () => (await import('./core/sealed-token.js')).generateRequestKeyPair(),
    saveLease: (lease) => leases.save({ ...lease, ...extra }),
    waitMs,
  });

  /** A client for what is not issuance (setup, doctor, completion): the global flags, or `target`. */
  const connectDirect = async (target: KubeTarget = globals, timeoutMs = requestTimeoutMs): Promise<KubeClient> => {
    const { KubeClient, loadKubeConfig } = await import('./adapters/kube.js');
    return new KubeClient(loadKubeConfig({ kubeconfig: target.kubeconfig, context: target.context }), timeoutMs);
  };

  /** The issuer a context stands for (undefined: the current one), in --kubeconfig or the default kubeconfig. */
  const issuer = (context: string | undefined) => readIssuer({ kubeconfig: globals.kubeconfig, context }, env);
  const deleteLease = (id: string) => leases.delete(id);
  const issueDeps: IssueDeps = { getRole: (name) => issuingRoles.get(name), saveLease: (lease) => leases.save(lease), connect, now, randomBytes: (count) => randomBytes(count), afterApiCall: hooks.afterApiCall, audit };
  const revokeDeps: RevokeDeps = {
    connect,
    connectRequester,
    deleteLease,
    evictTokens: (revoked) => evictTokens(revoked.flatMap((lease) => lease.tokenCacheKey ?? []), paths.cache, env),
    audit,
    now,
  };

  /** The exec entry's ports: `args` and `startedMs` key and date the memo of this invocation. */
  const credentialPorts = (args: string[], refresh: RefreshPolicy, startedMs: number): CredentialPorts => {
    const failureFile = (key: string) => join(paths.cache, 'failures', `${key}.json`);
    return {
      roles: issuingRoles,
      issuer,
      tokens: (mode) => openTokenCache(mode, paths.cache, env),
      // A holder that stalled past the stale time may lose the lock to another process: the worst
      // that costs is a second lease, each recorded and cached atomically, so the issuance finishes.
      lock: async (lockKey, work, meanwhile) =>
        (await import('./adapters/locks.js')).withLock(
          join(paths.cache, 'locks', lockKey),
          async () => {
            await hooks.whileLocked();
            return work();
          },
          {},
          meanwhile,
        ),
      request: async (request, { requesterContext, key, waitMs }) => {
        const { requestLease } = await import('./app/request-lease.js');
        return requestLease({ ...requestLeaseDeps(waitMs, { tokenCacheKey: key }), connect: () => connectRequester(requesterContext) }, request);
      },
      leaseIsLive: async (leaseId) => (await leases.get(leaseId).catch(() => undefined)) !== undefined,
      issue: async (request, { role, issuerContext, key }) =>
        issueLease({ ...issueDeps, connect: () => connect(issuerContext), getRole: async () => role, saveLease: (lease) => leases.save({ ...lease, tokenCacheKey: key }) }, request),
      failures: {
        recall: async (key) => {
          const text = await readTextIfExists(failureFile(key)).catch(() => undefined);
          return text ? (parseJsonFile(failureFile(key), text) as RememberedFailure) : undefined;
        },
        remember: (key, failure) => writeFileAtomic(failureFile(key), JSON.stringify(failure)).catch(() => undefined),
      },
      memo: async ({ key, role, store, file, issuer }) => {
        const target = file ? { store: 'file' as const, key, file } : store === 'keychain' ? { store: 'keychain' as const, key } : undefined;
        if (!target) return;
        const inCluster = roleSource === 'cluster';
        const sources = [...(inCluster ? [] : [localRoles.fileFor(role)]), ...kubeconfigPaths(globals.kubeconfig, env), ...(issuer.caFile ? [issuer.caFile] : [])];
        // A role in the cluster has no file to stamp: the hit serves its token without asking the
        // API server until the role is read again (its digest is in the key: a changed role, a new token).
        const until = inCluster ? { until: clock.now().getTime() + CLUSTER_ROLE_RECHECK_MS } : {};
        await rememberMemo(join(paths.cache, 'memo'), memoInvocation(args, env, HOOK_INPUTS), sources, { target, leases: paths.leases, refresh, ...until }, startedMs);
      },
      clock,
    };
  };

  /** `doctor`'s ports: -n, and --token-cache as given. */
  const doctorPorts = (options: { namespace?: string; tokenCache?: string }): DoctorPorts => ({
    kubeconfig: () => ({ ...readIssuer({ kubeconfig: globals.kubeconfig, context: globals.context }, env), files: kubeconfigPaths(globals.kubeconfig, env) }),
    contextNames: () => contextNames(globals.kubeconfig, env),
    roles: async () => {
      // A roles directory that cannot be trusted is a failed check, not a crash of the doctor.
      const { roles: all, unreadable } = await roles.list().catch((error: Error) => ({ roles: [], unreadable: [error.message] }));
      return { roles: all.map(({ name, spec }) => ({ name, ...(spec.issuerContext ? { issuerContext: spec.issuerContext } : {}), ...(spec.allowedNamespaces ? { allowedNamespaces: spec.allowedNamespaces } : {}) })), unreadable };
    },
    roleSource,
    servedRoleVersions: () => clusterRoles.servedVersions(),
    connect: () => connectDirect(),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    tokenCache: async () => {
      const store = await openTokenCache(parseTokenCacheMode(options.tokenCache ?? env.KUBECTL_TEMPCREDS_TOKEN_CACHE), paths.cache, env);
      await store.get('0'.repeat(64)); // a key no credential has: the keychain answers, or `auto` falls back here
      return { kind: store.kind, ...(store.notice ? { notice: store.notice } : {}), directory: paths.cache };
    },
    state: async () => {
      const directories = [...new Set([paths.roles, paths.leases, paths.cache])];
      return { directories, problems: await inspectStateDirectories(directories) };
    },
  });

  return {
    env,
    paths,
    roleSource,
    roles,
    clusterRoles,
    roleGrants,
    leases,
    clock,
    now,
    audit,
    /** What the audit log recorded about a lease. */
    auditHistory: (leaseId: string) => auditLog.history(leaseId),
    connect,
    connectDirect,
    connectRequester,
    /** Server-side applies a CRD as the global --context and waits until it is served. */
    applyCrd: async (crd: Manifest) => applyCrd(await cluster(), crd),
    issueDeps,
    requestLeaseDeps,
    /** The requester's requests as leases (delegated lease list and revoke). */
    requestLeaseSources: () => ({ connect: () => connectRequester(undefined), localLeases: (role?: string) => leases.list(role) }),
    revokeDeps,
    leaseSources: (namespace: string | undefined): LeaseSources => leaseSources({ connect, leases, roles }, namespace),
    gcDeps: (namespace: string | undefined): GcDeps => ({ connect, audit, now, deleteLease, localLeases: () => leases.list(), searchNamespaces: searchNamespaces({ roles }, namespace) }),
    credentialPorts,
    doctorPorts,
    kubeconfigPorts: { roles: issuingRoles, issuer, fileToWrite: () => kubeconfigToWrite(globals.kubeconfig, env), writeEntries: writeExecEntries } satisfies KubeconfigPorts,
    /** `run`'s ports; `warn` says what happens on stderr. */
    runPorts: (warn: (message: string) => void, delegation?: { waitMs: number }): RunPorts => ({
      issue: async (request) =>
        delegation ? (await import('./app/request-lease.js')).requestLease(requestLeaseDeps(delegation.waitMs), request) : issueLease(issueDeps, request),
      // The cluster as the issuing context reaches it (delegated: the requester's own context).
      connect: delegation ? connectRequester : connect,
      privateDirectory: async () => {
        const path = await mkdtemp(join(tmpdir(), 'kubectl-tempcreds-run-'));
        return { path, remove: () => rm(path, { recursive: true, force: true }) };
      },
      writePrivateFile: writeFileAtomic,
      runner: { run: async (...invocation) => (await import('./adapters/process-runner.js')).processRunner(env).run(...invocation) },
      // The lease was never cached: nothing to evict.
      revoke: async (lease) => (await revokeLeases({ connect, connectRequester, deleteLease, audit, now }, [lease]))[0],
      warn,
    }),
    /** After an issuance: a detached sweep of expired local leases (at most every few minutes). */
    sweep: async () => (await import('./adapters/background-sweep.js')).sweepExpiredLeases(paths.leases, now(), env),
  };
}

export type Composition = ReturnType<typeof compose>;
