// Requests to the API server: JSON over node:https, authenticated by client-node's KubeConfig
// (client certificates, bearer tokens, exec and auth-provider plugins, proxies), on keep-alive
// connections. client-node's generated API classes are not used: with their ~850 models they
// are 1.2 MB of code to compile on every issuance, for the dozen endpoints this tool calls.
//
// client-node would also give every request a new https.Agent without keep-alive: a new TCP
// connection and TLS handshake (a client-certificate signature) per API call, so even the calls
// of one round would queue behind each other's handshakes. Here one keep-alive agent per set of
// TLS options is reused for every call, and it opens three connections as the first call goes
// out (that call takes one): the wider rounds that follow (up to three concurrent calls in an
// issuance) find them ready, so the API server sees their calls at once. Proxy agents are left
// alone.

import { Agent, request, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';

/** The widest round of an issuance has three concurrent calls. */
const OPENED_AHEAD = 3;

const ignore = () => undefined;

/** A response the API server answered with an error status; `message` is its Status message. */
export class KubeStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeStatusError';
  }
}

/** The API server did not answer within the request timeout. */
export class KubeTimeoutError extends Error {
  override readonly name = 'KubeTimeoutError';
}

class ReusingAgent extends Agent {
  private readonly spares: { key: string; socket: Socket }[] = [];

  constructor(options: AgentOptions, server: URL) {
    // One TLS context for all connections: each new one would parse Node's ~140 bundled root
    // certificates again (~8 ms) before adding the cluster's CA.
    super({ ...options, keepAlive: true, secureContext: options.secureContext ?? createSecureContext(options) });
    const host = server.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(server.port || 443);
    // The kubeconfig's tls-server-name, else the host (SNI takes no IP addresses): what the
    // server's certificate is checked against, as https.Agent itself would choose.
    const servername = this.options.servername ?? (isIP(host) ? undefined : host);
    for (let i = 0; i < OPENED_AHEAD; i++) {
      const socket = super.createConnection({ ...this.options, host, port, ...(servername ? { servername } : {}) }) as Socket;
      // Unused, a spare neither keeps the process alive nor fails it.
      socket.on('error', ignore).unref();
      this.spares.push({ key: `${host}:${port}`, socket });
    }
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const key = `${options.host ?? options.hostname}:${Number(options.port || 443)}`;
    const index = this.spares.findIndex((spare) => spare.key === key && !spare.socket.destroyed);
    if (index < 0) return super.createConnection(options, callback);
    // Its no-op error listener stays: the request adds its own, which sees every error.
    return this.spares.splice(index, 1)[0]!.socket.ref();
  }
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /api/v1/namespaces/dev/secrets?limit=500. */
  path: string;
  body?: unknown;
  /** Defaults to application/json; PATCH needs its patch type. */
  contentType?: string;
}

/** The API server of one kubeconfig context, as JSON requests. */
export class KubeConnection {
  private readonly agents = new Map<string, Agent>();
  private readonly base: URL;
  /** The Date header of the latest answer, and when (monotonic) it arrived. */
  private serverClock?: { serverMs: number; receivedAt: number };

  constructor(
    private readonly config: KubeConfig,
    server: string,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(server.endsWith('/') ? server : `${server}/`);
  }

  /** The parsed JSON answer; a KubeStatusError for an error status. */
  async request<T>({ method, path, body, contentType = 'application/json' }: KubeRequest): Promise<T> {
    const options: RequestOptions = { method, headers: {} };
    // Per request, as client-node does: exec and auth-provider plugins refresh expiring tokens here.
    await this.config.applyToHTTPSOptions(options);
    options.agent = this.reusable(options.agent);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    options.headers = { ...options.headers, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }) };
    const url = new URL(path.replace(/^\//, ''), this.base);
    return new Promise<T>((resolve, reject) => {
      const req = request(url, options, (res) => {
        const serverMs = Date.parse(res.headers.date ?? '');
        if (!Number.isNaN(serverMs)) this.serverClock = { serverMs, receivedAt: performance.now() };
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch {
              reject(new Error(`the API server answered ${method} ${url.pathname} with something that is not JSON`));
            }
          } else reject(new KubeStatusError(status, statusMessage(text) ?? res.statusMessage ?? 'no message'));
        });
      });
      // A timer cleared on the answer rather than AbortSignal.timeout: bulk revocations would
      // keep thousands of 15-second timers alive.
      const timer = setTimeout(() => req.destroy(new KubeTimeoutError(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(payload);
    });
  }

  /**
   * The API server's time now: its latest Date header plus the time elapsed here since (on the
   * monotonic clock, so a local clock that is wrong or jumps does not matter). The header has
   * whole seconds, so this is up to a second behind: late, never early, for expiry.
   */
  serverNow(): Date | undefined {
    return this.serverClock && new Date(this.serverClock.serverMs + (performance.now() - this.serverClock.receivedAt));
  }

  /** The plain agent client-node made for these TLS options becomes a shared keep-alive one. */
  private reusable(fresh: RequestOptions['agent']): RequestOptions['agent'] {
    if (!fresh || fresh.constructor !== Agent) return fresh;
    const options = (fresh as Agent).options;
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
    const id = JSON.stringify([ca, cert, key, pfx, passphrase, rejectUnauthorized, servername].map((value) => (value === undefined ? null : String(value))));
    let agent = this.agents.get(id);
    if (!agent) this.agents.set(id, (agent = new ReusingAgent(options, this.base)));
    return agent;
  }
}

/** The message of a Kubernetes Status body, else the start of the body (a proxy's error page). */
function statusMessage(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
