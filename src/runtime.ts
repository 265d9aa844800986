// The imperative shell's wiring: real stores, clock, randomness, and a lazily loaded
// Kubernetes client. Shared by the CLI and the exec entry; importing it loads neither
// @kubernetes/client-node nor yargs.

import { randomBytes } from 'node:crypto';
import type { KubernetesPort } from './app/ports.js';
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
  paths: StatePaths;
  roles: RoleStore;
  leases: LeaseStore;
  /** Connects as the issuer: `context` (else the global --context, else the current context). */
  connect(context: string | undefined): Promise<KubernetesPort>;
  now(): Date;
  randomBytes(count: number): Uint8Array;
}

export function createRuntime(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Runtime {
  const paths = statePaths(env);
  const clients = new Map<string, Promise<KubernetesPort>>();
  const { afterApiCall } = faultsFrom(env);
  return {
    afterApiCall,
    paths,
    roles: new RoleStore(paths.roles),
    leases: new LeaseStore(paths.leases),
    connect(context) {
      const chosen = globals.context ?? context;
      const key = chosen ?? '';
      let client = clients.get(key);
      if (!client) {
        client = import('./adapters/kube.js').then(({ KubeClient, loadKubeConfig }) =>
          new KubeClient(loadKubeConfig({ kubeconfig: globals.kubeconfig, context: chosen }), globals.requestTimeoutMs),
        );
        clients.set(key, client);
      }
      return client;
    },
    now: () => new Date(),
    randomBytes: (count) => randomBytes(count),
  };
}
