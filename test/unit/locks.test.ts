// The inter-process lock on real files: a holder stalled past the stale time (a suspended
// laptop, a stopped process, a blocked event loop) may lose its lock to another process.
// proper-lockfile then calls onCompromised from a timer; by default that throws and kills the
// process mid-work.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { withLock } from '../../src/adapters/locks.ts';
import { RoleStore } from '../../src/adapters/role-store.ts';
import { role } from './fakes.ts';

/** Blocks the event loop (no timer can run), without spinning the CPU. */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const STALE_MS = 2000; // proper-lockfile's minimum
const LOST = /^lost the lock .*\.lock, or may have: this process stalled long enough for another process to take it over \(it is stale after 2s\); nothing was written — run the command again$/;

/** What another process does with a lock it found stale: removes it and takes it, with a new mtime. */
function takeOver(path: string): void {
  rmSync(`${path}.lock`, { recursive: true });
  mkdirSync(`${path}.lock`);
  const later = new Date(Date.now() + 1500);
  utimesSync(`${path}.lock`, later, later);
}

describe('withLock: a holder whose lock another process took over', () => {
  it('is not crashed by the lock\'s refresh timer: its work finishes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tempcreds-lock-')), 'key');
    const result = await withLock(path, async () => {
      takeOver(path);
      await sleep(STALE_MS / 2 + 300); // the refresh timer finds the lock is no longer ours
      return 'finished';
    }, { staleMs: STALE_MS });
    assert.equal(result, 'finished');
  });

  it('learns it: ensureHeld refuses (exit code 1) before a write that must not race', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tempcreds-lock-')), 'key');
    await assert.rejects(
      withLock(path, async (lock) => {
        lock.ensureHeld();
        takeOver(path);
        await sleep(STALE_MS / 2 + 300);
        lock.ensureHeld();
      }, { staleMs: STALE_MS }),
      { name: 'TempcredsError', exitCode: 1, message: LOST },
    );
  });

  it('a stall of over half the stale time is enough to refuse: the refresh timer may not have run yet', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tempcreds-lock-')), 'key');
    await assert.rejects(withLock(path, async (lock) => (stall(STALE_MS / 2 + 200), lock.ensureHeld()), { staleMs: STALE_MS }), { message: LOST });
  });

  it('a holder that kept its lock is told nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tempcreds-lock-')), 'key');
    assert.equal(await withLock(path, async (lock) => (await sleep(STALE_MS), lock.ensureHeld(), 'ok'), { staleMs: STALE_MS }), 'ok');
  });
});

describe('RoleStore.update after a stall past the stale time', () => {
  it('writes nothing (another writer may hold the lock now) and says so', async () => {
    const store = new RoleStore(mkdtempSync(join(tmpdir(), 'tempcreds-roles-')));
    await store.update('reader', () => role('reader', { serviceAccount: 'a', maxTtl: '1h' }));
    const before = readFileSync(store.fileFor('reader'), 'utf8');
    await assert.rejects(
      store.update('reader', (current) => {
        stall(5_600); // over half the role store's stale time (10 s): its lock may be gone
        return { ...current!, spec: { ...current!.spec, maxTtl: '2h' } };
      }),
      { name: 'TempcredsError', exitCode: 1, message: /^lost the lock .*reader\.json\.lock, or may have: .*\(it is stale after 10s\); nothing was written/ },
    );
    assert.equal(readFileSync(store.fileFor('reader'), 'utf8'), before);
  });
});
