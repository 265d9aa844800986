// A real, local Kubernetes control plane: etcd, kube-apiserver and kube-controller-manager on
// 127.0.0.1, with envtest's API server flags plus RBAC fixtures for the tool's issuer identities.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectionPath } from '../../src/core/api-paths.ts';
import type { Manifest } from '../../src/core/grant-plan.ts';
import { DEFAULT_GUARD_MAX_TTL, issuerManifests, issuerNamespaceManifests, parseGuardMaxTtl, subjectUserName, type IssuerSetup } from '../../src/core/issuer-setup.ts';
import { ensureBinaries, type BinaryName } from './binaries.ts';
import { httpsRequest, type HttpsResponse } from './https.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { CLIENTS, createPki, pkiPaths } from './pki.ts';
import { freePorts, isClusterProcess, logTail, spawnDetached, stopClusterProcesses } from './processes.ts';
import { waitFor } from './wait.ts';

export interface ClusterInfo {
  dir: string;
  /** https://127.0.0.1:PORT */
  server: string;
  caFile: string;
  /** Contexts admin, issuer (current) and issuer-noescalate. */
  kubeconfig: string;
  /** JSON lines, level Metadata for every request. */
  auditLog: string;
  pids: { etcd: number; apiserver: number; controllerManager: number };
  kubernetesVersion: string;
  etcdVersion: string;
}

/** What a request to the API server needs; the admin client cert is found from `dir`. */
type ClusterEndpoint = Pick<ClusterInfo, 'dir' | 'server' | 'caFile'>;

export const clusterJsonPath = (dir: string): string => path.join(dir, 'cluster.json');

/**
 * The tool's two issuer identities, made by the planner `setup` uses: least privilege (rights
 * only in the namespaces tests create, see serveNamespace), under the issuer guard; with and
 * without RBAC `escalate`/`bind`, and only `issuer` with ClusterRoles (the walkthrough's steps 10–15).
 */
/** setup's default: every test's TTLs (at most a few hours, even under 80h role maxima) fit; longer ones see the guard's 403. */
const GUARD_MAX_TTL_SECONDS = parseGuardMaxTtl(DEFAULT_GUARD_MAX_TTL);

const ISSUERS: IssuerSetup[] = [
  { name: 'tempcreds-issuer', subject: { kind: 'User', name: CLIENTS.issuer.commonName }, withEscalation: true, namespaces: [], clusterScoped: true, guard: true, maxTtlSeconds: GUARD_MAX_TTL_SECONDS },
  { name: 'tempcreds-issuer-noescalate', subject: { kind: 'User', name: CLIENTS['issuer-noescalate'].commonName }, withEscalation: false, namespaces: [], clusterScoped: false, guard: true, maxTtlSeconds: GUARD_MAX_TTL_SECONDS },
];

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
`;

export async function startCluster(opts: { dir?: string } = {}): Promise<ClusterInfo> {
  const binDir = await ensureBinaries();
  const dir = path.resolve(opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-tempcreds-cluster-')));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    return await bootstrap(dir, binDir);
  } catch (err) {
    await stopClusterProcesses(dir);
    throw err;
  }
}

/** Stops every control-plane process of the cluster and removes its dir. */
export async function stopCluster(cluster: ClusterInfo | string): Promise<void> {
  const dir = path.resolve(typeof cluster === 'string' ? cluster : cluster.dir);
  if (!fs.existsSync(dir)) return;
  // Guards the recursive delete against a mistyped TEMPCREDS_CLUSTER_DIR.
  const entries = fs.readdirSync(dir);
  if (entries.length > 0 && !entries.includes('pki') && !entries.includes('cluster.json')) {
    throw new Error(`${dir} does not look like a test cluster dir (no pki/ or cluster.json); not removing it`);
  }
  await stopClusterProcesses(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

export function readClusterInfo(dir: string): ClusterInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(clusterJsonPath(dir), 'utf8')) as ClusterInfo;
  } catch {
    return undefined;
  }
}

/** All three processes alive and the API server ready. */
export async function isClusterHealthy(info: ClusterInfo): Promise<boolean> {
  const alive =
    isClusterProcess(info.pids.etcd, info.dir, 'etcd') &&
    isClusterProcess(info.pids.apiserver, info.dir, 'kube-apiserver') &&
    isClusterProcess(info.pids.controllerManager, info.dir, 'kube-controller-manager');
  return alive && (await isApiServerReady(info).catch(() => false));
}

export interface ApiRequest {
  method?: string;
  path: string;
  token?: string;
  body?: unknown;
  contentType?: string;
  /** Authenticate with the admin client cert (system:masters) instead of a token. */
  identity?: 'admin';
}

export function apiRequest(cluster: ClusterEndpoint, request: ApiRequest): Promise<HttpsResponse> {
  const admin = pkiPaths(cluster.dir).client('admin');
  return httpsRequest({
    url: cluster.server + request.path,
    ca: fs.readFileSync(cluster.caFile),
    method: request.method,
    token: request.token,
    body: request.body,
    contentType: request.contentType,
    clientCert: request.identity === 'admin' ? { cert: fs.readFileSync(admin.cert), key: fs.readFileSync(admin.key) } : undefined,
  });
}

async function isApiServerReady(cluster: ClusterEndpoint): Promise<boolean> {
  return (await apiRequest(cluster, { path: '/readyz' })).status === 200; // anonymous access is allowed here
}

async function bootstrap(dir: string, binDir: string): Promise<ClusterInfo> {
  const pki = pkiPaths(dir);
  createPki(dir);
  const [etcdPort, etcdPeerPort, apiserverPort] = (await freePorts(3)) as [number, number, number];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcdPeerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const server = `https://127.0.0.1:${apiserverPort}`;
  const cluster = { dir, server, caFile: pki.ca.cert };
  const auditLog = path.join(dir, 'audit.log');
  const auditPolicy = path.join(dir, 'audit-policy.yaml');
  fs.writeFileSync(auditPolicy, AUDIT_POLICY);

  const start = (binary: BinaryName, args: string[]) => {
    const logFile = path.join(dir, `${binary}.log`);
    return { binary, logFile, pid: spawnDetached(path.join(binDir, binary), args, logFile) };
  };
  const awaitReady = async (component: ReturnType<typeof start>, ready: () => Promise<boolean>, timeoutMs: number) => {
    const outcome = await waitFor(
      async () => (!isClusterProcess(component.pid, dir, component.binary) ? 'exited' : (await ready().catch(() => false)) && 'ready'),
      { timeoutMs, intervalMs: 200 },
    ).catch(() => 'not ready');
    if (outcome === 'ready') return;
    process.stderr.write(`--- last lines of ${component.logFile} ---\n${logTail(component.logFile)}\n---\n`);
    const what = outcome === 'exited' ? 'exited during startup' : `was not ready within ${timeoutMs / 1000} s`;
    throw new Error(`${component.binary} ${what}; full log: ${component.logFile}`);
  };

  // Test data is disposable: no fsync makes etcd several times faster on slow disks.
  const etcd = start('etcd', [
    '--name=default', `--data-dir=${path.join(dir, 'etcd')}`, '--unsafe-no-fsync', '--log-level=warn',
    `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${etcdPeerUrl}`, `--initial-advertise-peer-urls=${etcdPeerUrl}`, `--initial-cluster=default=${etcdPeerUrl}`,
  ]);
  await awaitReady(etcd, async () => ((await (await fetch(`${etcdUrl}/health`)).json()) as { health?: string }).health === 'true', 30_000);

  const apiserver = start('kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    `--secure-port=${apiserverPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
    `--cert-dir=${pki.dir}`, `--tls-cert-file=${pki.serving.cert}`, `--tls-private-key-file=${pki.serving.key}`,
    `--client-ca-file=${pki.ca.cert}`, '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPublicKey}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    // Tokens live exactly as long as requested, so expiry behaviour is testable.
    '--service-account-extend-token-expiration=false',
    // No ServiceAccount admission: pods need no default ServiceAccount (no controller creates one).
    '--disable-admission-plugins=ServiceAccount',
    '--service-cluster-ip-range=10.0.0.0/24',
    // The `kubernetes` Service's Endpoints would point at 127.0.0.1, which validation rejects every 10 s.
    '--endpoint-reconciler-type=none',
    // Blocking: an entry is on disk before the response is sent, so benchmarks can count calls right after.
    `--audit-log-path=${auditLog}`, `--audit-policy-file=${auditPolicy}`, '--audit-log-mode=blocking',
    // MutatingAdmissionPolicy (beta in 1.35, off by default; GA in 1.36) and only its two
    // resources, so setup's discovery finds it and the request stamp is tested; nothing else
    // of admissionregistration.k8s.io/v1beta1 is served.
    '--feature-gates=MutatingAdmissionPolicy=true',
    '--runtime-config=admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicies=true,admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings=true',
  ]);
  await awaitReady(apiserver, () => isApiServerReady(cluster), 90_000);

  const controllerManagerKubeconfig = path.join(dir, 'kube-controller-manager.kubeconfig');
  writeKubeconfig(controllerManagerKubeconfig, {
    server, caFile: pki.ca.cert,
    users: { 'kube-controller-manager': pki.client('kube-controller-manager') }, currentContext: 'kube-controller-manager',
  });
  // Garbage collection of ownerReferences, namespace cleanup and ClusterRole aggregation (as on every real
  // cluster: tests show what aggregationRules do with a lease's rules); no serving port, no leader election.
  // Per-controller ServiceAccount credentials, as in kubeadm: the GC's own role may delete anything.
  const controllerManager = start('kube-controller-manager', [
    `--kubeconfig=${controllerManagerKubeconfig}`, '--controllers=garbage-collector-controller,namespace-controller,clusterrole-aggregation-controller',
    '--leader-elect=false', '--secure-port=0', '--use-service-account-credentials=true',
  ]);

  for (const issuer of ISSUERS) await createAll(cluster, issuerManifests(issuer));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, {
    server, caFile: pki.ca.cert, currentContext: 'issuer',
    users: { admin: pki.client('admin'), issuer: pki.client('issuer'), 'issuer-noescalate': pki.client('issuer-noescalate') },
  });

  // Ready once it has talked to the API server: its requests show up in the audit log.
  const controllerManagerUser = `"username":"${CLIENTS['kube-controller-manager'].commonName}"`;
  await awaitReady(controllerManager, async () => fs.readFileSync(auditLog, 'utf8').includes(controllerManagerUser), 30_000);

  const info: ClusterInfo = {
    dir, server, caFile: pki.ca.cert, kubeconfig, auditLog,
    pids: { etcd: etcd.pid, apiserver: apiserver.pid, controllerManager: controllerManager.pid },
    kubernetesVersion: ((await apiRequest(cluster, { path: '/version' })).body as { gitVersion: string }).gitVersion,
    etcdVersion: ((await (await fetch(`${etcdUrl}/version`)).json()) as { etcdserver: string }).etcdserver,
  };
  fs.writeFileSync(clusterJsonPath(dir), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

async function createAll(cluster: ClusterEndpoint, manifests: Manifest[]): Promise<void> {
  for (const manifest of manifests) {
    const response = await apiRequest(cluster, { method: 'POST', path: collectionPath({ kind: manifest.kind, namespace: manifest.metadata.namespace }), body: manifest, identity: 'admin' });
    if (response.status !== 201 && response.status !== 409) {
      throw new Error(`creating ${manifest.kind} ${manifest.metadata.name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
}

/**
 * Creates the namespace (if missing) and gives both issuer identities their rights in it, as
 * `setup --namespaces` would; returns once the authorizer applies them (RBAC reaches it through
 * an informer, so a test issuing right away would otherwise get a 403).
 */
export async function serveNamespace(cluster: ClusterEndpoint, namespace: string, labels: Record<string, string> = {}): Promise<void> {
  const created = await apiRequest(cluster, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } }, identity: 'admin' });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating namespace ${namespace}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  for (const issuer of ISSUERS) await createAll(cluster, issuerNamespaceManifests(issuer, namespace));
  await waitFor(
    async () => {
      for (const issuer of ISSUERS) {
        const review = await apiRequest(cluster, {
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: subjectUserName(issuer.subject), resourceAttributes: { namespace, verb: 'create', resource: 'serviceaccounts', subresource: 'token' } } },
          identity: 'admin',
        });
        if ((review.body as { status?: { allowed?: boolean } }).status?.allowed !== true) return false;
      }
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: `the issuers' rights in namespace ${namespace}` },
  );
}
