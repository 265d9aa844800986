// P8: the delegated-issuance controller (#15) as `setup --controller` deploys it — one process
// (the built tool) with its ServiceAccount's token and exactly that RBAC. 200 CredentialRequests
// are created at once; each one's latency runs from just before its POST to the moment a watch
// sees it Issued (throughput: 200 over first POST → last Issued). Then the live leases grow to
// 1000 and to 5000, and the controller's RSS (VmRSS of its process) is read at each, after it
// went idle. The API server shares the two cores, so these are end-to-end figures of both.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { generateRequestKeyPair } from '../src/core/sealed-token.ts';
import type { ClusterInfo } from '../test/controlplane/cluster.ts';
import { pkiPaths } from '../test/controlplane/pki.ts';
import { inParallel, type Admin } from './lib/cluster.ts';
import { createNamespace, deleteNamespace, SERVICE_ACCOUNT } from './lib/fixtures.ts';
import { round } from './lib/measure.ts';
import { benchEnv, TOOL, toolHome } from './lib/tool.ts';
import type { BenchContext, Figures } from './run.ts';

const CONCURRENT = 200;
const LIVE_COUNTS = [1000, 5000];
const SYSTEM = 'tempcreds-system';
const REQUESTS = (ns: string) => `/apis/tempcreds.dev/v1alpha1/namespaces/${ns}/credentialrequests`;

/** Seconds since an arbitrary origin, as a watch line arrives or a POST leaves. */
const now = () => performance.now();

type RequestEvent = { type: string; object: { metadata: { name: string; resourceVersion: string }; status?: { conditions?: { type: string; status: string }[] } } };

/**
 * Names of requests seen Issued, and when: a watch over the admin's client certificate, resumed
 * from the last version whenever the API server ends it. `until(n)` resolves once n are.
 */
function watchIssued(cluster: ClusterInfo, ns: string) {
  const issuedAt = new Map<string, number>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const pki = pkiPaths(cluster.dir).client('admin');
  const agent = new https.Agent({ ca: readFileSync(cluster.caFile), cert: readFileSync(pki.cert), key: readFileSync(pki.key) });
  let stopped = false;
  let resourceVersion = '';
  const seen = (event: RequestEvent) => {
    // e.g. 410 Gone: the next watch starts afresh (every request again as ADDED; times are kept per name).
    if (event.type === 'ERROR') return void (resourceVersion = '');
    resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
    const { name } = event.object.metadata ?? {};
    if (name && !issuedAt.has(name) && event.object.status?.conditions?.some(({ type, status }) => type === 'Issued' && status === 'True')) issuedAt.set(name, now());
    for (const waiter of waiters.filter(({ count }) => issuedAt.size >= count)) waiter.resolve();
  };
  const watch = (): void => {
    if (stopped) return;
    const query = `watch=1&allowWatchBookmarks=true${resourceVersion ? `&resourceVersion=${resourceVersion}` : ''}`;
    const request = https.get(`${cluster.server}${REQUESTS(ns)}?${query}`, { agent }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        setTimeout(watch, 250);
        return;
      }
      let partial = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) if (line.trim()) seen(JSON.parse(line) as RequestEvent);
      });
      response.on('end', watch).on('error', () => setTimeout(watch, 250));
    });
    request.on('error', () => setTimeout(watch, 250));
  };
  watch();
  return {
    issuedAt,
    until: (count: number) => (issuedAt.size >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    stop: () => {
      stopped = true;
      agent.destroy();
    },
  };
}

/** A kubeconfig as the controller's ServiceAccount (what its Pod authenticates as). */
async function controllerKubeconfig(admin: Admin, dir: string): Promise<string> {
  const { status } = await admin.create(`/api/v1/namespaces/${SYSTEM}/serviceaccounts/tempcreds-controller/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } });
  const file = join(dir, 'controller.kubeconfig');
  const config = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'controller',
    clusters: [{ name: 'local', cluster: { server: admin.info.server, 'certificate-authority-data': readFileSync(admin.info.caFile).toString('base64') } }],
    users: [{ name: 'controller', user: { token: status.token } }],
    contexts: [{ name: 'controller', context: { cluster: 'local', user: 'controller' } }],
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

const rssMb = (pid: number) => round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024, 1);

/** Waits until the RSS stops moving (2 readings 1 s apart within 1 MB), so a reading is not mid-burst. */
async function settledRss(pid: number): Promise<number> {
  let last = rssMb(pid);
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const current = rssMb(pid);
    if (Math.abs(current - last) < 1) return current;
    last = current;
  }
  return last;
}

export async function benchController({ cluster, admin, log }: BenchContext): Promise<Figures> {
  const ns = await createNamespace(admin, 'bench-ctrl');
  const home = toolHome(cluster.kubeconfig);
  await home.tool(['setup', '--controller', '--namespaces', ns, '--context', 'admin']);
  const role = `bench-ctrl-${ns.slice(-6)}`;
  await admin.create('/apis/tempcreds.dev/v1alpha1/credentialroles', { apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRole', metadata: { name: role }, spec: { serviceAccount: SERVICE_ACCOUNT, allowedNamespaces: [ns], defaultTtl: '1h', maxTtl: '2h' } });
  const { status: who } = await admin.create('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  const { username, uid, groups } = who.userInfo as { username: string; uid?: string; groups?: string[] };
  const { publicKey } = await generateRequestKeyPair();
  const spec = { role, namespace: ns, ttl: '1h', requester: { username, ...(uid ? { uid } : {}), ...(groups ? { groups } : {}) }, publicKey };
  const create = async () => {
    const started = now();
    const created = await admin.create(REQUESTS(ns), { apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRequest', metadata: { generateName: 'bench-' }, spec });
    return { name: created.metadata.name as string, started };
  };

  const controller: ChildProcess = spawn(TOOL, ['controller', '--kubeconfig', await controllerKubeconfig(admin, home.home), '--health-addr', '127.0.0.1:0', '--id', 'bench'], { env: benchEnv({ KUBECTL_TEMPCREDS_HOME: home.home }), stdio: ['ignore', 'ignore', 'ignore'] });
  const watch = watchIssued(cluster, ns);
  try {
    for (let waited = 0; ; waited += 250) {
      const lease = await admin.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases/tempcreds-controller`);
      if (lease.body?.spec?.holderIdentity === 'bench') break;
      if (controller.exitCode !== null || waited > 60_000) throw new Error(`the controller did not take its Lease (exit ${controller.exitCode})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    log(`p8: ${CONCURRENT} concurrent requests`);
    const burst = await Promise.all(Array.from({ length: CONCURRENT }, create));
    await watch.until(CONCURRENT);
    const latencies = burst.map(({ name, started }) => watch.issuedAt.get(name)! - started).sort((a, b) => a - b);
    const first = Math.min(...burst.map(({ started }) => started));
    const last = Math.max(...burst.map(({ name }) => watch.issuedAt.get(name)!));
    const figures: Figures = {
      p8_controller_200_throughput_per_s: round(CONCURRENT / ((last - first) / 1000), 1),
      p8_controller_p99_ms: Math.round(latencies[Math.ceil(latencies.length * 0.99) - 1]!),
      p8_controller_p50_ms: Math.round(latencies[Math.floor(latencies.length / 2)]!),
    };
    for (const count of LIVE_COUNTS) {
      log(`p8: ${count} live leases`);
      await inParallel(Array.from({ length: count - watch.issuedAt.size }), 32, create);
      await watch.until(count);
      figures[`p8_controller_rss_${count}_mb`] = await settledRss(controller.pid!);
    }
    return figures;
  } finally {
    watch.stop();
    controller.kill('SIGTERM');
    // Revoking thousands of leases one by one is not what is measured: the namespace takes the
    // leases' objects (all namespaced: the role names an existing ServiceAccount), and the
    // requests' finalizers, which no controller will remove now, are dropped by hand.
    await deleteNamespace(admin, ns);
    const { body } = await admin.request('GET', REQUESTS(ns));
    await inParallel((body.items ?? []) as { metadata: { name: string } }[], 32, (item) =>
      admin.request('PUT', `${REQUESTS(ns)}/${item.metadata.name}`, { ...item, apiVersion: 'tempcreds.dev/v1alpha1', kind: 'CredentialRequest', metadata: { ...item.metadata, finalizers: [] } }),
    );
  }
}
