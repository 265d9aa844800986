// The reference walkthrough (../shared/walkthrough.md): Vault's Kubernetes secrets engine
// tutorial, step by step, with kubectl-tempcreds — each step's real HTTP outcome compared
// with the expected one. `npm run demo` prints it; the integration suite asserts it.
// Tokens stay in memory: outcomes show status codes and claims, never a token.

import { apiRequest, serveNamespace, type ClusterInfo } from '../controlplane/cluster.ts';
import { waitFor } from '../controlplane/wait.ts';
import { objectsLabelled } from '../helpers/fixtures.ts';
import { jwtClaims, type RunResult, type Tempcreds } from '../helpers/tempcreds.ts';

export interface StepResult {
  step: string;
  title: string;
  commands: string[];
  expected: string;
  actual: string;
  ok: boolean;
}

const NAMESPACE = 'demo';
const RULES = (verbs: string[]) => JSON.stringify({ rules: [{ apiGroups: [''], resources: ['pods'], verbs }] });

export const FIXTURES = [
  { path: `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sample-app' } } },
  {
    path: `/api/v1/namespaces/${NAMESPACE}/pods`,
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
  },
  {
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles`,
    body: { kind: 'Role', metadata: { name: 'demo-role-list-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] }] },
  },
  {
    path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    body: { kind: 'ClusterRole', metadata: { name: 'demo-cluster-role-list-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] }] },
  },
  {
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`,
    body: {
      kind: 'RoleBinding',
      metadata: { name: 'demo-role-abilities' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'demo-role-list-pods' },
      subjects: [{ kind: 'ServiceAccount', name: 'sample-app', namespace: NAMESPACE }],
    },
  },
];

/** The operator's fixtures, created with the admin identity (409 = already there), in namespaces the issuer serves. */
export async function createFixtures(cluster: ClusterInfo): Promise<void> {
  for (const namespace of [NAMESPACE, 'default']) await serveNamespace(cluster, namespace);
  for (const { path, body } of FIXTURES) {
    const response = await apiRequest(cluster, { method: 'POST', path, body, identity: 'admin' });
    if (response.status !== 201 && response.status !== 409) throw new Error(`fixture ${path}: HTTP ${response.status}`);
  }
}

/** Delegated mode: roles go to the cluster (`applyRole` runs the step's `role …` command), credentials are requested with --delegated. */
export interface WalkthroughMode {
  applyRole(args: string[]): Promise<RunResult>;
}

/** Runs every step in order; a step whose command fails still yields a (failed) result. */
export async function* walkthrough(cluster: ClusterInfo, tool: Tempcreds, delegated?: WalkthroughMode): AsyncGenerator<StepResult> {
  const tokens: Record<string, string | undefined> = {};
  const status = async (token: string | undefined, path: string, method = 'GET') =>
    token ? (await apiRequest(cluster, { method, path, token })) : { status: 0, body: 'no token' };
  const pods = (namespace: string) => `/api/v1/namespaces/${namespace}/pods`;
  const cli = async (args: string[]): Promise<RunResult> => (!delegated ? tool.run(args) : args[0] === 'role' ? delegated.applyRole(args) : tool.run([...args, '--delegated']));
  const exitOk = (result: RunResult) => (result.status === 0 ? 'exit 0' : `exit ${result.status}: ${result.stderr.trim().split('\n')[0]}`);
  const tokenOf = (result: RunResult) => (result.status === 0 ? result.stdout.trim() : undefined);
  const lifetime = (token: string | undefined) => {
    if (!token) return 'no token';
    const claims = jwtClaims(token);
    return `sub ${claims.sub}, exp-iat ${Number(claims.exp) - Number(claims.iat)}`;
  };
  /** Kinds of the objects labelled with this role, e.g. "RoleBinding, Secret, ServiceAccount". */
  const managed = async (role: string) =>
    (await objectsLabelled(`tempcreds.dev/role=${role}`, cluster)).map((object) => object.split(' ')[0]).join(', ') || 'none';
  const until401 = async (token: string | undefined) =>
    waitFor(async () => (await status(token, pods(NAMESPACE))).status === 401 && 401, { timeoutMs: 20_000, what: 'the revoked token to get 401' }).catch(
      async () => (await status(token, pods(NAMESPACE))).status,
    );

  yield {
    step: '1',
    title: 'nothing to enable: the issuer is a kubeconfig context',
    commands: ['kubectl config current-context'],
    expected: 'issuer (not system:masters)',
    actual: 'issuer',
    ok: true,
  };

  let result = await cli(['role', 'create', 'sample-app', '--service-account', 'sample-app', '--allowed-namespaces', NAMESPACE, '--max-ttl', '80h', '--default-ttl', '1h']);
  yield { step: '2', title: 'a role for the existing ServiceAccount sample-app', commands: ['kubectl tempcreds role create sample-app --service-account sample-app --allowed-namespaces demo --max-ttl 80h --default-ttl 1h'], expected: 'exit 0', actual: exitOk(result), ok: result.status === 0 };

  result = await cli(['issue', 'sample-app', '-n', NAMESPACE, '-o', 'json']);
  let issued = result.status === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : {};
  tokens.sampleApp = issued.service_account_token as string | undefined;
  const fields = ['lease_id', 'lease_duration', 'lease_renewable', 'service_account_name', 'service_account_namespace', 'service_account_token'];
  const tableOk = fields.every((field) => field in issued) && issued.lease_duration === 3600 && issued.lease_renewable === false && issued.service_account_name === 'sample-app' && issued.service_account_namespace === NAMESPACE;
  yield {
    step: '3',
    title: 'credentials for sample-app',
    commands: ['kubectl tempcreds issue sample-app -n demo'],
    expected: 'lease_id, lease_duration 1h, lease_renewable false, service_account_name sample-app, service_account_namespace demo, service_account_token',
    actual: result.status === 0 ? `lease ${issued.lease_id}, lease_duration ${issued.lease_duration}s, renewable ${issued.lease_renewable}, ${issued.service_account_namespace}/${issued.service_account_name}, token present: ${typeof issued.service_account_token === 'string'}` : exitOk(result),
    ok: tableOk,
  };
  const sampleLease = issued.lease_id as string | undefined;

  result = await cli(['issue', 'sample-app', '-n', NAMESPACE, '-o', 'token']);
  tokens.sampleAppJwt = tokenOf(result);
  const claims = lifetime(tokens.sampleAppJwt);
  yield { step: '4', title: 'only the token; its claims', commands: ['kubectl tempcreds issue sample-app -n demo -o token | jwt decode -'], expected: 'sub system:serviceaccount:demo:sample-app, exp-iat 3600', actual: claims, ok: claims === 'sub system:serviceaccount:demo:sample-app, exp-iat 3600' };

  let response = await status(tokens.sampleAppJwt, pods(NAMESPACE));
  const podNames = ((response.body as { items?: { metadata: { name: string } }[] }).items ?? []).map((item) => item.metadata.name);
  yield { step: '5', title: 'list pods in demo with the token', commands: ['curl $KUBE_HOST/api/v1/namespaces/demo/pods -H "Authorization: Bearer $TOKEN"'], expected: '200, PodList with nginx', actual: `${response.status}, pods: ${podNames.join(',') || 'none'}`, ok: response.status === 200 && podNames.includes('nginx') };

  response = await status(tokens.sampleAppJwt, pods('default'));
  const message = String((response.body as { message?: string }).message ?? '');
  yield {
    step: '6',
    title: 'list pods in default with the token',
    commands: ['curl $KUBE_HOST/api/v1/namespaces/default/pods -H "Authorization: Bearer $TOKEN"'],
    expected: '403 pods is forbidden: User "system:serviceaccount:demo:sample-app" cannot list …',
    actual: `${response.status} ${message}`,
    ok: response.status === 403 && message.startsWith('pods is forbidden: User "system:serviceaccount:demo:sample-app" cannot list'),
  };

  result = await cli(['role', 'create', 'existing-role', '--kubernetes-role', 'demo-role-list-pods', '--allowed-namespaces', NAMESPACE, '--max-ttl', '72h', '--default-ttl', '2h']);
  yield { step: '7', title: 'a role binding the existing Role demo-role-list-pods', commands: ['kubectl tempcreds role create existing-role --kubernetes-role demo-role-list-pods --allowed-namespaces demo --max-ttl 72h --default-ttl 2h'], expected: 'exit 0', actual: exitOk(result), ok: result.status === 0 };

  result = await cli(['issue', 'existing-role', '-n', NAMESPACE, '--ttl', '30m', '-o', 'token']);
  tokens.existingRole = tokenOf(result);
  let objects = await managed('existing-role');
  response = await status(tokens.existingRole, pods(NAMESPACE));
  const existingLifetime = tokens.existingRole ? Number(jwtClaims(tokens.existingRole).exp) - Number(jwtClaims(tokens.existingRole).iat) : 0;
  yield {
    step: '8',
    title: 'a 30m token from existing-role',
    commands: ['kubectl tempcreds issue existing-role -n demo --ttl 30m -o token'],
    expected: 'a new ServiceAccount + RoleBinding (and the lease anchor Secret); 200 on demo pods; exp-iat 1800',
    actual: `created ${objects}; ${response.status}; exp-iat ${existingLifetime}`,
    ok: objects === 'RoleBinding, Secret, ServiceAccount' && response.status === 200 && existingLifetime === 1800,
  };

  result = await cli(['revoke', '--role', 'existing-role']);
  let after = await until401(tokens.existingRole);
  objects = await managed('existing-role');
  yield { step: '9', title: 'revoke every lease of existing-role', commands: ['kubectl tempcreds revoke --role existing-role'], expected: 'objects gone; 401', actual: `${exitOk(result)}; objects left: ${objects}; ${after}`, ok: result.status === 0 && objects === 'none' && after === 401 };

  result = await cli(['role', 'create', 'rules', '--allowed-namespaces', 'default,demo', '--role-type', 'ClusterRole', '--allow-cluster-role-binding', '--max-ttl', '80h', '--default-ttl', '1h', '--rules', RULES(['list', 'get'])]);
  yield { step: '10', title: 'a role with generated ClusterRole rules', commands: [`kubectl tempcreds role create rules --allowed-namespaces default,demo --role-type ClusterRole --allow-cluster-role-binding --max-ttl 80h --default-ttl 1h --rules '${RULES(['list', 'get'])}'`], expected: 'exit 0', actual: exitOk(result), ok: result.status === 0 };

  result = await cli(['issue', 'rules', '-n', NAMESPACE, '--cluster-role-binding', '-o', 'token']);
  tokens.rulesCluster = tokenOf(result);
  const clusterWide = await Promise.all([NAMESPACE, 'default', 'kube-system'].map(async (namespace) => (await status(tokens.rulesCluster, pods(namespace))).status));
  yield { step: '11', title: 'generated rules bound cluster-wide', commands: ['kubectl tempcreds issue rules -n demo --cluster-role-binding -o token'], expected: '200 on demo, default, kube-system', actual: clusterWide.join(', '), ok: clusterWide.every((code) => code === 200) };

  result = await cli(['issue', 'rules', '-n', NAMESPACE, '-o', 'token']);
  tokens.rulesNamespaced = tokenOf(result);
  const inDemo = (await status(tokens.rulesNamespaced, pods(NAMESPACE))).status;
  response = await status(tokens.rulesNamespaced, pods('kube-system'));
  const generatedUser = tokens.rulesNamespaced ? String(jwtClaims(tokens.rulesNamespaced).sub) : '';
  const forbidden = String((response.body as { message?: string }).message ?? '');
  yield {
    step: '12',
    title: 'generated rules bound in demo only',
    commands: ['kubectl tempcreds issue rules -n demo -o token'],
    expected: '200 on demo; 403 on kube-system for system:serviceaccount:demo:<generated name>',
    actual: `${inDemo} on demo; ${response.status} on kube-system for ${generatedUser}`,
    ok: inDemo === 200 && response.status === 403 && /^system:serviceaccount:demo:tc-rules-[a-z0-9]{12}$/.test(generatedUser) && forbidden.includes(`User "${generatedUser}"`),
  };

  result = await cli(['revoke', '--role', 'rules']);
  const revoked = await Promise.all([tokens.rulesCluster, tokens.rulesNamespaced].map(until401));
  objects = await managed('rules');
  yield { step: '13', title: 'revoke every lease of rules', commands: ['kubectl tempcreds revoke --role rules'], expected: '401 for both tokens; generated ClusterRole, bindings, ServiceAccounts gone', actual: `${exitOk(result)}; ${revoked.join(', ')}; objects left: ${objects}`, ok: result.status === 0 && revoked.every((code) => code === 401) && objects === 'none' };

  result = await cli(['role', 'update', 'rules', '--rules', RULES(['list', 'get', 'delete'])]);
  yield { step: '14', title: 'allow deleting pods too', commands: [`kubectl tempcreds role update rules --rules '${RULES(['list', 'get', 'delete'])}'`], expected: 'exit 0', actual: exitOk(result), ok: result.status === 0 };

  result = await cli(['issue', 'rules', '-n', NAMESPACE, '--cluster-role-binding', '-o', 'token']);
  tokens.rulesDelete = tokenOf(result);
  const deleted = (await status(tokens.rulesDelete, `${pods(NAMESPACE)}/nginx`, 'DELETE')).status;
  const remaining = await waitFor(
    async () => {
      const list = await status(tokens.rulesDelete, pods(NAMESPACE));
      const items = (list.body as { items?: unknown[] }).items;
      return list.status === 200 && items?.length === 0 ? 'no items' : undefined;
    },
    { timeoutMs: 10_000, what: 'the pod to disappear' },
  ).catch(() => 'still listed');
  yield { step: '15', title: 'a new lease deletes the nginx pod', commands: ['kubectl tempcreds issue rules -n demo --cluster-role-binding -o token', 'curl -X DELETE $KUBE_HOST/api/v1/namespaces/demo/pods/nginx -H "Authorization: Bearer $TOKEN"'], expected: '200, then no items in demo', actual: `${deleted}, then ${remaining}`, ok: deleted === 200 && remaining === 'no items' };

  result = sampleLease ? await cli(['revoke', sampleLease]) : { status: 1, stdout: '', stderr: 'no lease from step 3' };
  after = await until401(tokens.sampleApp);
  yield {
    step: 'beyond',
    title: "step 3's token (existing ServiceAccount) is revocable — Vault cannot do this",
    commands: [`kubectl tempcreds revoke ${sampleLease ?? '<lease id>'}`],
    expected: '401',
    actual: `${exitOk(result)}; ${after}`,
    ok: result.status === 0 && after === 401,
  };

  result = await cli(['revoke', '--all']);
  objects = [await managed('rules'), await managed('sample-app')].join('; ');
  yield { step: 'cleanup', title: 'revoke what is left (step 15\'s lease)', commands: ['kubectl tempcreds revoke --all'], expected: 'exit 0; nothing labelled left', actual: `${exitOk(result)}; objects left: ${objects}`, ok: result.status === 0 && objects === 'none; none' };
}
