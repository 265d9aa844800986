// The role store on real files: a role name is never a path, and a file holds only the role it is named after.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RoleStore } from '../../src/adapters/role-store.ts';
import { roleToDocument } from '../../src/core/role-spec.ts';
import { role } from './fakes.ts';

function store() {
  const home = mkdtempSync(join(tmpdir(), 'tempcreds-roles-'));
  const directory = join(home, 'state', 'roles');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  return { home, directory, roles: new RoleStore(directory) };
}

const reader = role('reader', { serviceAccount: 'app', allowedNamespaces: ['dev'] });

describe('role store', () => {
  it('names that are paths are refused before any file is touched', async () => {
    const { home, roles } = store();
    const victim = join(home, 'x.json');
    writeFileSync(victim, '{}');
    for (const name of ['../../x', '../x', '/tmp/x', '.', 'a/b', 'Reader']) {
      await assert.rejects(roles.delete(name), { message: /^role name ".*" must consist/, exitCode: 2 } as never, name);
      await assert.rejects(roles.get(name), { exitCode: 2 } as never, name);
      await assert.rejects(roles.update(name, () => reader), { exitCode: 2 } as never, name);
      assert.throws(() => roles.fileFor(name), { exitCode: 2 } as never, name);
    }
    assert.ok(existsSync(victim), 'the victim file is intact');
  });

  it('a file holding another role than its name says is refused, as a corrupt one', async () => {
    const { directory, roles } = store();
    writeFileSync(join(directory, 'reader.json'), JSON.stringify(roleToDocument(role('admin', { serviceAccount: 'root', allowedNamespaces: ['*'] }))));
    await assert.rejects(roles.get('reader'), { message: /reader\.json holds role "admin", not "reader"/, exitCode: 1 } as never);
    const { roles: listed, unreadable } = await roles.list();
    assert.deepEqual(listed, []);
    assert.equal(unreadable.length, 1);
  });

  it('a file whose name is no role name is reported by path, not read', async () => {
    const { directory, roles } = store();
    await roles.update('reader', () => reader);
    writeFileSync(join(directory, 'Bad_Name.json'), JSON.stringify(roleToDocument(reader)));
    const { roles: listed, unreadable } = await roles.list();
    assert.deepEqual(listed.map((item) => item.name), ['reader']);
    assert.match(unreadable.join('\n'), /Bad_Name\.json/);
  });
});
