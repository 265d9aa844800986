// The imperative shell's wiring: real stores, clock, randomness, and a lazily loaded
// Kubernetes client. Shared by the CLI and the exec entry; importing it loads neither
// @kubernetes/client-node nor yargs.

import { randomBytes } from 'node:crypto';
import type { IssueDeps } from './app/issue.js';
import type { RequesterPort, RequestLeaseDeps } from './app/request-lease.js';
import type { LeaseRecord } from './core/lease.js';
import type { AuditSink, KubernetesPort } from './app/ports.js';
import { AuditLog } from './adapters/audit-log.js';
import { LeaseStore } from './adapters/lease-store.js';
import { statePaths, type StatePaths } from './adapters/paths.js';
import { RoleStore } from './adapters/role-store.js';
import { faultsFrom, type Faults } from './faults.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  /** Per-request API timeout. */
  requestTimeoutMs?: number;
}

export interface Runtime extends Pick<Faults, 'afterApiCall'> {
  /** Appends to the local audit log; a failure to write it is a warning, never a failed operation. */
  audit: AuditSink;
  paths: StatePaths;
  roles: RoleStore;
  leases: LeaseStore;
  /**
   * Connects as the issuer: the global --context and --kubeconfig when given, else `context`
   * and `kubeconfig` (a lease's own), else the current context of the default kubeconfig.
   */
  connect(context: string | undefined, kubeconfig?: string): Promise<KubernetesPort>;
  /** Connects as the requester of delegated issuance: the global --context/--kubeconfig, else `context`/`kubeconfig` (a lease's own). */
  connectRequester(context: string | undefined, kubeconfig?: string): Promise<RequesterPort>;
  now(): Date;
  randomBytes(count: number): Uint8Array;
}

/** What a delegated issuance needs: the requester's own context, a key pair made here, the lease record. */
export function requestLeaseDepsOf(runtime: Runtime, waitMs: number, leaseExtra: Partial<LeaseRecord> = {}): RequestLeaseDeps {
  return {
    connect: () => runtime.connectRequester(undefined),
    generateKeyPair: async () => (await import('./core/sealed-token.js')).generateRequestKeyPair(),
    saveLease: (lease) => runtime.leases.save({ ...lease, ...leaseExtra }),
    waitMs,
  };
}

/** What issuing a lease needs, from the runtime's stores. */
export function issueDepsOf(runtime: Runtime): IssueDeps {
  return { ...runtime, getRole: (name) => runtime.roles.get(name), saveLease: (lease) => runtime.leases.save(lease) };
}

export function createRuntime(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Runtime {
  const paths = statePaths(env);
  const clients = new Map<string, Promise<KubernetesPort>>();
  const { afterApiCall, now, serverNow } = faultsFrom(env);
  const auditLog = new AuditLog(paths.audit);
  return {
    audit: (events) =>
      auditLog.append(events).catch((error: Error) => {
        process.stderr.write(`Warning: could not write the audit log ${paths.audit}: ${error.message}\n`);
      }),
    afterApiCall,
    paths,
    roles: new RoleStore(paths.roles),
    leases: new LeaseStore(paths.leases),
    connect(context, kubeconfig) {
      const target = { kubeconfig: globals.kubeconfig ?? kubeconfig, context: globals.context ?? context, recorded: globals.kubeconfig === undefined && kubeconfig !== undefined };
      const key = (chosen: string | undefined) => JSON.stringify([target.kubeconfig ?? '', chosen ?? '']);
      let client = clients.get(key(target.context));
      if (!client) {
        client = import('./adapters/kube.js').then(({ KubeClient, kubeconfigSource, loadKubeConfig }) =>
          new KubeClient(loadKubeConfig(target), globals.requestTimeoutMs, { kubeconfig: kubeconfigSource(target, env), serverClock: serverNow }),
        );
        clients.set(key(target.context), client);
        // The current context is also reachable by its name: one client per issuer, however it was asked for.
        const named = client;
        named.then((connected) => clients.has(key(connected.issuer.context)) || clients.set(key(connected.issuer.context), named)).catch(() => undefined);
      }
      return client;
    },
    async connectRequester(context, kubeconfig) {
      const target = { kubeconfig: globals.kubeconfig ?? kubeconfig, context: globals.context ?? context, recorded: globals.kubeconfig === undefined && kubeconfig !== undefined };
      const [{ RequesterApi }, { kubeconfigSource, loadKubeConfig }] = await Promise.all([import('./adapters/kube-requests.js'), import('./adapters/kube.js')]);
      return new RequesterApi(loadKubeConfig(target), globals.requestTimeoutMs, { kubeconfig: kubeconfigSource(target, env) });
    },
    now,
    randomBytes: (count) => randomBytes(count),
  };
}
