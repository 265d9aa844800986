// The control plane the benchmarks run against, and an admin client for their fixtures.
// A running one is reused when TEMPCREDS_CLUSTER names it (`eval "$(npm run -s cluster -- up)"`);
// otherwise one is started in a temporary directory and stopped afterwards.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { isClusterHealthy, readClusterInfo, startCluster, stopCluster, type ClusterInfo } from '../../test/controlplane/cluster.ts';
import { pkiPaths } from '../../test/controlplane/pki.ts';

export interface BenchCluster {
  info: ClusterInfo;
  /** Stops the cluster if the bench started it. */
  release(): Promise<void>;
}

export async function benchCluster(log: (line: string) => void): Promise<BenchCluster> {
  const named = process.env.TEMPCREDS_CLUSTER;
  if (named) {
    const info = readClusterInfo(path.dirname(named));
    if (info && (await isClusterHealthy(info))) {
      log(`using the running control plane at ${info.server}`);
      return { info, release: async () => undefined };
    }
    log(`TEMPCREDS_CLUSTER=${named} is not a healthy control plane; starting a private one`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-tempcreds-bench-cluster-'));
  const started = Date.now();
  const info = await startCluster({ dir });
  log(`started a control plane in ${((Date.now() - started) / 1000).toFixed(1)} s at ${info.server}`);
  return { info, release: () => stopCluster(dir) };
}

export interface AdminResponse {
  status: number;
  body: any;
}

/** The admin identity (system:masters) over one keep-alive agent: fixtures by the thousand. */
export class Admin {
  private readonly agent: https.Agent;
  constructor(readonly info: ClusterInfo) {
    const admin = pkiPaths(info.dir).client('admin');
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: fs.readFileSync(info.caFile), cert: fs.readFileSync(admin.cert), key: fs.readFileSync(admin.key) });
  }

  request(method: string, path: string, body?: unknown): Promise<AdminResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        this.info.server + path,
        { method, agent: this.agent, headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) }, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** POSTs, expecting 201 (or 409 when `existingOk`); returns the created object. */
  async create(path: string, body: unknown, existingOk = false): Promise<any> {
    const response = await this.request('POST', path, body);
    if (response.status === 201 || (existingOk && response.status === 409)) return response.body;
    throw new Error(`POST ${path}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
