// kubectl running kubectl-tempcreds as its exec credential plugin: real kubectl, real API
// server, and the OS keychain through a real Secret Service (gnome-keyring under the
// test runner's D-Bus session) or the file cache.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { waitFor } from '../helpers/cluster.ts';
import { bindRole, createNamespace, createRole, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, tempcreds, TEMPCREDS_BIN, type RunResult, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('exec');
const run = uniqueName('e').slice(2);

interface Setup {
  tool: Tempcreds;
  kubeconfig: string;
  context: string;
  role: string;
  kubectl(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
  leases(): Promise<string[]>;
}

/** A fresh tool home, a role, and a kubeconfig context wired to `kubectl-tempcreds token`. */
async function setup(name: string, cacheMode: string, extra: string[] = []): Promise<Setup> {
  const tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: cacheMode });
  const role = `${name}-${run}`;
  const kubeconfig = join(tool.home, 'kubeconfig');
  copyFileSync(testCluster().kubeconfig, kubeconfig);
  const created = await tool.run(['role', 'create', role, '--kubernetes-role', 'reader', '--allowed-namespaces', ns]);
  assert.equal(created.status, 0, created.stderr);
  const wired = await tool.run(['kubeconfig', role, '-n', ns, '--kubeconfig', kubeconfig, ...extra]);
  assert.equal(wired.status, 0, wired.stderr);
  const context = `tempcreds-${role}-${ns}`;
  return {
    tool,
    kubeconfig,
    context,
    role,
    kubectl: (args, env = {}) => runProcess('kubectl', ['--kubeconfig', kubeconfig, '--context', context, ...args], { env: { ...tool.env, ...env } }),
    leases: async () => {
      const listed = await tool.run(['lease', 'list', '--role', role, '-o', 'json']);
      assert.equal(listed.status, 0, listed.stderr);
      return (JSON.parse(listed.stdout) as { id: string }[]).map((lease) => lease.id);
    },
  };
}

before(async () => {
  await createNamespace(ns);
  await createServiceAccount(ns, 'app');
  await createRole(ns, 'reader');
  await bindRole(ns, 'reader', 'app');
});

describe('kubectl with a tempcreds context (keychain cache)', () => {
  let s: Setup;
  before(async () => {
    s = await setup('kc', 'keychain');
  });

  it('lists pods in its namespace and is Forbidden elsewhere', async () => {
    const allowed = await s.kubectl(['get', 'pods', '-n', ns]);
    assert.equal(allowed.status, 0, allowed.stderr);
    const denied = await s.kubectl(['get', 'pods', '-n', 'default']);
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /Forbidden.*cannot list resource "pods".*namespace "default"/);
  });

  it('serves the second kubectl call from the cache (no new lease), keeping nothing in files', async () => {
    const before = await s.leases();
    assert.equal(before.length, 1);
    assert.equal((await s.kubectl(['get', 'pods', '-n', ns])).status, 0);
    assert.deepEqual(await s.leases(), before);
    assert.deepEqual(readdirSync(join(s.tool.home, 'cache')).filter((entry) => entry === 'tokens'), []);
  });

  it('issues a new token after revoke', async () => {
    const [old] = await s.leases();
    assert.equal((await s.tool.run(['revoke', '--role', s.role])).status, 0);
    const next = await s.kubectl(['get', 'pods', '-n', ns]);
    assert.equal(next.status, 0, next.stderr);
    const now = await s.leases();
    assert.equal(now.length, 1);
    assert.notEqual(now[0], old);
  });

  it('issues a new token when the role definition changes', async () => {
    const [old] = await s.leases();
    assert.equal((await s.tool.run(['role', 'update', s.role, '--max-ttl', '3h'])).status, 0);
    assert.equal((await s.kubectl(['get', 'pods', '-n', ns])).status, 0);
    const now = await s.leases();
    assert.equal(now.length, 2);
    assert.ok(now.includes(old!));
  });
});

describe('32 parallel kubectl processes on a cold cache', () => {
  it('share exactly one issuance, and all succeed', async () => {
    const s = await setup('par', 'file');
    const results = await Promise.all(Array.from({ length: 32 }, () => s.kubectl(['get', 'pods', '-n', ns])));
    assert.deepEqual(results.map((result) => result.status), Array(32).fill(0), results.find((result) => result.status !== 0)?.stderr);
    assert.equal((await s.leases()).length, 1);
  });
});

describe('a lock holder killed with SIGKILL', () => {
  it('is taken over after the stale timeout', async () => {
    const s = await setup('lock', 'file');
    const holder = spawn('kubectl', ['--kubeconfig', s.kubeconfig, '--context', s.context, 'get', 'pods', '-n', ns], {
      env: { ...s.tool.env, KUBECTL_TEMPCREDS_TEST_FAULT: 'hang-while-locked' },
      stdio: 'ignore',
    });
    const locks = join(s.tool.home, 'cache', 'locks');
    await waitFor(() => readdirSync(locks, { withFileTypes: true }).some((entry) => entry.name.endsWith('.lock')), { what: 'the lock to be taken', timeoutMs: 10_000 }).catch(() => {
      throw new Error(`no lock appeared in ${locks}`);
    });
    // Kill the plugin itself (kubectl's child), as a crash would.
    const plugin = await waitFor(() => findPids('kubectl-tempcreds').find((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').includes('hang-while-locked')), { what: 'the hanging plugin' });
    process.kill(plugin, 'SIGKILL');
    holder.kill('SIGKILL');
    const started = Date.now();
    const next = await s.kubectl(['get', 'pods', '-n', ns]);
    assert.equal(next.status, 0, next.stderr);
    assert.ok(Date.now() - started < 30_000, 'took over within the stale timeout plus retries');
    assert.equal((await s.leases()).length, 1);
  });
});

function findPids(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('exec API versions', () => {
  it('answers a v1beta1 entry in v1beta1', async () => {
    const s = await setup('beta', 'file');
    const config = yaml.load(readFileSync(s.kubeconfig, 'utf8')) as { users: { name: string; user: { exec?: { apiVersion: string } } }[] };
    config.users.find((user) => user.name === s.context)!.user.exec!.apiVersion = 'client.authentication.k8s.io/v1beta1';
    writeFileSync(s.kubeconfig, yaml.dump(config));
    assert.equal((await s.kubectl(['get', 'pods', '-n', ns])).status, 0);
    const direct = await runProcess(TEMPCREDS_BIN, ['token', s.role, '-n', ns, '--context', 'issuer', '--kubeconfig', s.kubeconfig], {
      env: { ...s.tool.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', spec: { interactive: false } }) },
    });
    const credential = JSON.parse(direct.stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
    assert.equal(credential.apiVersion, 'client.authentication.k8s.io/v1beta1');
    assert.equal(credential.kind, 'ExecCredential');
    assert.match(credential.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('expires the credential before the token (the refresh margin)', async () => {
    const s = await setup('margin', 'file', ['--ttl', '20m']);
    const direct = await runProcess(TEMPCREDS_BIN, ['token', s.role, '-n', ns, '--context', 'issuer', '--kubeconfig', s.kubeconfig, '--ttl', '20m'], { env: s.tool.env });
    assert.equal(direct.status, 0, direct.stderr);
    const expiry = Date.parse((JSON.parse(direct.stdout) as { status: { expirationTimestamp: string } }).status.expirationTimestamp);
    const leaseExpiry = Date.parse((JSON.parse((await s.tool.run(['lease', 'list', '--role', s.role, '-o', 'json'])).stdout) as { expiresAt: string }[])[0]!.expiresAt);
    // 10 % of 20m (the lifetime counts from the local issue time); the ExecCredential's timestamp is truncated to whole seconds.
    assert.ok(leaseExpiry - expiry >= 120_000 && leaseExpiry - expiry <= 121_000, `${leaseExpiry - expiry} ms before the token's expiry`);
  });
});

describe('the token cache without a Secret Service', () => {
  const noBus = { DBUS_SESSION_BUS_ADDRESS: '' };
  it('auto falls back to private files with a one-line notice', async () => {
    const s = await setup('auto', 'auto');
    const result = await s.kubectl(['get', 'pods', '-n', ns], noBus);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^kubectl-tempcreds: no OS keychain answered \(no D-Bus session\); caching tokens in private files under .*$/m);
    const tokens = join(s.tool.home, 'cache', 'tokens');
    const [file] = readdirSync(tokens);
    assert.equal(statSync(join(tokens, file!)).mode & 0o777, 0o600);
    assert.equal(statSync(tokens).mode & 0o777, 0o700);
    const again = await s.kubectl(['get', 'pods', '-n', ns], noBus);
    assert.equal(again.status, 0);
    assert.equal((await s.leases()).length, 1);
  });

  it('keychain mode fails clearly, creating nothing', async () => {
    const s = await setup('strict', 'keychain');
    const direct = await runProcess(TEMPCREDS_BIN, ['token', s.role, '-n', ns, '--context', 'issuer', '--kubeconfig', s.kubeconfig], { env: { ...s.tool.env, ...noBus } });
    assert.equal(direct.status, 2);
    assert.match(direct.stderr, /--token-cache keychain: no D-Bus session .* use --token-cache file\|none/);
    assert.equal(direct.stdout.length, 0, 'nothing on stdout'); // the length only: stdout may hold a token
    assert.deepEqual(await s.leases(), []);
  });

  it('a refresh margin over half the token lifetime is refused before anything is issued', async () => {
    const s = await setup('wide-margin', 'file');
    const direct = await runProcess(TEMPCREDS_BIN, ['token', s.role, '-n', ns, '--context', 'issuer', '--kubeconfig', s.kubeconfig, '--ttl', '1h', '--refresh-margin', '45m'], { env: s.tool.env });
    assert.equal(direct.status, 2);
    assert.match(direct.stderr, /^kubectl-tempcreds: --refresh-margin 45m is more than half of the token's lifetime 1h: choose a smaller margin or a longer --ttl$/m);
    assert.equal(direct.stdout.length, 0, 'nothing on stdout'); // the length only: stdout may hold a token
    assert.deepEqual(await s.leases(), []);
  });

  it('none mode issues on every call', async () => {
    const s = await setup('none', 'none');
    assert.equal((await s.kubectl(['get', 'pods', '-n', ns])).status, 0);
    assert.equal((await s.kubectl(['get', 'pods', '-n', ns])).status, 0);
    assert.equal((await s.leases()).length, 2);
  });
});

describe('kubeconfig', () => {
  it('is idempotent and writes no token', async () => {
    const s = await setup('idem', 'file');
    const first = readFileSync(s.kubeconfig, 'utf8');
    assert.equal((await s.tool.run(['kubeconfig', s.role, '-n', ns, '--kubeconfig', s.kubeconfig])).status, 0);
    assert.ok(readFileSync(s.kubeconfig, 'utf8') === first, 'the second run changed the kubeconfig');
    // Checked without printing the kubeconfig: it holds the test cluster's client keys.
    assert.ok(!/token:/.test(first), 'the kubeconfig holds a token');
    const config = yaml.load(first) as { users: { name: string; user: { exec?: { command: string; interactiveMode: string } } }[] };
    const exec = config.users.find((user) => user.name === s.context)!.user.exec!;
    assert.deepEqual([exec.command, exec.interactiveMode], ['kubectl-tempcreds', 'Never']);
  });

  it('writes --refresh-margin into the exec entry, and refuses one the plugin would refuse, leaving the kubeconfig as it was', async () => {
    const s = await setup('refresh', 'file', ['--refresh-margin', '5m', '--ttl', '1h']);
    const written = readFileSync(s.kubeconfig, 'utf8');
    const config = yaml.load(written) as { users: { name: string; user: { exec?: { args: string[] } } }[] };
    assert.deepEqual(config.users.find((user) => user.name === s.context)!.user.exec!.args.slice(-4), ['--ttl', '1h', '--refresh-margin', '5m']);
    assert.equal((await s.kubectl(['get', 'pods', '-n', ns])).status, 0);
    for (const [margin, message] of [
      ['40m', /^error: --refresh-margin 40m is more than half of the token's lifetime 1h/m],
      ['soon', /^error: --refresh-margin "soon" is neither a percentage under 100% nor a duration/m],
    ] as const) {
      const refused = await s.tool.run(['kubeconfig', s.role, '-n', ns, '--kubeconfig', s.kubeconfig, '--ttl', '1h', '--refresh-margin', margin, '--context-name', 'other']);
      assert.equal(refused.status, 2, margin);
      assert.match(refused.stderr, message);
      assert.ok(readFileSync(s.kubeconfig, 'utf8') === written, `the kubeconfig changed after --refresh-margin ${margin}`);
    }
  });

  it('refuses to make the issuer context depend on tempcreds itself', async () => {
    const s = await setup('loop', 'file');
    const result = await s.tool.run(['kubeconfig', s.role, '-n', ns, '--kubeconfig', s.kubeconfig, '--context', s.context]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /itself gets its credentials from kubectl-tempcreds/);
  });
});
