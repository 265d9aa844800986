// What the tool prints from the cluster: anyone who may create a Secret in a namespace the
// issuer searches can write an anchor's annotations, and none of it may reach the terminal
// as control characters (escape sequences retitle, clear or rewrite the admin's terminal).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiRequest } from '../helpers/cluster.ts';
import { createNamespace, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds } from '../helpers/tempcreds.ts';

describe('what lease list prints from the cluster', () => {
  it('holds no terminal control characters that someone who may create a Secret put in an anchor', async () => {
    const ns = uniqueName('tty');
    await createNamespace(ns);
    const id = `${uniqueName('tty')}/abcdefghij12`;
    const [role, suffix] = id.split('/') as [string, string];
    const anchor = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `tc-${role}-${suffix}`,
        labels: { 'app.kubernetes.io/managed-by': 'kubectl-tempcreds', 'tempcreds.dev/role': role, 'tempcreds.dev/lease': suffix },
        annotations: { 'tempcreds.dev/lease-id': id, 'tempcreds.dev/service-account': 'app\u001b]0;owned\u0007\u001b[2J', 'tempcreds.dev/expires-at': '\u001b[31m2099-01-01T00:00:00Z', 'tempcreds.dev/token-requested': 'true' },
      },
    };
    assert.equal((await apiRequest({ method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, body: anchor, identity: 'admin' })).status, 201);
    const tool = tempcreds(testCluster().kubeconfig);
    for (const args of [['lease', 'list', '-n', ns], ['lease', 'get', id, '-n', ns]]) {
      const result = await tool.run(args);
      assert.doesNotMatch(`${result.stdout}${result.stderr}`, /\u001b|\u0007/, `${args.slice(0, 2).join(' ')} printed an escape sequence from the anchor's annotations (exit ${result.status})`);
    }
    // The anchor is skipped, with a warning that quotes what is wrong, escaped.
    const list = await tool.run(['lease', 'list', '-n', ns]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^No leases\.$/m);
    assert.match(list.stderr, new RegExp(`^Warning: Secret ${ns}/tc-${role}-${suffix} claims to anchor lease "${id.replace('/', '\\/')}" but its tempcreds\\.dev/service-account annotation "app\\\\u001b\\]0;owned\\\\u0007\\\\u001b\\[2J" is not a ServiceAccount name: skipped`, 'm'));
  });
});
