// The request stamp (#15) on the real API server, which serves MutatingAdmissionPolicy
// (admissionregistration.k8s.io/v1beta1 behind its feature gate in 1.35; the test control plane
// enables both): a request created without spec.requester is stored with the identity the API
// server authenticated — a person (client certificate: no uid) and a pipeline (ServiceAccount
// token: with uid) — and the validating policy then checks that identity; a stated requester is
// never overwritten, so a forged one is still refused. Installed as setup installs it (server-side
// apply); cluster-wide, like the request API: every other test states its requester, untouched.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CredentialRequestSpec } from '../../src/core/manifests/credential-request-crd.ts';
import { TEMPCREDS_API_VERSION } from '../../src/core/delegation-names.ts';
import { requestStampManifests, STAMP_API_VERSIONS } from '../../src/core/manifests/request-stamp.ts';
import type { RequestPublicKey } from '../../src/core/request-public-key.ts';
import { generateRequestKeyPair } from '../../src/core/sealed-token.ts';
import { toYaml } from '../../src/core/structured-text.ts';
import { kubectl, waitFor } from '../helpers/cluster.ts';
import { allowRequests, installRequestApi, whoAmI } from '../helpers/delegation.ts';
import { createNamespace, uniqueName } from '../helpers/fixtures.ts';
import { certificateUser, serviceAccountUser, type Identity } from '../helpers/requesters.ts';

type Requester = CredentialRequestSpec['requester'];
// Bodies are Kubernetes objects and Status answers, read field by field.
type Answer = { status: number; body: any };

/** What a 1.35 server serves (1.36 serves v1, the same fields). */
const SERVED = STAMP_API_VERSIONS[1];
const stampYaml = requestStampManifests(SERVED).map((manifest) => toYaml(manifest)).join('---\n');

describe('the request stamp (MutatingAdmissionPolicy, where served)', () => {
  const ns = uniqueName('stamp');
  const roleX = uniqueName('role-x');
  const roleY = uniqueName('role-y');
  let alice: Identity;
  let pipeline: Identity;
  let publicKey: RequestPublicKey;
  const create = (who: Identity, spec: Partial<CredentialRequestSpec>, dryRun = false): Promise<Answer> =>
    who.request({ method: 'POST', path: `/apis/${TEMPCREDS_API_VERSION}/namespaces/${ns}/credentialrequests${dryRun ? '?dryRun=All' : ''}`, body: { apiVersion: TEMPCREDS_API_VERSION, kind: 'CredentialRequest', metadata: { generateName: 'req-' }, spec: { role: roleX, namespace: ns, ttl: '1h', publicKey, ...spec } } });

  before(async () => {
    await createNamespace(ns);
    await installRequestApi();
    alice = certificateUser(uniqueName('alice'), [uniqueName('team')]);
    pipeline = await serviceAccountUser(ns, 'pipeline');
    for (const who of [alice, pipeline]) await allowRequests(ns, who, [roleX]);
    publicKey = (await generateRequestKeyPair()).publicKey;
  });

  it('its manifests pass a server-side dry run, then install with server-side apply, idempotently', async () => {
    const dryRun = await kubectl(['apply', '--server-side', '--field-manager=kubectl-tempcreds', '--force-conflicts', '--dry-run=server', '-f', '-'], { context: 'admin', input: stampYaml });
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.equal(dryRun.stdout.match(/serverside-applied \(server dry run\)/g)?.length, 2, dryRun.stdout);
    for (let round = 0; round < 2; round++) {
      const applied = await kubectl(['apply', '--server-side', '--field-manager=kubectl-tempcreds', '--force-conflicts', '-f', '-'], { context: 'admin', input: stampYaml });
      assert.equal(applied.status, 0, applied.stderr);
      assert.equal(applied.stdout.match(/serverside-applied/g)?.length, 2);
    }
    // RBAC and the policies are loaded a moment after they are written: wait (dry runs, nothing stored).
    await waitFor(async () => ((await create(alice, {}, true)).status === 201 ? true : undefined), { timeoutMs: 20_000, what: 'a request without requester to be stamped and admitted' });
  });

  it('a request without spec.requester is stored with the creator\'s identity: a person (no uid), a pipeline (with its uid)', async () => {
    for (const who of [alice, pipeline]) {
      const answer = await create(who, {});
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.spec.requester as Requester, await whoAmI(who), who.username);
    }
  });

  it('the validating policy checks the stamped identity: a role it may not use is refused, naming the creator', async () => {
    const refused = await create(alice, { role: roleY });
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, new RegExp(`denied request: ${alice.username} may not use CredentialRole ${roleY} `));
  });

  it('never overwrites a stated requester: a forged one is still refused, a true one stored as stated', async () => {
    const aliceIs = await whoAmI(alice);
    for (const [what, requester] of [['another user', { ...aliceIs, username: 'bob' }], ['an added group', { ...aliceIs, groups: [...aliceIs.groups!, 'system:masters'] }], ['a uid', { ...aliceIs, uid: 'f00d' }]] as [string, Requester][]) {
      const answer = await create(alice, { requester });
      assert.equal(answer.status, 403, `${what}: HTTP ${answer.status}`);
      assert.match(answer.body.message, /denied request: spec.requester must be exactly the user creating the request/, what);
    }
    const stated = await create(pipeline, { requester: await whoAmI(pipeline) });
    assert.equal(stated.status, 201);
  });

  it('a request without a spec is left to the schema: 422, not a policy error', async () => {
    const answer: Answer = await alice.request({ method: 'POST', path: `/apis/${TEMPCREDS_API_VERSION}/namespaces/${ns}/credentialrequests`, body: { apiVersion: TEMPCREDS_API_VERSION, kind: 'CredentialRequest', metadata: { generateName: 'req-' } } });
    assert.equal(answer.status, 422);
    assert.match(answer.body.message, /spec: Required value/);
  });
});
