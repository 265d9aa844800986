// Vault's output: `issue -o vault-json` prints what `vault write -format=json
// kubernetes/creds/ROLE` prints, so `jq -r .data.service_account_token` scripts keep
// working; `lease get` and `revoke` take its lease id, kubernetes/creds/ROLE/ID.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { waitFor } from '../helpers/cluster.ts';
import { createNamespace, createRole, listPodsStatus, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('vault-out');
const role = `vjson-${uniqueName('r').slice(2)}`;
let tool: Tempcreds;

async function ok(args: string[]) {
  const result = await tool.run(args);
  assert.equal(result.status, 0, `kubectl tempcreds ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns);
  await createRole(ns, 'reader');
  await ok(['role', 'create', role, '--kubernetes-role', 'reader', '--allowed-namespaces', ns, '--max-ttl', '1h']);
});

describe('issue -o vault-json', () => {
  it("prints Vault's response; its token works, and revoke kubernetes/creds/ROLE/ID revokes it", async () => {
    const result = await ok(['issue', role, '-n', ns, '--ttl', '2h', '-o', 'vault-json']);
    const response = JSON.parse(result.stdout) as {
      request_id: string;
      lease_id: string;
      lease_duration: number;
      renewable: boolean;
      data: { service_account_name: string; service_account_namespace: string; service_account_token: string };
      warnings: string[] | null;
    };
    assert.match(response.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(response.lease_id, new RegExp(`^kubernetes/creds/${role}/[a-z0-9]{12}$`));
    assert.equal(response.lease_duration, 3600);
    assert.equal(response.renewable, false);
    assert.equal(response.data.service_account_namespace, ns);
    assert.deepEqual(response.warnings, ["the TTL 2h is greater than the role's max TTL 1h; capping it at 1h"]);
    // What `jq -r .data.service_account_token` hands a script.
    const token = response.data.service_account_token;
    assert.equal(await listPodsStatus(token, ns), 200);

    const shown = await ok(['lease', 'get', response.lease_id, '-o', 'json']);
    assert.equal((JSON.parse(shown.stdout) as { serviceAccountName: string }).serviceAccountName, response.data.service_account_name);

    const revoked = await ok(['revoke', response.lease_id]);
    assert.match(revoked.stdout, new RegExp(`^lease "${response.lease_id.slice('kubernetes/creds/'.length)}" revoked`, 'm'));
    await waitFor(async () => (await listPodsStatus(token, ns)) === 401, { what: 'the revoked token to get 401' });
    assert.deepEqual(await objectsLabelled(`tempcreds.dev/role=${role}`), []);
  });

  it('refuses a malformed Vault lease id (exit 2)', async () => {
    const result = await tool.run(['revoke', `kubernetes/creds/${role}/nope`]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`"kubernetes/creds/${role}/nope" is not a lease id`));
  });
});
