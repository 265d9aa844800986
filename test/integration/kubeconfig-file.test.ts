// `kubectl tempcreds kubeconfig` edits a file the user owns: it replaces only the entries it
// wrote (unless --force), writes through a symlink to the real file, keeps the file's mode, and
// takes client-go's `<file>.lock` so kubectl's own writers never lose an update. Real kubectl reads
// the result.

import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { bindRole, createNamespace, createRole, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { runProcess, tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('kcfile');
const role = uniqueName('kf');
const contextName = `tempcreds-${role}-${ns}`;
let tool: Tempcreds;

interface Config {
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, string> }[];
}

/** A copy of the test cluster's kubeconfig in a fresh directory. */
function freshKubeconfig(name: string): string {
  const dir = join(tool.home, name);
  mkdirSync(dir);
  const file = join(dir, 'config');
  copyFileSync(testCluster().kubeconfig, file);
  return file;
}

const wire = (kubeconfig: string, extra: string[] = []) => tool.run(['kubeconfig', role, '-n', ns, '--kubeconfig', kubeconfig, ...extra]);
const kubectlGetPods = (kubeconfig: string) => runProcess('kubectl', ['--kubeconfig', kubeconfig, '--context', contextName, 'get', 'pods', '-n', ns], { env: tool.env });
const execCommandOf = (file: string) => (yaml.load(readFileSync(file, 'utf8')) as Config).users.find((user) => user.name === contextName)?.user.exec as { command: string } | undefined;

before(async () => {
  await createNamespace(ns);
  await createServiceAccount(ns, 'app');
  await createRole(ns, 'reader');
  await bindRole(ns, 'reader', 'app');
  tool = tempcreds(testCluster().kubeconfig, { KUBECTL_TEMPCREDS_TOKEN_CACHE: 'file' });
  const created = await tool.run(['role', 'create', role, '--kubernetes-role', 'reader', '--allowed-namespaces', ns]);
  assert.equal(created.status, 0, created.stderr);
});

describe('entries the tool did not write', () => {
  it('a user of the same name is refused, the file byte-identical; --force replaces it', async () => {
    const file = freshKubeconfig('foreign-user');
    const config = yaml.load(readFileSync(file, 'utf8')) as Config;
    config.users.push({ name: contextName, user: { token: 'hand-written' } });
    writeFileSync(file, yaml.dump(config));
    const before = readFileSync(file);
    const refused = await wire(file);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, new RegExp(`^error: .*user "${contextName}".* not written by kubectl-tempcreds.*--force`, 'm'));
    assert.ok(readFileSync(file).equals(before), 'the refused command changed the kubeconfig');
    const forced = await wire(file, ['--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(execCommandOf(file)?.command, 'kubectl-tempcreds');
    assert.equal((await kubectlGetPods(file)).status, 0);
  });

  it('a context of the same name is refused too; the tool replaces its own entries without --force', async () => {
    const file = freshKubeconfig('foreign-context');
    const config = yaml.load(readFileSync(file, 'utf8')) as Config;
    config.contexts.push({ name: contextName, context: { cluster: 'local', user: 'admin' } });
    writeFileSync(file, yaml.dump(config));
    const before = readFileSync(file);
    const refused = await wire(file);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, new RegExp(`context "${contextName}".*--force`));
    assert.ok(readFileSync(file).equals(before), 'the refused command changed the kubeconfig');

    const own = freshKubeconfig('own');
    assert.equal((await wire(own)).status, 0);
    const again = await wire(own, ['--ttl', '30m']);
    assert.equal(again.status, 0, again.stderr);
  });
});

describe('the file itself', () => {
  it('a symlinked kubeconfig stays a symlink and its target is updated', async () => {
    const real = freshKubeconfig('symlinked');
    const link = join(tool.home, 'symlinked', 'link');
    symlinkSync('config', link);
    const wired = await wire(link);
    assert.equal(wired.status, 0, wired.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the symlink was replaced by a file');
    assert.equal(execCommandOf(real)?.command, 'kubectl-tempcreds');
    assert.equal((await kubectlGetPods(link)).status, 0);
  });

  it('with KUBECONFIG naming several files, writes to the first that exists, as kubectl does', async () => {
    const existing = freshKubeconfig('several');
    const missing = join(tool.home, 'several', 'missing');
    const wired = await tool.run(['kubeconfig', role, '-n', ns], { env: { KUBECONFIG: `${missing}:${existing}` } });
    assert.equal(wired.status, 0, wired.stderr);
    assert.ok(!existsSync(missing), 'created a file kubectl would not have written');
    assert.equal(execCommandOf(existing)?.command, 'kubectl-tempcreds');
  });

  it('keeps the file mode (0640 stays 0640)', async () => {
    const file = freshKubeconfig('mode');
    chmodSync(file, 0o640);
    const wired = await wire(file);
    assert.equal(wired.status, 0, wired.stderr);
    assert.equal(statSync(file).mode & 0o7777, 0o640);
  });
});

describe("client-go's <file>.lock", () => {
  it('a held lock makes the command wait, then fail clearly, leaving the file and the lock alone', async () => {
    const file = freshKubeconfig('locked');
    writeFileSync(`${file}.lock`, '');
    const before = readFileSync(file);
    const started = Date.now();
    const result = await wire(file);
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`^error: .*${file}\\.lock.*remove it`, 'm'));
    assert.ok(Date.now() - started >= 2000, 'gave up without waiting');
    assert.ok(readFileSync(file).equals(before), 'wrote despite the lock');
    assert.ok(existsSync(`${file}.lock`), "removed another writer's lock");
  });

  it('a relative path is locked once, not twice under two names', async () => {
    const file = freshKubeconfig('relative');
    const wired = await wire(relative(process.cwd(), file));
    assert.equal(wired.status, 0, wired.stderr);
    assert.equal(execCommandOf(file)?.command, 'kubectl-tempcreds');
  });

  it('succeeds once the lock is released, and removes its own lock', async () => {
    const file = freshKubeconfig('released');
    writeFileSync(`${file}.lock`, '');
    const started = Date.now();
    const running = wire(file);
    setTimeout(() => rmSync(`${file}.lock`, { force: true }), 1000);
    const result = await running;
    assert.equal(result.status, 0, result.stderr);
    assert.ok(Date.now() - started >= 1000, 'wrote while the lock was held');
    assert.equal(execCommandOf(file)?.command, 'kubectl-tempcreds');
    assert.ok(!existsSync(`${file}.lock`), 'left its lock behind');
  });
});

describe('next to kubectl writing the same file', () => {
  // Interleaving with kubectl itself is not asserted: kubectl computes its change from a read taken
  // before it locks, so concurrent kubectl writers can lose each other's updates (seen in CI runs).
  it("keeps kubectl's entries and loses none of its own concurrent updates", async () => {
    const file = freshKubeconfig('concurrent');
    for (let i = 0; i < 4; i++) {
      const result = await runProcess('kubectl', ['--kubeconfig', file, 'config', 'set-context', `kubectl-${i}`, '--cluster', 'local', '--user', 'admin'], { env: tool.env });
      assert.equal(result.status, 0, result.stderr);
    }
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => wire(file, ['--context-name', `tool-${i}`]).then((result) => ({ name: `tool-${i}`, result }))));
    const toolErrors = results.filter(({ result }) => result.status !== 0).map(({ name, result }) => `${name}: exit ${result.status}: ${result.stderr.trim()}`);
    assert.deepEqual(toolErrors, []);
    const contexts = (yaml.load(readFileSync(file, 'utf8')) as Config).contexts.map((context) => context.name);
    for (const name of [...results.map(({ name }) => name), 'kubectl-0', 'kubectl-1', 'kubectl-2', 'kubectl-3']) assert.ok(contexts.includes(name), `${name} was lost`);
  });
});

