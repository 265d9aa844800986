// The kubeconfig path a lease recorded is loaded again later, by revoke and by the background
// `gc --local`, without anyone choosing it then: a file another user has put at that path must
// not be loaded (its exec plugin would run as this user). Tokens stay in memory.

import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { createNamespace, createServiceAccount, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds } from '../helpers/tempcreds.ts';

describe('the kubeconfig a lease recorded', () => {
  it('is not used by gc --local once someone else has put a file there (its exec plugin would run as this user)', async () => {
    const ns = uniqueName('rk');
    await createNamespace(ns);
    await createServiceAccount(ns, 'app');
    // A CI job's kubeconfig in a directory others may create files in (sticky, like /tmp).
    const shared = mkdtempSync(join(tmpdir(), 'rk-shared-'));
    chmodSync(shared, 0o1777);
    const kubeconfig = join(shared, 'kubeconfig');
    const original = readFileSync(testCluster().kubeconfig, 'utf8');
    writeFileSync(kubeconfig, original, { mode: 0o600 });
    const tool = tempcreds(kubeconfig);
    const role = uniqueName('rk');
    assert.equal((await tool.run(['role', 'create', role, '--service-account', 'app', '--allowed-namespaces', ns])).status, 0);
    const issued = await tool.run(['issue', role, '-n', ns, '-o', 'json']);
    assert.equal(issued.status, 0, issued.stderr);
    const id = (JSON.parse(issued.stdout) as { lease_id: string }).lease_id;

    // The job ends and its file goes; another user (uid 65534) puts one of theirs at the same path:
    // the same cluster, but the issuer context's user is an exec plugin of theirs.
    rmSync(kubeconfig);
    const marker = join(shared, 'ran-as-victim');
    const config = yaml.load(original) as { contexts: { name: string; context: { user: string } }[]; users: { name: string; user: unknown }[] };
    const issuerUser = config.contexts.find((context) => context.name === 'issuer')!.context.user;
    config.users = config.users.map((user) => (user.name === issuerUser ? { name: user.name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `touch ${marker}; exit 1`], interactiveMode: 'Never' } } } : user));
    writeFileSync(kubeconfig, yaml.dump(config), { mode: 0o644 });
    chownSync(kubeconfig, 65534, 65534);

    const later = new Date(Date.now() + 48 * 3600_000).toISOString();
    const clock = { KUBECONFIG: '', KUBECTL_TEMPCREDS_TEST_NOW: later, KUBECTL_TEMPCREDS_TEST_SERVER_NOW: later };
    const gc = await tool.run(['gc', '--local'], { env: clock });
    assert.equal(existsSync(marker), false, `gc --local ran the exec plugin of a kubeconfig another user owns (exit ${gc.status}: ${gc.stderr.trim()})`);
    assert.equal(gc.status, 1, gc.stderr);
    assert.match(gc.stderr, new RegExp(`^Warning: refusing to load the kubeconfig ${kubeconfig} a lease recorded: it belongs to uid 65534, not to you \\(uid ${process.getuid!()}\\), and its exec plugin would run as you; pass --kubeconfig naming the issuer's kubeconfig to revoke the lease \\(its record is kept\\)$`, 'm'));
    const local = await tool.run(['lease', 'list', '--local', '-o', 'json']);
    assert.deepEqual((JSON.parse(local.stdout) as { id: string }[]).map((lease) => lease.id), [id], 'the record is kept');

    // The fix the message names: the issuer's kubeconfig, chosen on the command line.
    const fixed = await tool.run(['gc', '--local', '--kubeconfig', testCluster().kubeconfig], { env: clock });
    assert.equal(fixed.status, 0, fixed.stderr);
    assert.equal(existsSync(marker), false);
    assert.match(fixed.stdout, /1 lease\(s\) collected/);
  });
});
