// One issuer's connection to the API server: its identity (from the kubeconfig), requests with
// a timeout whose failures are translated (./kube-errors.ts), and the server's clock. What the
// requests are for lives beside it: ./kube-issuance.ts, ./kube-setup.ts, ./kube-doctor.ts.

import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { operationFailed } from '../core/errors.js';
import type { IssuerIdentity } from '../app/ports.js';
import { KubeConnection, type KubeRequest } from './kube-connections.js';
import { toKubeError } from './kube-errors.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/**
 * Objects per list page. A page of 500 labelled Secrets is ~550 KB of JSON, ~2 MB parsed: it
 * outlives V8's young generation and is promoted, so gc's old generation filled with pages
 * (10 000 leases: 98 → 86 MB peak RSS with 200, same CPU; bench/RESULTS.md p5).
 */
export const LIST_PAGE_SIZE = 200;

/** The metadata this tool reads from objects. */
interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  resourceVersion?: string;
  ownerReferences?: { uid?: string }[];
}

export interface KubeObject {
  apiVersion?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList {
  items: KubeObject[];
  metadata?: { continue?: string };
}

export class KubeApi {
  readonly issuer: IssuerIdentity;
  protected readonly connection: KubeConnection;
  private readonly serverClock: (observed: Date) => Date;

  /** `serverClock` lets the test build fake the API server's clock (see faults.ts). */
  constructor(
    config: KubeConfig,
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    { kubeconfig, serverClock = (observed) => observed }: { kubeconfig?: string; serverClock?: (observed: Date) => Date } = {},
  ) {
    const cluster = config.getCurrentCluster()!;
    const contextName = config.getCurrentContext();
    const context = config.getContextObject(contextName);
    const caData = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
    this.serverClock = serverClock;
    this.issuer = {
      ...(kubeconfig ? { kubeconfig } : {}),
      context: contextName,
      cluster: context?.cluster ?? cluster.name,
      server: cluster.server,
      user: config.getCurrentUser()!.name,
      ...(caData ? { certificateAuthorityData: caData } : {}),
      ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
      ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
      ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    };
    this.connection = new KubeConnection(config, cluster.server, timeoutMs);
  }

  async serverVersion(): Promise<string> {
    return (await this.request<{ gitVersion: string }>('read the server version', { method: 'GET', path: '/version' })).gitVersion;
  }

  /** The API server's clock (from the Date header of its answers): the one that decides expiry. */
  async serverNow(): Promise<Date> {
    if (!this.connection.serverNow()) await this.serverVersion();
    const now = this.connection.serverNow();
    if (!now) throw operationFailed(`the API server at ${this.issuer.server} sent no Date header, so its time is unknown (lease expiry goes by the server's clock)`);
    return this.serverClock(now);
  }

  /** One request; `action` says what it was for when it fails. */
  async request<T = unknown>(action: string, request: KubeRequest): Promise<T> {
    try {
      return await this.connection.request<T>(request);
    } catch (error) {
      throw toKubeError(action, this.issuer, error);
    }
  }
}
