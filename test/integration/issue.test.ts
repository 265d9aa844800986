// Issuance against the real API server, as the non-admin issuer: the TTL decision table,
// audiences, namespace rules, revocation exactness and rollback.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { waitFor } from '../helpers/cluster.ts';
import { createNamespace, createServiceAccount, createRole, bindRole, listPodsStatus, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_NAME } from '../controlplane/kubeconfig.ts';
import { jwtClaims, runProcess, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('issue');
const devNs = uniqueName('issue-dev');
const prodNs = uniqueName('issue-prod');
let tool: Tempcreds;
// Role names are unique per run: labels select by role name across the whole shared cluster.
const run = uniqueName('r').slice(2);
const role = {
  ttlDefault: `ttl-default-${run}`,
  ttlGlobal: `ttl-global-${run}`,
  ttlCapped: `ttl-capped-${run}`,
  aud: `aud-${run}`,
  nsList: `ns-list-${run}`,
  nsStar: `ns-star-${run}`,
  nsSelector: `ns-selector-${run}`,
  nsSingle: `ns-single-${run}`,
  rx2: `rx2-${run}`,
  rx: `rx-${run}`,
  gone: `gone-${run}`,
  tooMuch: `too-much-${run}`,
  tlsName: `tls-name-${run}`,
};

async function ok(args: string[]) {
  const result = await tool.run(args);
  assert.equal(result.status, 0, `kubectl tempcreds ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

async function token(args: string[]) {
  return (await ok(['issue', ...args, '-o', 'token'])).stdout.trim();
}

const inNamespace = (namespace: string) => (objects: string[]) => objects.filter((object) => object.includes(` ${namespace}/`));
const lifetime = (jwt: string) => Number(jwtClaims(jwt).exp) - Number(jwtClaims(jwt).iat);

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await createNamespace(devNs, { env: 'dev' });
  await createNamespace(prodNs, { env: 'prod' });
  for (const namespace of [ns, devNs, prodNs]) {
    await createServiceAccount(namespace, 'app');
    await createRole(namespace, 'reader');
    await bindRole(namespace, 'reader', 'app');
  }
  await ok(['role', 'create', role.ttlDefault, '--service-account', 'app', '--allowed-namespaces', ns, '--default-ttl', '2h', '--max-ttl', '3h']);
  await ok(['role', 'create', role.ttlGlobal, '--service-account', 'app', '--allowed-namespaces', ns]);
  await ok(['role', 'create', role.ttlCapped, '--service-account', 'app', '--allowed-namespaces', ns, '--max-ttl', '1h']);
});

describe('TTL', () => {
  it('uses the requested TTL', async () => assert.equal(lifetime(await token([role.ttlDefault, '-n', ns, '--ttl', '30m'])), 1800));
  it("falls back to the role's default TTL", async () => assert.equal(lifetime(await token([role.ttlDefault, '-n', ns])), 7200));
  it('falls back to the global default of 1h', async () => assert.equal(lifetime(await token([role.ttlGlobal, '-n', ns])), 3600));
  it("caps at the role's max TTL with a warning on stderr", async () => {
    const result = await ok(['issue', role.ttlCapped, '-n', ns, '--ttl', '2h', '-o', 'token']);
    assert.equal(lifetime(result.stdout), 3600);
    assert.match(result.stderr, /^Warning: the TTL 2h is greater than the role's max TTL 1h; capping it at 1h$/m);
  });
  it('records the real expiry (the token\'s) in the lease', async () => {
    const result = await ok(['issue', role.ttlGlobal, '-n', ns, '-o', 'json']);
    const issued = JSON.parse(result.stdout) as { expires_at: string; service_account_token: string };
    assert.equal(Date.parse(issued.expires_at) / 1000, Number(jwtClaims(issued.service_account_token).exp));
  });
});

describe('audiences', () => {
  it("puts the role's default audiences and per-request audiences into aud", async () => {
    await ok(['role', 'create', role.aud, '--service-account', 'app', '--allowed-namespaces', ns, '--default-audiences', 'vault,ci']);
    assert.deepEqual(jwtClaims(await token([role.aud, '-n', ns])).aud, ['vault', 'ci']);
    assert.deepEqual(jwtClaims(await token([role.aud, '-n', ns, '--audience', 'deploy'])).aud, ['deploy']);
  });
  it('a token for an audience the API server does not accept gets 401', async () => {
    assert.equal(await listPodsStatus(await token([role.aud, '-n', ns, '--audience', 'elsewhere']), ns), 401);
  });
  it('a token with the default audience is accepted', async () => {
    assert.equal(await listPodsStatus(await token([role.ttlGlobal, '-n', ns]), ns), 200);
  });
});

describe('namespace rules', () => {
  before(async () => {
    await ok(['role', 'create', role.nsList, '--service-account', 'app', '--allowed-namespaces', `${ns},${devNs}`]);
    await ok(['role', 'create', role.nsStar, '--service-account', 'app', '--allowed-namespaces', '*']);
    await ok(['role', 'create', role.nsSelector, '--service-account', 'app', '--namespace-selector', 'env=dev']);
    await ok(['role', 'create', role.nsSingle, '--service-account', 'app', '--allowed-namespaces', ns]);
  });
  it('allows a listed namespace', async () => assert.equal(await listPodsStatus(await token([role.nsList, '-n', devNs]), devNs), 200));
  it('refuses an unlisted namespace before creating anything', async () => {
    const result = await tool.run(['issue', role.nsList, '-n', prodNs]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`namespace "${prodNs}" is not in role "${role.nsList}"'s allowed namespaces`));
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role.nsList},tempcreds.dev/lease`).then(inNamespace(prodNs)), []);
  });
  it('allows any namespace with "*"', async () => assert.equal(await listPodsStatus(await token([role.nsStar, '-n', prodNs]), prodNs), 200));
  it("allows a namespace matching the selector (the live namespace's labels)", async () => {
    assert.equal(await listPodsStatus(await token([role.nsSelector, '-n', devNs]), devNs), 200);
  });
  it('refuses a namespace not matching the selector, creating nothing', async () => {
    const result = await tool.run(['issue', role.nsSelector, '-n', prodNs]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /does not match its selector \(it allows namespaces labelled env=dev\)/);
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role.nsSelector},tempcreds.dev/lease`).then(inNamespace(prodNs)), []);
  });
  it('allows omitting -n when the role allows exactly one namespace', async () => {
    const issued = JSON.parse((await ok(['issue', role.nsSingle, '-o', 'json'])).stdout) as { service_account_namespace: string };
    assert.equal(issued.service_account_namespace, ns);
  });
  it('asks for -n when the role allows several', async () => {
    const result = await tool.run(['issue', role.nsList]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /allows more than one namespace: choose one with -n NAMESPACE/);
  });
});

describe('revoke', () => {
  it('--role revokes exactly that role: rx2 survives revoking rx', async () => {
    await ok(['role', 'create', role.rx, '--kubernetes-role', 'reader', '--allowed-namespaces', ns]);
    await ok(['role', 'create', role.rx2, '--kubernetes-role', 'reader', '--allowed-namespaces', ns]);
    const [rx, rx2] = [await token([role.rx, '-n', ns]), await token([role.rx2, '-n', ns])];
    assert.equal(await listPodsStatus(rx, ns), 200);
    await ok(['revoke', '--role', role.rx]);
    await waitFor(async () => (await listPodsStatus(rx, ns)) === 401, { what: 'the revoked token to get 401' });
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role.rx}`), []);
    assert.equal(await listPodsStatus(rx2, ns), 200);
    assert.equal((await objectsLabelled(`tempcreds.dev/role=${role.rx2}`)).length, 3);
  });
  it('never deletes a pre-existing ServiceAccount', async () => {
    await ok(['issue', role.nsSingle]);
    await ok(['revoke', '--role', role.nsSingle]);
    const accounts = await objectsLabelled('app.kubernetes.io/managed-by!=kubectl-tempcreds');
    assert.ok(accounts.includes(`ServiceAccount ${ns}/app`));
  });
  it('works after the role was deleted, and role delete reports live leases', async () => {
    await ok(['role', 'create', role.gone, '--kubernetes-role', 'reader', '--allowed-namespaces', ns]);
    const jwt = await token([role.gone, '-n', ns]);
    const deleted = await ok(['role', 'delete', role.gone]);
    assert.match(deleted.stderr, new RegExp(`1 lease\\(s\\) of role "${role.gone}" are still live`));
    await ok(['revoke', '--role', role.gone]);
    await waitFor(async () => (await listPodsStatus(jwt, ns)) === 401, { what: 'the revoked token to get 401' });
  });
});

describe('rollback', () => {
  it('a 403 midway (RBAC escalation prevention) leaves zero objects behind and says why', async () => {
    const noEscalate = tempcreds(testCluster().kubeconfig);
    const tooMuch = role.tooMuch;
    assert.equal((await noEscalate.run(['role', 'create', tooMuch, '--allowed-namespaces', ns, '--issuer-context', 'issuer-noescalate', '--rules', '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}'])).status, 0);
    const result = await noEscalate.run(['issue', tooMuch, '-n', ns]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /RBAC escalation prevention/);
    assert.match(result.stderr, /rolled back the \d object\(s\) it had created/);
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${tooMuch}`), []);
  });
});

describe("the issuer's kubeconfig", () => {
  /** A copy of the test kubeconfig whose cluster entry is changed by `kubectl config set-cluster`. */
  async function kubeconfigWith(name: string, clusterFlags: string[]): Promise<string> {
    const file = join(tool.home, `${name}.kubeconfig`);
    copyFileSync(testCluster().kubeconfig, file);
    const set = await runProcess('kubectl', ['--kubeconfig', file, 'config', 'set-cluster', CLUSTER_NAME, ...clusterFlags]);
    assert.equal(set.status, 0, set.stderr);
    return file;
  }
  const port = () => new URL(testCluster().server).port;

  it('checks the server certificate against tls-server-name: a name it lacks fails, creating nothing', async () => {
    await ok(['role', 'create', role.tlsName, '--service-account', 'app', '--allowed-namespaces', ns]);
    // The certificate names 127.0.0.1 and localhost.
    const kubeconfig = await kubeconfigWith('wrong-name', [`--server=https://localhost:${port()}`, '--tls-server-name=wrong.example']);
    const result = await tool.run(['issue', role.tlsName, '-n', ns, '-o', 'token'], { env: { KUBECONFIG: kubeconfig } });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^error: cannot create Secret \S+: the API server at https:\/\/localhost:\d+ did not prove its identity \(.*wrong\.example.*\); check the cluster's certificate-authority and tls-server-name in the kubeconfig; nothing was created$/m);
    assert.equal(result.stdout.length, 0, 'nothing on stdout'); // the length only: stdout may hold a token
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role.tlsName}`), []);
  });

  it('a tls-server-name the certificate holds works, for a host name and an IP address alike', async () => {
    for (const server of [`https://localhost:${port()}`, `https://127.0.0.1:${port()}`]) {
      const kubeconfig = await kubeconfigWith('right-name', [`--server=${server}`, '--tls-server-name=localhost']);
      const result = await tool.run(['issue', role.tlsName, '-n', ns, '-o', 'token'], { env: { KUBECONFIG: kubeconfig } });
      assert.equal(result.status, 0, `${server}: ${result.stderr}`);
      assert.equal(await listPodsStatus(result.stdout.trim(), ns), 200, server);
    }
  });
});
