// Faults, each against a real control plane: an API server that stops mid-issuance or
// answers nothing at all (its own cluster, frozen with SIGSTOP, so the shared one is
// untouched), corrupt state files, concurrent writers, and unwritable or full state disks.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRequest, startCluster, stopCluster, type ClusterInfo } from '../controlplane/cluster.ts';
import { waitFor } from '../helpers/cluster.ts';
import { createNamespace, objectsLabelled } from '../helpers/fixtures.ts';
import { TEMPCREDS_BIN, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';

describe('an API server that stops answering', () => {
  let cluster: ClusterInfo;
  let tool: Tempcreds;
  const freeze = () => process.kill(cluster.pids.apiserver, 'SIGSTOP');
  const thaw = () => process.kill(cluster.pids.apiserver, 'SIGCONT');

  before(async () => {
    cluster = await startCluster({ dir: mkdtempSync(join(tmpdir(), 'tempcreds-faults-')) });
    tool = tempcreds(cluster.kubeconfig);
    await createNamespace('faults', {}, cluster);
    await apiRequest(cluster, { method: 'POST', path: '/api/v1/namespaces/faults/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } }, identity: 'admin' });
    for (const args of [
      ['role', 'create', 'gen', '--rules', RULES, '--allowed-namespaces', 'faults'],
      ['role', 'create', 'sa', '--service-account', 'app', '--allowed-namespaces', 'faults'],
    ]) {
      assert.equal((await tool.run(args)).status, 0);
    }
  });
  after(async () => {
    thaw();
    await stopCluster(cluster);
  });

  it('mid-issuance: a clear error, a rollback attempt, and gc removes the rest once it is back', async () => {
    // Long enough for the first call to answer on a loaded 2-core machine: only the frozen server should time out.
    const requestTimeoutMs = 5_000;
    const issuing = spawn(TEMPCREDS_BIN, ['issue', 'gen', '-n', 'faults', '--request-timeout', `${requestTimeoutMs / 1000}s`], {
      env: { ...tool.env, KUBECTL_TEMPCREDS_TEST_FAULT: 'pause-after:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    issuing.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => issuing.on('exit', (code) => resolve((exitCode = code))));
    const marker = join(tool.home, 'fault-paused');
    await waitFor(() => existsSync(marker) || exitCode !== undefined, { what: 'the issuance to pause after its first API call', timeoutMs: 60_000 });
    assert.ok(existsSync(marker), `the issuance ended (exit code ${exitCode}) before it paused after its first API call: ${stderr}`);
    freeze();
    rmSync(marker);
    const started = Date.now();
    try {
      assert.equal(await exited, 1);
    } finally {
      thaw();
    }
    // The call in flight and the rollback's deletes each time out: a handful of timeouts, never a hang.
    assert.ok(Date.now() - started < 8 * requestTimeoutMs, 'bounded by the request timeouts');
    assert.match(stderr, /^error: cannot create \S+ faults\/tc-gen-\w+: the API server at https:\/\/127\.0\.0\.1:\d+ did not answer in time; check that it is up and reachable; could not roll back Secret faults\/tc-gen-\w+ .* remove them with kubectl tempcreds gc$/m);
    const left = () => objectsLabelled('tempcreds.dev/role=gen', cluster);
    // The rollback's deletes that timed out may still land once the server reads them: whatever
    // is left after that, gc removes.
    await waitFor(async () => Array.isArray(await left()), { what: 'the API server to answer again' });
    const gc = await tool.run(['gc', '--orphan-grace', '0s']);
    assert.equal(gc.status, 0, gc.stderr);
    assert.deepEqual(await left(), []);
  });

  it('every command, and the exec plugin, fails within its timeout with a clear message', async () => {
    const issued = await tool.run(['issue', 'sa', '-n', 'faults', '-o', 'json']);
    assert.equal(issued.status, 0, issued.stderr);
    const leaseId = (JSON.parse(issued.stdout) as { lease_id: string }).lease_id;
    freeze();
    try {
      for (const args of [
        ['issue', 'sa', '-n', 'faults'],
        ['revoke', leaseId],
        ['lease', 'list'],
        ['gc'],
        ['token', 'sa', '-n', 'faults', '--token-cache', 'none'],
      ]) {
        const started = Date.now();
        const result = await tool.run([...args, '--request-timeout', '2s']);
        assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /did not answer in time; check that it is up and reachable/, args.join(' '));
        // Not a speed goal: without the timeout a call to a frozen server never returns. A few 2 s
        // timeouts plus a Node start each take 4–15 s on a loaded 2-core machine.
        assert.ok(Date.now() - started < 40_000, `${args.join(' ')} took ${Date.now() - started} ms`);
      }
    } finally {
      thaw();
    }
  });
});

describe('corrupt state files', () => {
  it('a corrupt role file: named in the error, the other roles intact and usable, nothing overwritten', async () => {
    const tool = tempcreds('/nonexistent/kubeconfig');
    assert.equal((await tool.run(['role', 'create', 'good', '--service-account', 'a', '--allowed-namespaces', 'x'])).status, 0);
    assert.equal((await tool.run(['role', 'create', 'bad', '--service-account', 'a', '--allowed-namespaces', 'x'])).status, 0);
    const badFile = join(tool.home, 'roles', 'bad.json');
    const truncated = readFileSync(badFile, 'utf8').slice(0, 40);
    writeFileSync(badFile, truncated);

    const get = await tool.run(['role', 'get', 'bad']);
    assert.equal(get.status, 1);
    assert.match(get.stderr, new RegExp(`${badFile.replace(/[/.]/g, '\\$&')} is corrupt .*fix or remove that file`));
    const list = await tool.run(['role', 'list']);
    assert.equal(list.status, 0);
    assert.match(list.stdout, /^good\s/m);
    assert.match(list.stderr, /bad\.json is corrupt/);
    for (const args of [['role', 'update', 'bad', '--max-ttl', '2h'], ['role', 'create', 'bad', '--service-account', 'a', '--allowed-namespaces', 'x']]) {
      assert.equal((await tool.run(args)).status, 1, args.join(' '));
      assert.equal(readFileSync(badFile, 'utf8'), truncated, 'the corrupt file is left for the user, not replaced');
    }
    assert.equal((await tool.run(['role', 'update', 'good', '--max-ttl', '2h'])).status, 0);
  });

  it('a corrupt lease record: named, the others still listed', async () => {
    const tool = tempcreds('/nonexistent/kubeconfig');
    const dir = join(tool.home, 'leases', 'r');
    mkdirSync(dir, { recursive: true });
    // A complete record (an incomplete one is refused as untrustworthy, see local-state.test.ts).
    const record = {
      id: 'r/aaaaaaaaaaaa', role: 'r', roleDigest: '0123456789abcdef', namespace: 'x', serviceAccountName: 's', serviceAccountCreated: false,
      issuedAt: '2098-12-31T00:00:00.000Z', expiresAt: '2099-01-01T00:00:00.000Z', ttlSeconds: 86400, context: 'c', cluster: 'https://127.0.0.1', issuedBy: 'u', objects: [],
    };
    writeFileSync(join(dir, 'aaaaaaaaaaaa.json'), JSON.stringify(record));
    writeFileSync(join(dir, 'bbbbbbbbbbbb.json'), '{"id": "r/bbbb');
    const list = await tool.run(['lease', 'list', '--local', '-o', 'json']);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { id: string }[]).map((lease) => lease.id), ['r/aaaaaaaaaaaa']);
    assert.match(list.stderr, /bbbbbbbbbbbb\.json is corrupt/);
  });
});

describe('concurrent writers', () => {
  it('eight processes updating different fields of one role and creating eight roles at once: every write lands', async () => {
    const tool = tempcreds('/nonexistent/kubeconfig');
    assert.equal((await tool.run(['role', 'create', 'shared', '--service-account', 'a', '--allowed-namespaces', 'x'])).status, 0);
    const updates = [
      ['--max-ttl', '9h'],
      ['--default-ttl', '2h'],
      ['--default-audiences', 'ci'],
      ['--name-template', 'ci-{{lease}}'],
      ['--extra-labels', 'team=a'],
      ['--extra-annotations', 'owner=b'],
      ['--namespace-selector', 'env=dev'],
      ['--issuer-context', 'issuer'],
    ];
    const results = await Promise.all([
      ...updates.map((flags) => tool.run(['role', 'update', 'shared', ...flags])),
      ...updates.map((_, index) => tool.run(['role', 'create', `new-${index}`, '--service-account', 'a', '--allowed-namespaces', 'x'])),
    ]);
    assert.deepEqual(results.map((result) => result.status), Array(16).fill(0), results.map((result) => result.stderr).join(''));
    const spec = (JSON.parse((await tool.run(['role', 'get', 'shared', '-o', 'json'])).stdout) as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(
      { maxTtl: spec.maxTtl, defaultTtl: spec.defaultTtl, defaultAudiences: spec.defaultAudiences, nameTemplate: spec.nameTemplate, extraLabels: spec.extraLabels, extraAnnotations: spec.extraAnnotations, namespaceSelector: spec.namespaceSelector, issuerContext: spec.issuerContext },
      { maxTtl: '9h', defaultTtl: '2h', defaultAudiences: ['ci'], nameTemplate: 'ci-{{lease}}', extraLabels: { team: 'a' }, extraAnnotations: { owner: 'b' }, namespaceSelector: { matchLabels: { env: 'dev' } }, issuerContext: 'issuer' },
    );
    assert.equal(readdirSync(join(tool.home, 'roles')).filter((file) => file.startsWith('new-') && file.endsWith('.json')).length, 8);
  });
});

describe('an unwritable state directory', () => {
  const mounts: string[] = [];
  const mount = (options: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tempcreds-mount-'));
    // mode=700: a tmpfs root is 1777 by default, and the tool refuses a state root others may write to.
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${options},mode=700`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of mounts) execFileSync('umount', [dir]);
  });

  it('read-only: a clear error, exit 1', async () => {
    const tool = tempcreds('/nonexistent/kubeconfig', { KUBECTL_TEMPCREDS_HOME: mount('ro,size=64k') });
    const result = await tool.run(['role', 'create', 'r', '--service-account', 'a', '--allowed-namespaces', 'x']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: cannot create the directory .*read-only file system.*point KUBECTL_TEMPCREDS_HOME at a writable one\)$/im);
  });

  it('missing and impossible to create: a clear error, exit 1', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tempcreds-')), 'a-file');
    writeFileSync(file, '');
    const tool = tempcreds('/nonexistent/kubeconfig', { KUBECTL_TEMPCREDS_HOME: join(file, 'home') });
    const result = await tool.run(['role', 'create', 'r', '--service-account', 'a', '--allowed-namespaces', 'x']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: cannot create the directory .*not a directory/im);
  });

  it('full: a clear error, and the role stored before is intact', async () => {
    const home = mount('size=64k');
    const tool = tempcreds('/nonexistent/kubeconfig', { KUBECTL_TEMPCREDS_HOME: home });
    assert.equal((await tool.run(['role', 'create', 'kept', '--service-account', 'a', '--allowed-namespaces', 'x'])).status, 0);
    const before = readFileSync(join(home, 'roles', 'kept.json'), 'utf8');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(home, 'filler')}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
    } catch {
      // dd stops when the disk is full: that is the point.
    }
    const result = await tool.run(['role', 'update', 'kept', '--extra-annotations', `note=${'x'.repeat(8000)}`]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: cannot write .*kept\.json: .*no space left on device.*\(the disk is full: free some space\)$/im);
    assert.equal(readFileSync(join(home, 'roles', 'kept.json'), 'utf8'), before);
  });
});

