import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claimInvocation, invocationClaimed, memoInvocation, recallMemo, rememberMemo, type MemoValue } from '../../src/adapters/credential-memo.ts';

const KEY = 'c'.repeat(64);
/** Where the memo's answers must point: this state's leases and token files. */
const WHERE = { leases: '/state/leases', tokens: '/cache/tokens' };
const VALUE: MemoValue = { target: { store: 'file', key: KEY, file: `/cache/tokens/${KEY}.json` }, leases: '/state/leases', refresh: { fraction: 0.1, minSeconds: 60 } };
const ARGS = ['reader', '--namespace', 'demo', '--context', 'issuer'];

/** A memo directory and two source files last changed a minute ago (long before any read). */
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'memo-test-'));
  const role = join(dir, 'role.json');
  const kubeconfig = join(dir, 'kubeconfig');
  for (const file of [role, kubeconfig]) {
    writeFileSync(file, 'v1');
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  }
  // utimes sets mtime; the ctime it leaves is "now": let the read start later than the racy margin.
  const readStarted = Date.now() + 3000;
  return { memo: join(dir, 'memo'), role, kubeconfig, missing: join(dir, 'absent'), readStarted };
}

describe('credential memo', () => {
  it('recalls what was remembered for the same invocation while its files are unchanged', async () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, { KUBECONFIG: s.kubeconfig });
    await rememberMemo(s.memo, invocation, [s.role, s.kubeconfig, s.missing], VALUE, s.readStarted);
    assert.deepEqual(recallMemo(s.memo, invocation, WHERE), VALUE);
  });

  it('is a miss for another invocation: other arguments or environment', async () => {
    const s = sandbox();
    await rememberMemo(s.memo, memoInvocation(ARGS, { KUBECONFIG: s.kubeconfig }), [s.role], VALUE, s.readStarted);
    assert.equal(recallMemo(s.memo, memoInvocation([...ARGS, '--ttl', '2h'], { KUBECONFIG: s.kubeconfig }), WHERE), undefined);
    assert.equal(recallMemo(s.memo, memoInvocation(ARGS, { KUBECONFIG: s.kubeconfig, KUBECTL_TEMPCREDS_TOKEN_CACHE: 'none' }), WHERE), undefined);
  });

  it('an entry with until (a role in the cluster, no file to stamp) is a miss from then on; KUBECTL_TEMPCREDS_ROLES is part of the invocation', async () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, { KUBECONFIG: s.kubeconfig });
    await rememberMemo(s.memo, invocation, [s.kubeconfig], { ...VALUE, until: 2_000 }, s.readStarted);
    assert.deepEqual(recallMemo(s.memo, invocation, WHERE, false, 1_999), VALUE);
    assert.equal(recallMemo(s.memo, invocation, WHERE, false, 2_000), undefined);
    assert.notEqual(invocation, memoInvocation(ARGS, { KUBECONFIG: s.kubeconfig, KUBECTL_TEMPCREDS_ROLES: 'cluster' }));
  });

  const changes: [string, (s: ReturnType<typeof sandbox>) => void][] = [
    ['a source file rewritten in place', (s) => writeFileSync(s.role, 'v2')],
    ['a source file replaced (rename)', (s) => (writeFileSync(`${s.kubeconfig}.new`, 'v1'), renameSync(`${s.kubeconfig}.new`, s.kubeconfig))],
    ['a file that was absent appearing', (s) => writeFileSync(s.missing, 'x')],
    ['only its mtime moving', (s) => utimesSync(s.role, new Date(), new Date())],
  ];
  for (const [name, change] of changes) {
    it(`is a miss after ${name}`, async () => {
      const s = sandbox();
      const invocation = memoInvocation(ARGS, {});
      await rememberMemo(s.memo, invocation, [s.role, s.kubeconfig, s.missing], VALUE, s.readStarted);
      change(s);
      assert.equal(recallMemo(s.memo, invocation, WHERE), undefined);
    });
  }

  it('keys the working directory only when a path it depends on is relative', () => {
    const inDir = (dir: string, env: NodeJS.ProcessEnv, args = ARGS) => {
      const previous = process.cwd();
      process.chdir(dir);
      try {
        return memoInvocation(args, env);
      } finally {
        process.chdir(previous);
      }
    };
    const [a, b] = [mkdtempSync(join(tmpdir(), 'memo-cwd-')), mkdtempSync(join(tmpdir(), 'memo-cwd-'))];
    assert.equal(inDir(a, { KUBECONFIG: '/abs/config' }), inDir(b, { KUBECONFIG: '/abs/config' }));
    assert.notEqual(inDir(a, { KUBECONFIG: 'rel/config' }), inDir(b, { KUBECONFIG: 'rel/config' }));
    assert.notEqual(inDir(a, {}, [...ARGS, '--kubeconfig', 'rel']), inDir(b, {}, [...ARGS, '--kubeconfig', 'rel']));
    assert.notEqual(inDir(a, {}, [...ARGS, '--kubeconfig=rel']), inDir(b, {}, [...ARGS, '--kubeconfig=rel']));
  });

  it('remembers nothing when a file changed less than two seconds before the read began (it may have changed during it)', async () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, {});
    await rememberMemo(s.memo, invocation, [s.role, s.kubeconfig], VALUE, Date.now());
    assert.equal(recallMemo(s.memo, invocation, WHERE), undefined);
  });

  const forged: [string, MemoValue][] = [
    ['a token file elsewhere', { ...VALUE, target: { store: 'file', key: KEY, file: '/home/victim/.ssh/id_rsa' } }],
    ['a key that is a path', { ...VALUE, target: { store: 'file', key: '../../x', file: '/cache/tokens/../../x.json' } }],
    ['a keychain account that is no key', { ...VALUE, target: { store: 'keychain', key: 'github.com' } }],
    ['another lease directory', { ...VALUE, leases: '/tmp/forged-leases' }],
    ['a refresh policy that is no number', { ...VALUE, refresh: { fraction: '0.1', minSeconds: 60 } as never }],
  ];
  for (const [name, value] of forged) {
    it(`is a miss when the entry names ${name} (a forged memo is never served)`, async () => {
      const s = sandbox();
      const invocation = memoInvocation(ARGS, {});
      await rememberMemo(s.memo, invocation, [s.role], value, s.readStarted);
      assert.equal(recallMemo(s.memo, invocation, WHERE), undefined);
    });
  }

  it('is a miss, never an error, when the memo is corrupt', async () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, {});
    await rememberMemo(s.memo, invocation, [s.role], VALUE, s.readStarted);
    const [file] = readdirSync(s.memo);
    writeFileSync(join(s.memo, file!), '{not json');
    assert.equal(recallMemo(s.memo, invocation, WHERE), undefined);
  });

  it('remembers files changed shortly before the read only for callers that waited, and only for seconds', async () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, {});
    // Changed (ctime: at sandbox creation) half a second before the read: young, not racy.
    await rememberMemo(s.memo, invocation, [s.role, s.kubeconfig], VALUE, Date.now() + 500);
    assert.equal(recallMemo(s.memo, invocation, WHERE), undefined, 'not for a caller that read nothing');
    assert.deepEqual(recallMemo(s.memo, invocation, WHERE, true), VALUE);
    writeFileSync(s.role, 'v2');
    assert.equal(recallMemo(s.memo, invocation, WHERE, true), undefined, 'a change still misses');
    const [file] = readdirSync(s.memo).filter((name) => name.endsWith('.young.json'));
    const entry = JSON.parse(readFileSync(join(s.memo, file!), 'utf8')) as { until: number };
    assert.ok(entry.until > Date.now() && entry.until <= Date.now() + 30_000);
  });
});

describe('claiming an invocation', () => {
  it('lets one process at a time claim it; the claim ends with its release, or when it is stale', () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, {});
    assert.equal(invocationClaimed(s.memo, invocation), false);
    const release = claimInvocation(s.memo, invocation);
    assert.ok(release, 'the first claims (creating the directory)');
    assert.equal(claimInvocation(s.memo, invocation), undefined, 'the second waits');
    assert.equal(invocationClaimed(s.memo, invocation), true);
    release();
    const again = claimInvocation(s.memo, invocation);
    assert.ok(again);
    const [claim] = readdirSync(s.memo).filter((name) => name.endsWith('.claim'));
    utimesSync(join(s.memo, claim!), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    assert.equal(invocationClaimed(s.memo, invocation), false);
    const successor = claimInvocation(s.memo, invocation);
    assert.ok(successor, 'a stale claim is taken over');
    again();
    assert.equal(invocationClaimed(s.memo, invocation), true, "the stale holder's release leaves its successor's claim alone");
    successor();
    assert.equal(invocationClaimed(s.memo, invocation), false);
  });

  it('is taken over at once when its holder was killed', () => {
    const s = sandbox();
    const invocation = memoInvocation(ARGS, {});
    assert.ok(claimInvocation(s.memo, invocation));
    const [claim] = readdirSync(s.memo).filter((name) => name.endsWith('.claim'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited and reaped: no such process
    writeFileSync(join(s.memo, claim!), String(dead));
    assert.equal(invocationClaimed(s.memo, invocation), false);
    assert.ok(claimInvocation(s.memo, invocation));
  });
});
