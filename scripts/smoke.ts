// `tsx scripts/smoke.ts EXECUTABLE`: the release jobs' smoke test of a built kubectl-tempcreds
// (the single executable on each runner), with no cluster: a stub issuer on loopback answers the
// few API calls an issuance for an existing ServiceAccount makes (anchor Secret, its annotation,
// TokenRequest); the first `token` call issues through it, the stub stops, and the second call
// must be a cache hit from the file cache. Tokens are never printed.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface StubObject {
  metadata: { name: string; uid?: string; annotations?: Record<string, string> };
  spec?: { expirationSeconds: number };
}

const kubeTime = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** Just enough of the API: objects are stored on create, annotated on patch; TokenRequests answered. */
function stubIssuer() {
  const objects = new Map<string, StubObject>();
  const send = (res: ServerResponse, code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const body = text ? (JSON.parse(text) as StubObject) : undefined;
      if (req.method === 'POST' && /\/serviceaccounts\/[^/]+\/token$/.test(path)) {
        const expires = new Date(Date.now() + body!.spec!.expirationSeconds * 1000);
        return send(res, 201, { ...body, status: { token: `stub.${Buffer.from('{"sub":"smoke"}').toString('base64url')}.signature`, expirationTimestamp: kubeTime(expires) } });
      }
      if (req.method === 'POST' && body) {
        const created = { ...body, metadata: { ...body.metadata, uid: randomUUID(), resourceVersion: '1', creationTimestamp: kubeTime(new Date()) } };
        objects.set(`${path}/${body.metadata.name}`, created);
        return send(res, 201, created);
      }
      const stored = objects.get(path);
      if (stored && req.method === 'PATCH') {
        stored.metadata.annotations = { ...stored.metadata.annotations, ...body?.metadata.annotations };
        return send(res, 200, stored);
      }
      if (stored && req.method === 'GET') return send(res, 200, stored);
      send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `the smoke stub has no ${req.method} ${path}` });
    });
  });
}

async function main(executable: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tempcreds-smoke-'));
  const server = stubIssuer();
  try {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const kubeconfig = join(work, 'kubeconfig');
    // Plain HTTP on loopback: the client allows it only with TLS verification off.
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'issuer',
      clusters: [{ name: 'stub', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'issuer', user: { token: 'stub-issuer' } }],
      contexts: [{ name: 'issuer', context: { cluster: 'stub', user: 'issuer' } }],
    }));
    const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_TEMPCREDS_HOME: join(work, 'home'), KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' };
    // Not spawnSync: it would block the stub's event loop.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done, fail) => {
        const child = spawn(executable, args, { env });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('error', fail).on('close', (status) => done({ status, stdout, stderr }));
      });
    const expect = (what: string, result: { status: number | null; stderr: string }) => {
      if (result.status !== 0) throw new Error(`${what}: exit ${result.status}: ${result.stderr.trim()}`);
    };
    expect('role create', await run(['role', 'create', 'smoke', '--service-account', 'app', '--allowed-namespaces', 'smoke']));
    const issued = await run(['token', 'smoke', '-n', 'smoke']);
    expect('token (issuing through the stub)', issued);
    // A credential file younger than 2 s is never remembered by the hit path (credential-memo.ts).
    await new Promise((done) => setTimeout(done, 2100));
    await new Promise((done) => server.close(done));
    const hit = await run(['token', 'smoke', '-n', 'smoke']);
    expect('token (the stub is gone: only a cache hit can answer)', hit);
    const token = (stdout: string) => (JSON.parse(stdout) as { status: { token: string } }).status.token;
    if (token(hit.stdout) !== token(issued.stdout)) throw new Error('the second token call did not return the cached token');
    process.stderr.write('smoke: issued through the stub issuer, then served from the file cache\n');
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const executable = process.argv[2];
if (!executable) {
  process.stderr.write('usage: tsx scripts/smoke.ts EXECUTABLE\n');
  process.exitCode = 2;
} else {
  main(resolve(executable)).catch((error: Error) => {
    process.stderr.write(`smoke: ${error.message}\n`);
    process.exitCode = 1;
  });
}
