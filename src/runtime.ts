// The imperative shell's wiring: real stores, clock, randomness, and a lazily loaded
// Kubernetes client. Shared by the CLI and the exec entry; importing it loads neither
// @kubernetes/client-node nor yargs.

import { randomBytes } from 'node:crypto';
import type { IssueDeps } from './app/issue.js';
import type { AuditSink, KubernetesPort } from './app/ports.js';
import { AuditLog } from './adapters/audit-log.js';
import { LeaseStore } from './adapters/lease-store.js';
import { statePaths, type StatePaths } from './adapters/paths.js';
import { RoleStore } from './adapters/role-store.js';
import { ClusterRoleStore, clusterTarget } from './adapters/cluster-roles.js';
import { ClusterRbac } from './adapters/role-grants.js';
import type { RoleGrantPort } from './app/role-grants.js';
import { checkedRoles, type RoleRepository } from './app/roles.js';
import { parseRoleSource } from './core/role-source.js';
import { faultsFrom, type Faults } from './faults.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  /** Where roles are kept (--roles); else KUBECTL_TEMPCREDS_ROLES, else local files. */
  roles?: string;
  /** Per-request API timeout. */
  requestTimeoutMs?: number;
}

export interface Runtime extends Pick<Faults, 'afterApiCall'> {
  /** Appends to the local audit log; a failure to write it is a warning, never a failed operation. */
  audit: AuditSink;
  paths: StatePaths;
  /** The local role files. */
  roles: RoleStore;
  /** The roles of the chosen source (--roles local|cluster), checked against the other for clashes. */
  roleSource: RoleRepository;
  /** The cluster's roles and who may use them (RBAC), as the global --context. */
  clusterRoles: ClusterRoleStore;
  roleGrants: RoleGrantPort;
  leases: LeaseStore;
  /**
   * Connects as the issuer: the global --context and --kubeconfig when given, else `context`
   * and `kubeconfig` (a lease's own), else the current context of the default kubeconfig.
   */
  connect(context: string | undefined, kubeconfig?: string): Promise<KubernetesPort>;
  now(): Date;
  randomBytes(count: number): Uint8Array;
}

/** What issuing a lease needs, from the runtime's stores. */
export function issueDepsOf(runtime: Runtime): IssueDeps {
  return { ...runtime, getRole: (name) => runtime.roleSource.get(name), saveLease: (lease) => runtime.leases.save(lease) };
}

export function createRuntime(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Runtime {
  const paths = statePaths(env);
  const clients = new Map<string, Promise<KubernetesPort>>();
  const { afterApiCall, now, serverNow } = faultsFrom(env);
  const auditLog = new AuditLog(paths.audit);
  const roles = new RoleStore(paths.roles);
  const cluster = clusterTarget({ kubeconfig: globals.kubeconfig, context: globals.context, timeoutMs: globals.requestTimeoutMs });
  const clusterRoles = new ClusterRoleStore(cluster);
  return {
    audit: (events) =>
      auditLog.append(events).catch((error: Error) => {
        process.stderr.write(`Warning: could not write the audit log ${paths.audit}: ${error.message}\n`);
      }),
    afterApiCall,
    paths,
    roles,
    roleSource: parseRoleSource(globals.roles, env) === 'cluster' ? checkedRoles(clusterRoles, roles) : roles,
    clusterRoles,
    roleGrants: new ClusterRbac(cluster),
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
    now,
    randomBytes: (count) => randomBytes(count),
  };
}
