// Secrets and boundaries: across a run of every command, no issued token appears anywhere
// but where it was asked for (issue's output, the exec credential, the token cache); state
// is private; a token can do exactly what its role grants.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { apiRequest } from '../helpers/cluster.ts';
import { bindRole, createNamespace, createRole, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, tempcreds, type RunResult, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('secrets');
const otherNs = uniqueName('secrets-other');
const run = uniqueName('s').slice(2);
const RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get"]},{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get"]}]}';
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

let tool: Tempcreds;
const tokens = new Set<string>();
/** Everything that must never hold a token: where it came from → the text. */
const mustNotLeak: [string, string][] = [];

function record(label: string, result: RunResult, stdoutHoldsTokens: boolean) {
  mustNotLeak.push([`${label} (stderr)`, result.stderr]);
  if (stdoutHoldsTokens) for (const token of result.stdout.match(JWT) ?? []) tokens.add(token);
  else mustNotLeak.push([`${label} (stdout)`, result.stdout]);
}

async function cli(args: string[], stdoutHoldsTokens = false, env: NodeJS.ProcessEnv = {}) {
  const result = await tool.run(args, { env });
  record(`kubectl tempcreds ${args.join(' ')}`, result, stdoutHoldsTokens);
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' });
  await createNamespace(ns);
  await createNamespace(otherNs);
  await createServiceAccount(ns, 'app');
  await createRole(ns, 'reader');
  await bindRole(ns, 'reader', 'app');

  const roles = { sa: `sa-${run}`, existing: `existing-${run}`, rules: `rules-${run}` };
  await cli(['role', 'create', roles.sa, '--service-account', 'app', '--allowed-namespaces', ns]);
  await cli(['role', 'create', roles.existing, '--kubernetes-role', 'reader', '--allowed-namespaces', ns]);
  await cli(['role', 'create', roles.rules, '--rules', RULES, '--allowed-namespaces', ns]);
  for (const output of ['table', 'json', 'yaml', 'token', 'env']) {
    for (const role of Object.values(roles)) assert.equal((await cli(['issue', role, '-n', ns, '-o', output], true)).status, 0);
  }
  await cli(['issue', roles.sa, '-n', otherNs], true); // refused: stderr only
  await cli(['role', 'list']);
  await cli(['role', 'get', roles.rules, '-o', 'yaml']);
  await cli(['lease', 'list']);
  await cli(['lease', 'list', '-o', 'json']);
  const first = JSON.parse((await cli(['lease', 'list', '--local', '-o', 'json'])).stdout) as { id: string }[];
  await cli(['lease', 'get', first[0]!.id, '-o', 'yaml']);
  await cli(['run', roles.existing, '-n', ns, '--', 'kubectl', 'get', 'pods']);
  await cli(['run', roles.existing, '-n', ns, '--', 'sh', '-c', 'kubectl get pods -n default; exit 3']);
  const kubeconfig = join(tool.home, 'kubeconfig');
  await runProcess('cp', [testCluster().kubeconfig, kubeconfig]);
  await cli(['kubeconfig', roles.existing, '-n', ns, '--kubeconfig', kubeconfig]);
  for (const namespace of [ns, 'default']) {
    const result = await runProcess('kubectl', ['--kubeconfig', kubeconfig, '--context', `tempcreds-${roles.existing}-${ns}`, 'get', 'pods', '-n', namespace, '-v=0'], { env: tool.env });
    record(`kubectl get pods -n ${namespace}`, result, false);
  }
  const credential = await runProcess('kubectl-tempcreds', ['token', roles.existing, '-n', ns, '--context', 'issuer', '--kubeconfig', kubeconfig], { env: tool.env });
  record('kubectl-tempcreds token', credential, true);
  await cli(['token', 'no-such-role', '-n', ns]);
  await cli(['revoke', '--role', roles.sa]);
  await cli(['gc', '--dry-run']);
  await cli(['gc']);
});

describe('no token leaks', () => {
  it('collected the tokens it issued', () => assert.ok(tokens.size >= 16, `${tokens.size} tokens`));

  it('appears in no stderr, no output of a command that does not print tokens', () => {
    for (const [where, text] of mustNotLeak) {
      const leaked = [...tokens].some((token) => text.includes(token));
      assert.equal(leaked, false, `a token appears in ${where}`);
    }
  });

  it('appears in no state file but the token cache (lease records, roles, the audit log, kubeconfigs)', () => {
    const files = filesUnder(tool.home).filter((file) => !file.includes(`${join('cache', 'tokens')}/`));
    assert.ok(files.some((file) => file.endsWith('audit.log')));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      assert.equal([...tokens].some((token) => text.includes(token)), false, `a token appears in ${file}`);
    }
  });
});

describe('the audit trail', () => {
  it('records every issue, revoke and gc as a JSON line with who, what, where and the outcome', () => {
    const events = readFileSync(join(tool.home, 'audit.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const event of events) {
      assert.deepEqual(Object.keys(event).filter((key) => key !== 'error').sort(), ['action', 'identity', 'leaseId', 'namespace', 'objects', 'outcome', 'role', 'time']);
      assert.equal(event.identity, 'issuer@issuer');
    }
    const count = (action: string, outcome: string) => events.filter((event) => event.action === action && event.outcome === outcome).length;
    assert.ok(count('issue', 'ok') >= 16);
    assert.equal(count('revoke', 'ok'), 5 + 2, 'revoke --role of 5 sample leases, and the 2 leases of run');
  });

  it('lease get shows a revoked lease\'s history', async () => {
    const events = readFileSync(join(tool.home, 'audit.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { action: string; leaseId: string });
    const revoked = events.find((event) => event.action === 'revoke')!.leaseId;
    const shown = await tool.run(['lease', 'get', revoked]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /status\s+gone \(revoked or collected\)/);
    assert.match(shown.stdout, /history\s+\S+ issue ok by issuer@issuer\n\s+\S+ revoke ok by issuer@issuer/);
  });
});

describe('private state', () => {
  it('every directory is 0700 and every file 0600', () => {
    const walk = (dir: string): void => {
      assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else assert.equal(statSync(path).mode & 0o777, 0o600, path);
      }
    };
    for (const dir of ['roles', 'leases', 'cache']) walk(join(tool.home, dir));
    assert.equal(statSync(join(tool.home, 'audit.log')).mode & 0o777, 0o600);
  });
});

describe('least privilege', () => {
  it("a SelfSubjectRulesReview with the token shows the role's rules in its namespace and nothing of them elsewhere", async () => {
    const token = (await tool.run(['issue', `rules-${run}`, '-n', ns, '-o', 'token'])).stdout.trim();
    const review = async (namespace: string) => {
      const response = await apiRequest({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        token,
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
      });
      assert.equal(response.status, 201);
      const rules = (response.body as { status: { resourceRules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[] } }).status.resourceRules;
      // Every authenticated user may create access reviews of itself: not the role's doing.
      return rules
        .filter((rule) => !(rule.apiGroups ?? []).some((group) => group.startsWith('authorization.k8s.io') || group.startsWith('authentication.k8s.io')))
        .map((rule) => `${(rule.apiGroups ?? []).join(',')}/${(rule.resources ?? []).join(',')}:${[...rule.verbs].sort().join(',')}`)
        .sort();
    };
    assert.deepEqual(await review(ns), ['/pods:get,list', 'apps/deployments:get']);
    assert.deepEqual(await review(otherNs), []);
  });
});
