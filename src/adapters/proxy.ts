// Which proxy reaches an API server, by kubectl's rules: client-go uses the kubeconfig cluster's
// proxy-url whenever it is set, else Go's net/http ProxyFromEnvironment (HTTPS_PROXY, then
// https_proxy, for an https server), which never proxies localhost or a loopback address and skips
// hosts that NO_PROXY (then no_proxy) matches. Same rules, same cluster reached, as kubectl.

import { BlockList, isIP } from 'node:net';
import { invalidInput } from '../core/errors.js';

export function proxyFor(server: URL, proxyUrl: string | undefined, env: Record<string, string | undefined>): URL | undefined {
  if (proxyUrl) {
    try {
      return new URL(proxyUrl);
    } catch {
      throw invalidInput(`the kubeconfig's proxy-url "${proxyUrl}" is not a URL: fix it, e.g. http://proxy.example:3128`);
    }
  }
  const fromEnv = env.HTTPS_PROXY || env.https_proxy;
  const proxy = fromEnv ? parseEnvProxy(fromEnv) : undefined;
  if (!proxy) return undefined;
  const host = server.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = server.port || '443';
  if (host === 'localhost' || isLoopback(host)) return undefined;
  return bypassed(host, port, env.NO_PROXY || env.no_proxy || '') ? undefined : proxy;
}

/** As Go: a full URL, or host[:port] meaning http://host[:port]; an unusable value means no proxy. */
function parseEnvProxy(value: string): URL | undefined {
  for (const candidate of [value, `http://${value}`]) {
    try {
      const url = new URL(candidate);
      if (['http:', 'https:', 'socks5:'].includes(url.protocol) && url.hostname) return url;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family !== 6) return false;
  return host === '::1' || inSubnet(host, '::ffff:127.0.0.0', 104);
}

/** NO_PROXY as Go reads it: `*`; IPs and CIDRs; a domain with its subdomains, or only subdomains with a leading dot; an optional :port. */
function bypassed(host: string, port: string, noProxy: string): boolean {
  const family = isIP(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const cidr = entry.match(/^(.+)\/(\d+)$/);
    if (cidr) {
      if (family !== 0 && inSubnet(host, cidr[1]!, Number(cidr[2]))) return true;
      continue;
    }
    const withPort = entry.match(/^(\[[^\]]+\]|[^:]+):(\d+)$/);
    const entryHost = (withPort ? withPort[1]! : entry).replace(/^\[(.*)\]$/, '$1');
    const entryPort = withPort?.[2];
    if (entryPort && entryPort !== port) continue;
    if (isIP(entryHost)) {
      if (family !== 0 && sameAddress(entryHost, host)) return true;
      continue;
    }
    const domain = entryHost.replace(/^\*\./, '.');
    if (domain.startsWith('.') ? host.endsWith(domain) : host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

function sameAddress(a: string, b: string): boolean {
  const list = new BlockList();
  list.addAddress(a, familyOf(a));
  return list.check(b, familyOf(b));
}

function inSubnet(address: string, network: string, prefix: number): boolean {
  if (!isIP(network) || prefix > (isIP(network) === 6 ? 128 : 32)) return false;
  const subnet = new BlockList();
  subnet.addSubnet(network, prefix, familyOf(network));
  return subnet.check(address, familyOf(address));
}
