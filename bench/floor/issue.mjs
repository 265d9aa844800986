// The floor of an `issue` built on this tool's packages and protocol, in each of its three modes:
// start Node, parse the command line with yargs, read the kubeconfig with @kubernetes/client-node's
// KubeConfig, make the calls a revocable lease of that mode needs, in the rounds the tool makes them
// (src/core/grant-plan.ts, src/app/issue.ts) — create its anchor Secret; then, for a new
// ServiceAccount, create it with its RoleBinding to an existing Role (B), or with a Role of the
// given rules (C), owned by the anchor; then together mark the anchor, request a token bound to it
// (deleting the anchor revokes the token and deletes what it owns) and, in C, bind the Role —
// write the lease record (atomically, fsync'd), print the token. The grant comes as `role create`
// takes it, not from a role file; no validation, no lock, no audit log, no command table. P2
// bundles it as the tool is bundled (scripts/build.ts's options and plugins) and times it beside
// `issue`: what `issue` costs above it is this tool's own code.
// Usage: node issue.cjs issue (--service-account NAME | --kubernetes-role ROLE | --rules-file FILE)
//          -n NAMESPACE --ttl SECONDS --record DIR
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yargs from 'yargs';

const RBAC = 'rbac.authorization.k8s.io';

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
  const grants = ['service-account', 'kubernetes-role', 'rules-file'];
  const args = await yargs(process.argv.slice(2))
    .command('issue', 'issue a token', (command) =>
      command
        .option('service-account', { type: 'string', describe: 'mode A: the existing ServiceAccount' })
        .option('kubernetes-role', { type: 'string', describe: 'mode B: the existing Role to bind' })
        .option('rules-file', { type: 'string', describe: 'mode C: the rules of the Role to create ({"rules": [...]})' })
        .option('namespace', { alias: 'n', type: 'string', demandOption: true })
        .option('ttl', { type: 'number', demandOption: true })
        .option('record', { type: 'string', demandOption: true })
        .check((parsed) => grants.filter((grant) => parsed[grant] !== undefined).length === 1 || `give one of --${grants.join(', --')}`),
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

  const { namespace, ttl, record, kubernetesRole, rulesFile } = args;
  const rules = rulesFile === undefined ? undefined : JSON.parse(readFileSync(rulesFile, 'utf8')).rules;
  const suffix = randomBytes(6).toString('hex');
  const name = `floor-${suffix}`;
  const core = `/api/v1/namespaces/${namespace}`;
  const rbac = `/apis/${RBAC}/v1/namespaces/${namespace}`;
  // The label the issuer guard requires of whatever the issuer creates; no lease label (not a lease
  // of the tool's); the bench deletes them by the last one.
  const labels = { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'bench.tempcreds.dev/floor': 'true' };
  const anchor = await call('POST', `${core}/secrets`, { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, labels } });
  const ownedByAnchor = { name, labels, ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name, uid: anchor.metadata.uid }] };
  const create = (collection, manifest) => call('POST', collection, { ...manifest, metadata: ownedByAnchor });
  const createAccount = () => create(`${core}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount' });
  const bind = (role) =>
    create(`${rbac}/rolebindings`, { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', roleRef: { apiGroup: RBAC, kind: 'Role', name: role }, subjects: [{ kind: 'ServiceAccount', name, namespace }] });
  // B creates the new ServiceAccount and its binding to the existing Role together; C creates the
  // ServiceAccount and a Role of the rules together, and binds the Role in the token's round.
  if (kubernetesRole !== undefined) await Promise.all([createAccount(), bind(kubernetesRole)]);
  if (rules !== undefined) await Promise.all([createAccount(), create(`${rbac}/roles`, { apiVersion: `${RBAC}/v1`, kind: 'Role', rules })]);
  const serviceAccount = args.serviceAccount ?? name;
  const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
  const [token] = await Promise.all([
    call('POST', `${core}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: ttl, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name, uid: anchor.metadata.uid } },
    }),
    call('PATCH', `${core}/secrets/${name}`, { metadata: { annotations: { 'tempcreds.dev/expires-at': expiresAt } } }, 'application/merge-patch+json'),
    ...(rules !== undefined ? [bind(name)] : []),
  ]);
  mkdirSync(record, { recursive: true, mode: 0o700 });
  const file = join(record, `${suffix}.json`);
  const descriptor = openSync(`${file}.tmp`, 'w', 0o600);
  writeSync(descriptor, JSON.stringify({ id: suffix, namespace, anchor: name, serviceAccount, expiresAt }));
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
