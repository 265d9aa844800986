// The probe and metrics endpoints: /healthz (the process serves), /readyz (the cache is synced
// and, for the leader, the Lease is held), /metrics (Prometheus text). Nothing else is served.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { operationFailed } from '../core/errors.js';

export interface HealthSources {
  ready(): { ok: true } | { ok: false; reason: string };
  metrics(): string;
}

export interface HealthServer {
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  close(): Promise<void>;
}

export async function startHealthServer(listen: { host: string; port: number }, sources: HealthSources): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') return send(200, 'ok\n');
    if (path === '/readyz') {
      const ready = sources.ready();
      return ready.ok ? send(200, 'ok\n') : send(503, `not ready: ${ready.reason}\n`);
    }
    if (path === '/metrics') return send(200, sources.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
    send(404, 'not found\n');
  });
  // Probes must not keep a stopping process alive.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(operationFailed(`cannot serve probes and metrics on ${listen.host}:${listen.port} (${error.code ?? error.message}): choose another address with --health-addr`, error)),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    address: `${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
