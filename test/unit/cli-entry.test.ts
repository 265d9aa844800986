// The CLI entry in-process, with an injected environment (a state home of its own), stdout,
// stderr and clock: no API server is needed for what these commands do.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LeaseStore } from '../../src/adapters/lease-store.ts';
import { main } from '../../src/cli/main.ts';
import { NOW, leaseRecord, secondsAfter } from './fakes.ts';

function home(): NodeJS.ProcessEnv {
  const root = join(mkdtempSync(join(tmpdir(), 'tempcreds-cli-')), 'home');
  mkdirSync(root, { mode: 0o700 });
  return { KUBECTL_TEMPCREDS_HOME: root, HOME: root, KUBECONFIG: join(root, 'no-kubeconfig') };
}

async function run(args: string[], env: NodeJS.ProcessEnv, now = NOW) {
  const out = { stdout: '', stderr: '' };
  const code = await main(args, { env, stdout: (text) => void (out.stdout += text), stderr: (text) => void (out.stderr += text), clock: { now: () => now } });
  return { code, ...out };
}

describe('CLI entry in-process', () => {
  it('creates a role in the injected home and lists it on the injected stdout', async () => {
    const env = home();
    const created = await run(['role', 'create', 'reader', '--service-account', 'app', '--allowed-namespaces', 'dev'], env);
    assert.deepEqual([created.code, created.stderr], [0, '']);
    const listed = await run(['role', 'list', '-o', 'json'], env);
    assert.equal(listed.code, 0);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { items: { metadata: { name: string } }[] }).items.map((role) => role.metadata.name),
      ['reader'],
    );
  });

  it("tells a lease's status by the injected clock", async () => {
    const env = home();
    await new LeaseStore(join(env.KUBECTL_TEMPCREDS_HOME!, 'leases')).save(leaseRecord());
    const before = await run(['lease', 'list', '--local'], env, secondsAfter(NOW, 600));
    assert.match(before.stdout, /reader\/abcdefghijkl .* 50m left +local\n$/);
    const after = await run(['lease', 'list', '--local'], env, secondsAfter(NOW, 3600));
    assert.match(after.stdout, /reader\/abcdefghijkl .* expired +local\n$/);
  });

  for (const args of [
    ['role', 'list'],
    ['lease', 'list', '--local'],
    ['gc', '--local'],
  ]) {
    it(`${args.join(' ')}: a bad --request-timeout is exit 2 and one line, like every command`, async () => {
      assert.deepEqual(await run([...args, '--request-timeout', 'soon'], home()), { code: 2, stdout: '', stderr: 'error: --request-timeout "soon" is not a duration (e.g. 10s, 1m)\n' });
    });
    it(`${args.join(' ')}: a bad KUBECTL_TEMPCREDS_ROLES is exit 2 and one line, like every command`, async () => {
      assert.deepEqual(await run(args, { ...home(), KUBECTL_TEMPCREDS_ROLES: 'remote' }), {
        code: 2,
        stdout: '',
        stderr: 'error: KUBECTL_TEMPCREDS_ROLES "remote" is not a role source: use local (this machine\'s files) or cluster (CredentialRole objects)\n',
      });
    });
  }
});
