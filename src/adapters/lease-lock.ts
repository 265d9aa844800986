// The leader election Lease (coordination.k8s.io/v1), read and written with resourceVersion
// preconditions: of two replicas writing one version, the second gets a conflict, never a win.

import type { LeaseSpec } from '../core/leader-election.js';
import { KubeStatusError, type KubeConnection } from './kube-connections.js';

export interface LeaseRead {
  spec: LeaseSpec;
  resourceVersion: string;
}

/** What the elector needs from the cluster; 'conflict' when another writer came first. */
export interface LeaseLock {
  /** e.g. "tempcreds-system/tempcreds-controller", for logs. */
  readonly describe: string;
  get(): Promise<LeaseRead | undefined>;
  create(spec: LeaseSpec): Promise<LeaseRead | 'conflict'>;
  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRead | 'conflict'>;
}

interface LeaseObject {
  metadata?: { resourceVersion?: string };
  spec?: LeaseSpec;
}

export class KubeLeaseLock implements LeaseLock {
  readonly describe: string;
  private readonly collection: string;

  constructor(
    private readonly connection: KubeConnection,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.describe = `${namespace}/${name}`;
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  }

  async get(): Promise<LeaseRead | undefined> {
    try {
      return read(await this.connection.request<LeaseObject>({ method: 'GET', path: `${this.collection}/${encodeURIComponent(this.name)}` }));
    } catch (error) {
      if (error instanceof KubeStatusError && error.status === 404) return undefined;
      throw error;
    }
  }

  create(spec: LeaseSpec): Promise<LeaseRead | 'conflict'> {
    return this.write({ method: 'POST', path: this.collection, body: this.object(spec) });
  }

  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRead | 'conflict'> {
    return this.write({ method: 'PUT', path: `${this.collection}/${encodeURIComponent(this.name)}`, body: this.object(spec, resourceVersion) });
  }

  private async write(request: { method: 'POST' | 'PUT'; path: string; body: unknown }): Promise<LeaseRead | 'conflict'> {
    try {
      return read(await this.connection.request<LeaseObject>(request));
    } catch (error) {
      if (error instanceof KubeStatusError && error.status === 409) return 'conflict';
      throw error;
    }
  }

  private object(spec: LeaseSpec, resourceVersion?: string) {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) }, spec };
  }
}

function read(lease: LeaseObject): LeaseRead {
  return { spec: lease.spec ?? {}, resourceVersion: lease.metadata?.resourceVersion ?? '' };
}
