// State directories on real files: a symbolic link, a directory others may write to, or one
// owned by someone else is refused — on read as on write — with the path and the fix.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LeaseStore } from '../../src/adapters/lease-store.ts';
import { directoriesTrusted, directoryChain, untrustedDirectory } from '../../src/adapters/private-dirs.ts';
import { RoleStore } from '../../src/adapters/role-store.ts';
import { inspectStateDirectories } from '../../src/adapters/state-check.ts';
import { openTokenCache } from '../../src/adapters/token-cache.ts';
import { cachedToken, leaseRecord, role } from './fakes.ts';

const reader = role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'] });
const lease = leaseRecord();
const KEY = 'a'.repeat(64);

/** A state root as the tool makes it, with one role, one lease and one cached token. */
async function home() {
  const root = join(mkdtempSync(join(tmpdir(), 'tempcreds-dirs-')), 'home');
  mkdirSync(root, { mode: 0o700 });
  const paths = { root, roles: join(root, 'roles'), leases: join(root, 'leases'), cache: join(root, 'cache') };
  await new RoleStore(paths.roles).update('reader', () => reader);
  await new LeaseStore(paths.leases).save(lease);
  await (await openTokenCache('file', paths.cache)).set(KEY, cachedToken());
  return paths;
}

describe('state directories', () => {
  it('are trusted as the tool makes them', async () => {
    const paths = await home();
    assert.deepEqual(await new LeaseStore(paths.leases).get(lease.id), lease);
    assert.equal((await new RoleStore(paths.roles).get('reader'))?.name, 'reader');
    assert.ok(directoriesTrusted(directoryChain(paths.root, join(paths.leases, 'reader'))));
  });

  it('a symbolic link for the leases directory is refused, reading and writing', async () => {
    const paths = await home();
    const elsewhere = mkdtempSync(join(tmpdir(), 'tempcreds-elsewhere-'));
    mkdirSync(join(elsewhere, 'reader'));
    writeFileSync(join(elsewhere, 'reader', `${lease.id.split('/')[1]}.json`), JSON.stringify(lease));
    symlinkSync(elsewhere, join(paths.root, 'leases-link'));
    const store = new LeaseStore(join(paths.root, 'leases-link'));
    const message = /refusing to use \S+leases-link: it is a symbolic link, and state directories must be real ones; remove the link \(rm \S+leases-link\) and run again$/;
    await assert.rejects(store.list(), message);
    await assert.rejects(store.get(lease.id), message);
    await assert.rejects(store.save(leaseRecord({ id: 'reader/zzzzzzzzzzzz' })), message);
    await assert.rejects(store.delete(lease.id), message);
    assert.equal(directoriesTrusted(directoryChain(paths.root, join(paths.root, 'leases-link', 'reader'))), false);
  });

  it('a roles directory others may write to is refused, with chmod 700 as the fix', async () => {
    const paths = await home();
    chmodSync(paths.roles, 0o770);
    const store = new RoleStore(paths.roles);
    const message = new RegExp(`refusing to use ${paths.roles}: others may write to it \\(mode 770\\); check what is in it, then: chmod 700 ${paths.roles}$`);
    await assert.rejects(store.get('reader'), message);
    await assert.rejects(store.list(), message);
    await assert.rejects(store.update('other', () => reader), message);
    await assert.rejects(store.delete('reader'), message);
  });

  it('a state root others may write to is refused', async () => {
    const paths = await home();
    chmodSync(paths.root, 0o777);
    await assert.rejects(new LeaseStore(paths.leases).list(), new RegExp(`refusing to use ${paths.root}: others may write to it \\(mode 777\\)`));
    await assert.rejects(new RoleStore(paths.roles).get('reader'), new RegExp(`refusing to use ${paths.root}:`));
  });

  it('a lease folder owned by another user is refused', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const paths = await home();
    const folder = join(paths.leases, 'reader');
    chownSync(folder, 12345, 12345);
    const message = new RegExp(`refusing to use ${folder}: it belongs to uid 12345, not to you \\(uid 0\\); remove it, or if it is yours: chown -R 0 ${folder}$`);
    await assert.rejects(new LeaseStore(paths.leases).get(lease.id), message);
    const { leases, unreadable } = await new LeaseStore(paths.leases).list();
    assert.deepEqual(leases, []);
    assert.match(unreadable.join('\n'), message);
    assert.equal(directoriesTrusted(directoryChain(paths.root, folder)), false);
  });

  it('a token directory that is a symbolic link is refused', async () => {
    const paths = await home();
    const tokens = join(paths.cache, 'tokens');
    const real = join(paths.cache, 'real-tokens');
    mkdirSync(real, { mode: 0o700 });
    renameSync(tokens, join(real, 'old'));
    symlinkSync(real, tokens);
    const store = await openTokenCache('file', paths.cache);
    await assert.rejects(store.get(KEY), /refusing to use \S+\/tokens: it is a symbolic link/);
    await assert.rejects(store.set(KEY, cachedToken()), /refusing to use \S+\/tokens: it is a symbolic link/);
  });

  it('a record that is a symbolic link is not followed', async () => {
    const paths = await home();
    const file = join(paths.leases, 'reader', 'zzzzzzzzzzzz.json');
    const target = join(paths.root, 'target.json');
    writeFileSync(target, JSON.stringify(leaseRecord({ id: 'reader/zzzzzzzzzzzz' })));
    symlinkSync(target, file);
    await assert.rejects(new LeaseStore(paths.leases).get('reader/zzzzzzzzzzzz'), new RegExp(`refusing to read ${file}: it is a symbolic link`));
  });

  it('doctor reports a linked state directory, with its fix', async () => {
    const paths = await home();
    const link = join(paths.root, 'roles-link');
    symlinkSync(paths.roles, link);
    assert.deepEqual(await inspectStateDirectories([link]), [{ path: link, problem: 'is a symbolic link; state directories and files must be real ones', fix: `rm ${link}` }]);
  });
});

describe('state directories on Windows', () => {
  // Windows has no POSIX modes or uids: Node reports every directory as mode 777 and every file
  // as 666 (444 read-only), uid 0. The user profile's ACLs protect the files there instead.
  it('are not judged by mode or owner, which Windows does not have', async () => {
    const paths = await home();
    chmodSync(paths.roles, 0o777);
    const info = lstatSync(paths.roles);
    assert.match(untrustedDirectory(paths.roles, info, 'linux') ?? '', /others may write to it \(mode 777\)/);
    assert.equal(untrustedDirectory(paths.roles, info, 'win32'), undefined);
    const foreign = Object.assign(Object.create(Object.getPrototypeOf(info) as object) as typeof info, info, { uid: 12345 });
    assert.equal(untrustedDirectory(paths.roles, foreign, 'win32'), undefined);
  });

  it('a symbolic link (or junction) is still refused', async () => {
    const paths = await home();
    const link = join(paths.root, 'roles-link');
    symlinkSync(paths.roles, link);
    assert.match(untrustedDirectory(link, lstatSync(link), 'win32') ?? '', /it is a symbolic link/);
  });

  it('doctor does not report modes there', async () => {
    const paths = await home();
    chmodSync(paths.roles, 0o777);
    chmodSync(join(paths.roles, 'reader.json'), 0o666);
    assert.notDeepEqual(await inspectStateDirectories([paths.roles], 'linux'), []);
    assert.deepEqual(await inspectStateDirectories([paths.roles], 'win32'), []);
  });
});

describe('state files', () => {
  it('the audit log is never appended through a symbolic link', async () => {
    const { AuditLog } = await import('../../src/adapters/audit-log.ts');
    const paths = await home();
    const victim = join(paths.root, 'victim');
    writeFileSync(victim, 'precious\n');
    const log = join(paths.root, 'audit.log');
    symlinkSync(victim, log);
    const event = { time: new Date(0).toISOString(), action: 'issue', outcome: 'ok', leaseId: lease.id, identity: 'me', objects: [] } as never;
    await assert.rejects(new AuditLog(log).append([event]), /symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  });
});

describe('directoryChain', () => {
  it('lists the root and each directory down to the one asked for, however the path is written', () => {
    assert.deepEqual(directoryChain('/s', '/s'), ['/s']);
    assert.deepEqual(directoryChain('/s', '/s/leases/reader'), ['/s', '/s/leases', '/s/leases/reader']);
    assert.deepEqual(directoryChain('/s/', '/s/cache'), ['/s/', '/s/cache']);
    assert.deepEqual(directoryChain('/s', '/s/./cache//memo'), ['/s', '/s/cache', '/s/cache/memo']);
    assert.deepEqual(directoryChain('/s', '/s/cache/'), ['/s', '/s/cache']);
  });
  it('refuses a directory that is not under the root, written plainly or not', () => {
    for (const outside of ['/other', '/s2/cache', '/s/leases/../../etc', '/s/..']) assert.throws(() => directoryChain('/s', outside), /is not under \/s$/, outside);
  });
});
