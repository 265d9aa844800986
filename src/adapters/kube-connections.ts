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
// issuance) find them ready, so the API server sees their calls at once.
//
// Proxies are chosen as kubectl chooses them (../core/proxy.ts). An http(s) proxy carries each
// keep-alive connection in an HTTP CONNECT tunnel, with TLS to the API server inside it (opened on
// demand: no spares); a SOCKS proxy-url is left to client-node's own agent.

import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent, request, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { proxyFor } from './proxy.js';

/** The widest round of an issuance has three concurrent calls. */
const OPENED_AHEAD = 3;

const ignore = () => undefined;

/** The monotonic clock in ms: performance.now() without loading perf_hooks (eight modules) on every issuance. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** A response the API server answered with an error status; `message` is its Status message, `details` what it names. */
export class KubeStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { kind?: string; name?: string } = {},
  ) {
    super(message);
    this.name = 'KubeStatusError';
  }
}

/** The API server did not answer within the request timeout. */
export class KubeTimeoutError extends Error {
  override readonly name = 'KubeTimeoutError';
}

/** The protocols a proxy can have for a CONNECT tunnel. */
const TUNNELLING = new Set(['http:', 'https:']);

class ReusingAgent extends Agent {
  private readonly spares: { key: string; socket: Socket }[] = [];

  constructor(
    options: AgentOptions,
    server: URL,
    private readonly proxy?: URL,
  ) {
    // One TLS context for all connections: each new one would parse Node's ~140 bundled root
    // certificates again (~8 ms) before adding the cluster's CA.
    super({ ...options, keepAlive: true, secureContext: options.secureContext ?? createSecureContext(options) });
    if (proxy) return;
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
    if (this.proxy) {
      tunnel(this.proxy, options as ConnectionOptions, callback!);
      return undefined;
    }
    const key = `${options.host ?? options.hostname}:${Number(options.port || 443)}`;
    const index = this.spares.findIndex((spare) => spare.key === key && !spare.socket.destroyed);
    if (index < 0) return super.createConnection(options, callback);
    // Its no-op error listener stays: the request adds its own, which sees every error.
    return this.spares.splice(index, 1)[0]!.socket.ref();
  }
}

/** A CONNECT tunnel through the proxy to the API server, then TLS to the API server inside it. */
function tunnel(proxy: URL, options: ConnectionOptions, callback: (err: Error | null, stream: Duplex) => void): void {
  const authority = `${String(options.host).includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const headers: OutgoingHttpHeaders = { host: authority };
  if (proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  const connectRequest = (proxy.protocol === 'https:' ? request : httpRequest)({
    host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false,
  });
  // No error code: the message says the proxy failed, not the API server.
  const fail = (error: Error) => callback(error, undefined as never);
  connectRequest.once('connect', (response, socket) => {
    if (response.statusCode !== 200) {
      socket.destroy();
      fail(new Error(`the proxy ${proxy.host} refused the tunnel to ${authority}: ${response.statusCode} ${response.statusMessage ?? ''}`.trim()));
      return;
    }
    callback(null, tlsConnect({ ...options, socket }));
  });
  connectRequest.once('error', (error) => fail(new Error(`the proxy ${proxy.host} did not open a tunnel to ${authority}: ${error.message}`, { cause: error })));
  connectRequest.end();
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
  private readonly proxy: URL | undefined;
  /** The Date header of the latest answer, and when (monotonic) it arrived. */
  private serverClock?: { serverMs: number; receivedAt: number };

  constructor(
    private readonly config: KubeConfig,
    server: string,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(server.endsWith('/') ? server : `${server}/`);
    this.proxy = proxyFor(this.base, config.getCurrentCluster()?.proxyUrl, process.env);
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
        if (!Number.isNaN(serverMs)) this.serverClock = { serverMs, receivedAt: monotonicMs() };
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
          } else reject(new KubeStatusError(status, statusMessage(text) ?? res.statusMessage ?? 'no message', statusDetails(text)));
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
   * A watch (`path` with its query, e.g. …?watch=1&resourceVersion=5): each line the server
   * sends is handed to `onEvent` as (type, object); `onDone` once it ends (error: null when the
   * server closed it, as it does after timeoutSeconds). It goes out on the keep-alive connections
   * the other calls use, so watching right after a create costs no new connection or handshake.
   * Resolves once the server accepted it, with a way to stop it; rejects (a KubeStatusError if the
   * server refused it) without calling `onDone` if it never started. `deadlineMs`: a watch not
   * ended by then is ended with an error — a dead or half-open connection never ends by itself.
   */
  async watch<E>(path: string, onEvent: (type: string, object: E) => void, onDone: (error: unknown) => void, { deadlineMs }: { deadlineMs?: number } = {}): Promise<{ abort(): void }> {
    const options: RequestOptions = { method: 'GET', headers: {} };
    await this.config.applyToHTTPSOptions(options);
    options.agent = this.reusable(options.agent);
    options.headers = { ...options.headers, accept: 'application/json' };
    return new Promise((resolve, reject) => {
      let accepted = false;
      let ended = false;
      let deadline: NodeJS.Timeout | undefined;
      const end = (error: unknown) => {
        clearTimeout(deadline);
        if (ended) return;
        ended = true;
        onDone(error);
      };
      const fail = (error: unknown) => {
        clearTimeout(deadline);
        reject(error);
      };
      const req = request(new URL(path.replace(/^\//, ''), this.base), options, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            fail(new KubeStatusError(status, statusMessage(text) ?? res.statusMessage ?? 'no message', statusDetails(text)));
          });
          return;
        }
        accepted = true;
        resolve({ abort: () => ((ended = true), req.destroy()) });
        let partial = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop()!;
          for (const line of lines) {
            if (ended || !line.trim()) continue;
            let event: { type: string; object: E };
            try {
              event = JSON.parse(line) as typeof event;
            } catch {
              req.destroy();
              return end(new Error(`the API server sent a watch event that is not JSON on ${path.split('?')[0]}`));
            }
            try {
              onEvent(event.type, event.object);
            } catch (error) {
              req.destroy();
              return end(error);
            }
          }
        });
        res.on('end', () => end(null));
        res.on('error', end);
        res.on('close', () => end(new Error(`the watch on ${path.split('?')[0]} was closed before it ended`)));
      });
      req.on('error', (error) => (accepted ? end(error) : fail(error)));
      if (deadlineMs !== undefined) {
        deadline = setTimeout(() => req.destroy(new Error(`the watch on ${path.split('?')[0]} did not end within ${Math.round(deadlineMs / 1000)} s`)), deadlineMs);
        deadline.unref();
      }
      req.end();
    });
  }

  /**
   * The API server's time now: its latest Date header plus the time elapsed here since (on the
   * monotonic clock, so a local clock that is wrong or jumps does not matter). The header has
   * whole seconds, so this is up to a second behind: late, never early, for expiry.
   */
  serverNow(): Date | undefined {
    return this.serverClock && new Date(this.serverClock.serverMs + (monotonicMs() - this.serverClock.receivedAt));
  }

  /**
   * The agent client-node made for these TLS options (plain, or its http(s) proxy agent) becomes a
   * shared keep-alive one, through the proxy kubectl would use.
   */
  private reusable(fresh: RequestOptions['agent']): RequestOptions['agent'] {
    if (!(fresh instanceof Agent)) return fresh; // client-node's SOCKS agent for a socks5 proxy-url
    if (this.proxy && !TUNNELLING.has(this.proxy.protocol)) {
      throw new Error(`HTTPS_PROXY ${this.proxy.protocol}//${this.proxy.host} is not supported: use an http:// or https:// proxy, or set it as the cluster's proxy-url in the kubeconfig`);
    }
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = fresh.options;
    const id = JSON.stringify([ca, cert, key, pfx, passphrase, rejectUnauthorized, servername].map((value) => (value === undefined ? null : String(value))));
    let agent = this.agents.get(id);
    if (!agent) this.agents.set(id, (agent = new ReusingAgent(fresh.options, this.base, this.proxy)));
    return agent;
  }
}

/** The object a Kubernetes Status body names (`details.kind` is the resource, e.g. "secrets"). */
function statusDetails(text: string): { kind?: string; name?: string } {
  try {
    const details = (JSON.parse(text) as { details?: { kind?: unknown; name?: unknown } }).details;
    return { ...(typeof details?.kind === 'string' ? { kind: details.kind } : {}), ...(typeof details?.name === 'string' ? { name: details.name } : {}) };
  } catch {
    return {};
  }
}

/** The message of a Kubernetes Status body, else the start of the body (a proxy's error page). */
function statusMessage(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    // Errors are one line: RBAC escalation prevention lists the missing rules one per line.
    if (typeof message === 'string') return message.replace(/\s*\n\s*/g, ' ');
  } catch {
    // not JSON
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
