// Connections for the Kubernetes client. client-node gives every request a new https.Agent
// without keep-alive: a new TCP connection and TLS handshake (a client-certificate signature)
// per API call, so even the calls of one round queue behind each other's handshakes. Here one
// keep-alive agent per set of TLS options is reused for every call, and it opens three
// connections as the first call goes out (that call takes one): the wider rounds that follow (up
// to three concurrent calls in an issuance) find them ready instead of waiting for new
// handshakes, so the API server sees their calls at once. Proxy agents are left alone.

import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The widest round of an issuance has three concurrent calls. */
const OPENED_AHEAD = 3;

/** The part of client-node's request context and kubeconfig authentication used here. */
interface AgentContext {
  getAgent(): unknown;
  setAgent(agent: Agent): void;
}
export interface RequestAuthentication<C extends AgentContext> {
  getName(): string;
  applySecurityAuthentication(context: C): Promise<void>;
}

const ignore = () => undefined;

class ReusingAgent extends Agent {
  private readonly spares: { key: string; socket: Socket }[] = [];

  constructor(options: AgentOptions, server: URL) {
    super({ ...options, keepAlive: true });
    const host = server.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(server.port || 443);
    for (let i = 0; i < OPENED_AHEAD; i++) {
      const socket = super.createConnection({ ...this.options, host, port, ...(isIP(host) ? {} : { servername: host }) }) as Socket;
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

/** Wraps kubeconfig authentication so its requests share connections to `server`. */
export function reusingConnections<C extends AgentContext>(authentication: RequestAuthentication<C>, server: string): RequestAuthentication<C> {
  const agents = new Map<string, Agent>();
  return {
    getName: () => authentication.getName(),
    async applySecurityAuthentication(context) {
      await authentication.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      if (fresh?.constructor !== Agent) return;
      const options = (fresh as Agent).options;
      const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
      const id = JSON.stringify([ca, cert, key, pfx, passphrase, rejectUnauthorized, servername].map((value) => (value === undefined ? null : String(value))));
      let agent = agents.get(id);
      if (!agent) agents.set(id, (agent = new ReusingAgent(options, new URL(server))));
      context.setAgent(agent);
    },
  };
}
