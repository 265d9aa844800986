// The floor of a mode-A `issue` built on this tool's packages and protocol: start Node, parse the
// command line with yargs, read the kubeconfig with @kubernetes/client-node's KubeConfig, make the
// calls a revocable mode-A lease needs — create its anchor Secret, then together mark the anchor
// and request a token bound to it (deleting the anchor revokes the token) — write the lease record
// (atomically, fsync'd), print the token. No role file, no validation, no lock, no audit log, no
// command table. P2 bundles it as the tool is bundled (scripts/build.ts's options and plugins)
// and times it beside `issue`: what `issue` costs above it is this tool's own code.
// Usage: node issue-mode-a.cjs issue SERVICEACCOUNT -n NAMESPACE --ttl SECONDS --record DIR
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yargs from 'yargs';

/** A JSON call to the API server on `agent`'s keep-alive connection. */
function caller(server, options, agent) {
  return (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const req = request(`${server}${path}`, { ...options, agent, method, headers: { ...options.headers, 'content-type': contentType } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () => (res.statusCode >= 300 ? reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 1000)}`)) : resolve(JSON.parse(text))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
}

async function main() {
  const args = await yargs(process.argv.slice(2))
    .command('issue <serviceAccount>', 'issue a token', (command) =>
      command
        .positional('serviceAccount', { type: 'string', demandOption: true })
        .option('namespace', { alias: 'n', type: 'string', demandOption: true })
        .option('ttl', { type: 'number', demandOption: true })
        .option('record', { type: 'string', demandOption: true }),
    )
    .demandCommand(1)
    .strict()
    .parseAsync();

  const config = new KubeConfig();
  config.loadFromDefault();
  const server = config.getCurrentCluster().server;
  const options = { agent: undefined, headers: {} };
  await config.applyToHTTPSOptions(options);
  const agent = new Agent({ ...options, keepAlive: true });
  const call = caller(server, options, agent);

  const { namespace, serviceAccount, ttl, record } = args;
  const suffix = randomBytes(6).toString('hex');
  const anchor = await call('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    // The label the issuer guard requires of the issuer's Secrets; no lease label (not a lease of
    // the tool's); the bench deletes them by the last one.
    metadata: { name: `floor-${suffix}`, labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'bench.tempcreds.dev/floor': 'true' } },
  });
  const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
  const [, token] = await Promise.all([
    call('PATCH', `/api/v1/namespaces/${namespace}/secrets/${anchor.metadata.name}`, { metadata: { annotations: { 'tempcreds.dev/expires-at': expiresAt } } }, 'application/merge-patch+json'),
    call('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: ttl, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: anchor.metadata.name, uid: anchor.metadata.uid } },
    }),
  ]);
  mkdirSync(record, { recursive: true, mode: 0o700 });
  const file = join(record, `${suffix}.json`);
  const descriptor = openSync(`${file}.tmp`, 'w', 0o600);
  writeSync(descriptor, JSON.stringify({ id: suffix, namespace, anchor: anchor.metadata.name, expiresAt }));
  fsyncSync(descriptor);
  closeSync(descriptor);
  renameSync(`${file}.tmp`, file);
  process.stdout.write(`${token.status.token}\n`);
  agent.destroy();
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
