// The lease store on real files: what it reads back is validated before anyone acts on it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LeaseStore } from '../../src/adapters/lease-store.ts';
import { FIXED_SUFFIX, leaseRecord } from './fakes.ts';

function store() {
  const directory = join(mkdtempSync(join(tmpdir(), 'tempcreds-leases-')), 'leases');
  return { directory, leases: new LeaseStore(directory) };
}

/** Writes `content` as the record file of role/suffix, as an attacker with write access could. */
function plant(directory: string, role: string, suffix: string, content: unknown): string {
  mkdirSync(join(directory, role), { recursive: true, mode: 0o700 });
  const path = join(directory, role, `${suffix}.json`);
  writeFileSync(path, JSON.stringify(content), { mode: 0o600 });
  return path;
}

describe('lease store', () => {
  it('reads back what it saved', async () => {
    const { leases } = store();
    const lease = leaseRecord();
    await leases.save(lease);
    assert.deepEqual(await leases.get(lease.id), lease);
    assert.deepEqual(await leases.list(), { leases: [lease], unreadable: [] });
  });

  it('never hands out a forged record: each is reported by path and left out', async () => {
    const { directory, leases } = store();
    const good = leaseRecord();
    await leases.save(good);
    const collection = leaseRecord({ id: 'reader/dotdotdotdot', objects: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: '.' }] });
    const systemAccount = leaseRecord({ id: 'reader/kubesystem01', objects: [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'kubesystem01', namespace: 'kube-system' }] });
    const paths = [
      plant(directory, 'reader', 'dotdotdotdot', collection),
      plant(directory, 'reader', 'kubesystem01', systemAccount),
      plant(directory, 'reader', 'otherfile000', leaseRecord({ id: `reader/${FIXED_SUFFIX}` })), // an id that is not its file's
      plant(directory, 'Not_A_Role', 'abcdefghijkl', leaseRecord()),
    ];
    const { leases: listed, unreadable } = await leases.list();
    assert.deepEqual(listed.map((lease) => lease.id), [good.id]);
    assert.equal(unreadable.length, 4);
    for (const path of paths) assert.ok(unreadable.some((message) => message.startsWith(`${path} is not a valid lease record`)), `${path} reported`);
    await assert.rejects(leases.get('reader/dotdotdotdot'), /is not a valid lease record .*objects\[0\] name "\." must consist/);
  });

  it('refuses a role folder name that is not a role name, without touching the file system', async () => {
    const { leases } = store();
    await assert.rejects(leases.list('../..'), /role name "\.\.\/\.\." must consist/);
  });
});
