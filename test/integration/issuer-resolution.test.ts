// Which issuer the tool talks to, and how: the context kubectl would use (KUBECONFIG merged as
// kubectl merges it), the cache key covering everything that reaches the cluster (tls-server-name,
// proxy-url), and proxies as kubectl uses them (proxy-url always; HTTPS_PROXY/NO_PROXY from the
// environment, never for localhost or a loopback address). The proxy is a tiny HTTP CONNECT proxy
// in this file that counts its tunnels and sends each one to the test cluster, whatever host it
// was asked for.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, tempcreds, TEMPCREDS_BIN, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('resolve');
const role = uniqueName('rs');

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: unknown }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context'?: string;
}

interface CountingProxy {
  url: string;
  /** The authority (host:port) of every CONNECT, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

/** An HTTP CONNECT proxy on 127.0.0.1 that tunnels every request to the test cluster's port. */
async function startProxy(): Promise<CountingProxy> {
  const clusterPort = Number(new URL(testCluster().server).port);
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_, response) => response.writeHead(405).end());
  server.on('connect', (request, client: Socket, head: Buffer) => {
    tunnels.push(request.url ?? '');
    const upstream = connect(clusterPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}

let tool: Tempcreds;
let proxy: CountingProxy;
const testConfig = () => yaml.load(readFileSync(testCluster().kubeconfig, 'utf8')) as Kubeconfig;

function writeConfig(name: string, config: Partial<Kubeconfig>): string {
  const file = join(tool.home, 'kubeconfigs', name);
  writeFileSync(file, yaml.dump({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], ...config }), { mode: 0o600 });
  return file;
}

/** The test kubeconfig with the cluster entry changed. */
function withCluster(name: string, change: Record<string, unknown>): string {
  const config = testConfig();
  for (const cluster of config.clusters) Object.assign(cluster.cluster, change);
  return writeConfig(name, config);
}

async function leases(): Promise<{ id: string; context: string; cluster: string }[]> {
  const listed = await tool.run(['lease', 'list', '--role', role, '-o', 'json']);
  assert.equal(listed.status, 0, listed.stderr);
  return JSON.parse(listed.stdout) as { id: string; context: string; cluster: string }[];
}

const token = (kubeconfig: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) =>
  runProcess(TEMPCREDS_BIN, ['token', role, '-n', ns, ...args], { env: { ...tool.env, KUBECONFIG: kubeconfig, ...env } });
const issue = (kubeconfig: string, env: NodeJS.ProcessEnv = {}) => tool.run(['issue', role, '-n', ns, '-o', 'json'], { env: { KUBECONFIG: kubeconfig, ...env } });

before(async () => {
  await createNamespace(ns);
  await createServiceAccount(ns, 'app');
  tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' });
  mkdirSync(join(tool.home, 'kubeconfigs'));
  const created = await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', ns]);
  assert.equal(created.status, 0, created.stderr);
  proxy = await startProxy();
});

after(() => proxy.close());

describe('the issuer context, resolved as kubectl resolves it', () => {
  it('KUBECONFIG=a:b naming different current contexts: the token is issued by and cached under the one kubectl uses', async () => {
    await tool.run(['revoke', '--role', role]);
    const full = testConfig();
    const pick = (name: string): Partial<Kubeconfig> => ({
      users: full.users.filter((user) => user.name === name),
      contexts: full.contexts.filter((context) => context.name === name),
      'current-context': name,
    });
    const a = writeConfig('a', { ...pick('issuer'), clusters: full.clusters });
    const b = writeConfig('b', pick('issuer-noescalate'));
    const merged = `${a}:${b}`;
    const kubectl = await runProcess('kubectl', ['config', 'current-context'], { env: { ...process.env, KUBECONFIG: merged } });
    assert.equal(kubectl.stdout.trim(), 'issuer');

    const viaExec = await token(merged);
    assert.equal(viaExec.status, 0, viaExec.stderr);
    assert.deepEqual((await leases()).map((lease) => lease.context), ['issuer'], 'the exec plugin issued on another context than kubectl uses');
    // Cached under that context's key: asking for it by name is served from the cache.
    assert.equal((await token(merged, {}, ['--context', 'issuer'])).status, 0);
    assert.equal((await leases()).length, 1);

    const viaCli = await issue(merged);
    assert.equal(viaCli.status, 0, viaCli.stderr);
    assert.deepEqual((await leases()).map((lease) => lease.context), ['issuer', 'issuer'], 'issue used another context than kubectl');
  });

  it('files that define the same names merge as kubectl merges them: the first file wins', async () => {
    await tool.run(['revoke', '--role', role]);
    const full = testConfig();
    const a = writeConfig('dup-a', full);
    const b = writeConfig('dup-b', { ...full, clusters: full.clusters.map((cluster) => ({ ...cluster, cluster: { ...cluster.cluster, server: 'https://127.0.0.1:1' } })) });
    const issued = await issue(`${a}:${b}`);
    assert.equal(issued.status, 0, issued.stderr);
    assert.deepEqual((await leases()).map((lease) => lease.cluster), [testCluster().server]);
  });
});

describe('the token cache key', () => {
  it('covers proxy-url and tls-server-name: a changed one is another credential', async () => {
    await tool.run(['revoke', '--role', role]);
    const plain = withCluster('key', {});
    assert.equal((await token(plain)).status, 0);
    assert.equal((await leases()).length, 1);
    const tunnels = proxy.tunnels.length;
    writeFileSync(plain, readFileSync(withCluster('key-proxied', { 'proxy-url': proxy.url })));
    const proxied = await token(plain);
    assert.equal(proxied.status, 0, proxied.stderr);
    assert.equal((await leases()).length, 2, 'a token issued without the proxy was served for a proxy-url');
    assert.ok(proxy.tunnels.length > tunnels, 'the issuance did not go through proxy-url');
    writeFileSync(plain, readFileSync(withCluster('key-named', { 'proxy-url': proxy.url, 'tls-server-name': 'localhost' })));
    assert.equal((await token(plain)).status, 0);
    assert.equal((await leases()).length, 3, 'a token was served for another tls-server-name');
  });
});

describe('proxies, as kubectl uses them', () => {
  it('proxy-url is always used (NO_PROXY does not apply to it), and run keeps it and tls-server-name', async () => {
    const config = withCluster('proxy-url', { 'proxy-url': proxy.url, 'tls-server-name': 'localhost' });
    const tunnels = proxy.tunnels.length;
    const env = { NO_PROXY: '127.0.0.1,localhost' };
    const issued = await issue(config, env);
    assert.equal(issued.status, 0, issued.stderr);
    const afterIssue = proxy.tunnels.length;
    assert.ok(afterIssue > tunnels, 'the issuance did not go through proxy-url');
    const ran = await tool.run(['run', role, '-n', ns, '--', 'sh', '-c', `kubectl get --raw /version >/dev/null && kubectl config view -o 'jsonpath={.clusters[0].cluster.tls-server-name} {.clusters[0].cluster.proxy-url}'`], {
      env: { KUBECONFIG: config, ...env },
    });
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, `localhost ${proxy.url}`);
    assert.ok(proxy.tunnels.length > afterIssue + 1, "run's kubectl did not go through proxy-url");
  });

  it('HTTPS_PROXY carries a server name through the proxy, NO_PROXY bypasses it, and a loopback server is never proxied', async () => {
    const port = new URL(testCluster().server).port;
    // No DNS knows this name: only the proxy can reach it (it sends every tunnel to the test cluster).
    const named = withCluster('env-proxy', { server: `https://kubernetes.invalid:${port}`, 'tls-server-name': 'localhost' });
    const env = { HTTPS_PROXY: proxy.url };
    const tunnels = proxy.tunnels.length;
    const kubectl = await runProcess('kubectl', ['--kubeconfig', named, 'version', '-o', 'json'], { env: { ...process.env, ...env } });
    assert.equal(kubectl.status, 0, kubectl.stderr);
    assert.ok(proxy.tunnels.slice(tunnels).includes(`kubernetes.invalid:${port}`), 'kubectl did not use HTTPS_PROXY');

    const before = proxy.tunnels.length;
    const issued = await issue(named, env);
    assert.equal(issued.status, 0, issued.stderr);
    assert.ok(proxy.tunnels.slice(before).includes(`kubernetes.invalid:${port}`), 'the tool did not use HTTPS_PROXY');

    const bypassed = proxy.tunnels.length;
    const direct = await issue(named, { https_proxy: proxy.url, NO_PROXY: '.invalid' });
    assert.equal(direct.status, 1);
    assert.match(direct.stderr, /cannot reach the API server at https:\/\/kubernetes\.invalid/);
    assert.equal(proxy.tunnels.length, bypassed, 'NO_PROXY did not bypass the proxy');

    const loopback = await issue(testCluster().kubeconfig, env);
    assert.equal(loopback.status, 0, loopback.stderr);
    assert.equal(proxy.tunnels.length, bypassed, 'a loopback server went through HTTPS_PROXY');
  });
});
