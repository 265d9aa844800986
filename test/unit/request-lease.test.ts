import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { requestLease, type RequesterPort, type WaitResult } from '../../src/app/request-lease.ts';
import { checkAsk, credentialRequestBody, requestAnswer, tokenFacts, type RequestObject, type RequestRef } from '../../src/core/delegated-request.ts';
import { TempcredsError } from '../../src/core/errors.ts';
import { leaseRecordProblems } from '../../src/core/lease-record.ts';
import type { CredentialRequestStatus } from '../../src/core/manifests/credential-request-crd.ts';
import { generateRequestKeyPair, sealToken, type RequestKeyPair } from '../../src/core/sealed-token.ts';
import { ISSUER } from './fakes.ts';

const UID = '3f1c2a9e-7b1d-4c55-9a0e-2d6f0c8b1a77';
const OTHER_UID = '9b0e5d4c-1a2b-4c3d-8e9f-001122334455';
const ALICE = { username: 'alice', groups: ['system:authenticated', 'devs'] };
const claims = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:demo:v-alice-x', iat: 1735689600, exp: 1735693200 })).toString('base64url');
// Shaped like a ServiceAccount token; random, so a message that leaks it cannot pass by chance.
const token = () => `eyJhbGciOiJSUzI1NiJ9.${claims}.${randomBytes(32).toString('base64url')}`;
const condition = (type: string, status: string, reason: string, message = `${type} ${reason}`) => ({ type, status, reason, message, lastTransitionTime: '2025-01-01T00:00:00Z' }) as NonNullable<CredentialRequestStatus['conditions']>[number];

/** The request API of one cluster, in memory: `answer` decides what the controller writes once the request exists. */
class FakeRequests implements RequesterPort {
  readonly requester = ISSUER;
  created: RequestObject[] = [];
  deleted: RequestRef[] = [];
  constructor(private readonly answer: (request: RequestObject) => Promise<CredentialRequestStatus | 'timeout' | 'gone'>) {}
  async whoAmI() {
    return ALICE;
  }
  async create(namespace: string, body: unknown): Promise<RequestObject> {
    const { spec, metadata } = body as { spec: RequestObject['spec']; metadata: { generateName: string } };
    const request = { metadata: { namespace, name: `${metadata.generateName}x7k2q`, uid: UID, resourceVersion: '10', creationTimestamp: '2025-01-01T00:00:00Z' }, spec };
    this.created.push(request);
    return request;
  }
  async get() {
    return undefined;
  }
  async waitFor<T>(_ref: RequestRef, _from: string, decide: (request: RequestObject) => T | undefined): Promise<WaitResult<T>> {
    const status = await this.answer(this.created[0]!);
    if (status === 'timeout' || status === 'gone') return status;
    const decided = decide({ ...this.created[0]!, status });
    return decided === undefined ? 'timeout' : { answer: decided };
  }
  async delete(ref: RequestRef) {
    this.deleted.push(ref);
    return 'deleted' as const;
  }
  async list() {
    return this.created;
  }
}

async function fixture(answer: (request: RequestObject, keys: RequestKeyPair) => Promise<CredentialRequestStatus | 'timeout' | 'gone'>) {
  const keys = await generateRequestKeyPair();
  const saved: unknown[] = [];
  const requests = new FakeRequests((request) => answer(request, keys));
  const deps = { connect: async () => requests, generateKeyPair: async () => keys, saveLease: async (lease: unknown) => void saved.push(lease), waitMs: 60_000 };
  return { keys, requests, saved, deps };
}

const issued = (jwe: string): CredentialRequestStatus => ({ conditions: [condition('Issued', 'True', 'Issued')], leaseId: 'deployer/abcdefghijkl', expiresAt: '2025-01-01T01:00:00Z', token: jwe });
const ASK = { role: 'deployer', namespace: 'demo', ttl: '1h', audiences: ['vault'] };

/** Refused with this exit code and message, the request deleted, nothing saved, no token quoted. */
async function refusedAndCleaned(run: Promise<unknown>, f: Awaited<ReturnType<typeof fixture>>, exitCode: 1 | 2, pattern: RegExp, secret = 'eyJ') {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof TempcredsError, String(error));
    assert.equal(error.exitCode, exitCode);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(secret), 'the error quotes the token');
    return true;
  });
  assert.deepEqual(f.requests.deleted, [{ namespace: 'demo', name: 'deployer-x7k2q', uid: UID }]);
  assert.deepEqual(f.saved, []);
}

describe('delegated issuance, the requester side', () => {
  it('creates one request stating the requester and public key, and opens the token sealed for its uid: a lease record naming the request', async () => {
    const secret = token();
    const f = await fixture(async (request, keys) => issued(await sealToken(secret, keys.publicKey, request.metadata.uid)));
    const lease = await requestLease(f.deps, ASK);
    assert.equal(lease.token, secret);
    const [created] = f.requests.created;
    assert.deepEqual(created!.spec, { role: 'deployer', namespace: 'demo', ttl: '1h', audiences: ['vault'], requester: ALICE, publicKey: f.keys.publicKey });
    assert.equal(lease.lease.id, 'deployer/abcdefghijkl');
    assert.equal(lease.lease.serviceAccountName, 'v-alice-x');
    assert.equal(lease.lease.issuedBy, 'alice');
    assert.equal(lease.lease.ttlSeconds, 3600);
    assert.deepEqual(lease.lease.request, { namespace: 'demo', name: 'deployer-x7k2q', uid: UID });
    assert.deepEqual(leaseRecordProblems(lease.lease, lease.lease.id), [], 'the lease store would refuse the record');
    assert.deepEqual(f.saved, [lease.lease]);
    assert.deepEqual(f.requests.deleted, []);
  });

  it('a status copied from another request (sealed for another uid) is refused, and the request deleted', async () => {
    const secret = token();
    const f = await fixture(async (_request, keys) => issued(await sealToken(secret, keys.publicKey, OTHER_UID)));
    await refusedAndCleaned(requestLease(f.deps, ASK), f, 1, /sealed for another request/, secret);
  });

  it('a tampered ciphertext is refused, and the request deleted', async () => {
    const secret = token();
    const f = await fixture(async (request, keys) => {
      const parts = (await sealToken(secret, keys.publicKey, request.metadata.uid)).split('.');
      parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1);
      return issued(parts.join('.'));
    });
    await refusedAndCleaned(requestLease(f.deps, ASK), f, 1, /tampered with or sealed to another key/, secret);
  });

  it('Denied: exit 2 with the reason and message', async () => {
    const f = await fixture(async () => ({ conditions: [condition('Denied', 'True', 'NamespaceNotAllowed', 'namespace demo is not allowed'), condition('Issued', 'False', 'NamespaceNotAllowed')] }));
    await refusedAndCleaned(requestLease(f.deps, ASK), f, 2, /denied: NamespaceNotAllowed: namespace demo is not allowed/);
  });

  it('Failed: exit 1 with the reason and message', async () => {
    const f = await fixture(async () => ({ conditions: [condition('Failed', 'True', 'IssuanceFailed', 'cannot create ServiceAccount; rolled back')] }));
    await refusedAndCleaned(requestLease(f.deps, ASK), f, 1, /failed: IssuanceFailed: cannot create ServiceAccount/);
  });

  it('no answer within the wait: exit 1 naming the wait, the controller and doctor; the pending request deleted', async () => {
    const f = await fixture(async () => 'timeout');
    await refusedAndCleaned(requestLease(f.deps, ASK), f, 1, /^no controller answered within 60s; is it running\? see `kubectl tempcreds doctor --delegated`/);
  });

  it('bad input is refused before anything is created (exit 2)', async () => {
    for (const ask of [{ role: 'deployer' }, { role: 'Bad_Role', namespace: 'demo' }, { role: 'deployer', namespace: 'demo', ttl: '1m' }, { role: 'deployer', namespace: 'demo', ttl: 'soon' }]) {
      const f = await fixture(async () => 'timeout');
      await assert.rejects(requestLease(f.deps, ask), (error: TempcredsError) => error.exitCode === 2);
      assert.deepEqual(f.requests.created, [], JSON.stringify(ask));
    }
  });
});

describe('the request body and the status as the client reads them', () => {
  it('generateName from the role; optional fields only when asked; audiences without repeats', async () => {
    const { publicKey } = await generateRequestKeyPair();
    const body = credentialRequestBody(checkAsk({ role: 'r', namespace: 'n', audiences: ['a', 'a'], clusterRoleBinding: true }), ALICE, publicKey);
    assert.deepEqual(body.metadata, { generateName: 'r-' });
    assert.deepEqual(body.spec, { role: 'r', namespace: 'n', audiences: ['a'], clusterRoleBinding: true, requester: ALICE, publicKey });
  });

  it('waiting (unseen, then seen), issued, and each final condition', () => {
    assert.deepEqual(requestAnswer(undefined), { state: 'waiting', seen: false });
    assert.deepEqual(requestAnswer({ conditions: [condition('Issued', 'Unknown', 'Issuing')], leaseId: 'r/abcdefghijkl' }), { state: 'waiting', seen: true });
    assert.equal(requestAnswer(issued('a..b.c.d')).state, 'issued');
    assert.deepEqual(requestAnswer({ conditions: [condition('Issued', 'False', 'Expired'), condition('Revoked', 'True', 'Expired', 'gone')] }), { state: 'revoked', reason: 'Expired', message: 'gone' });
  });

  it('the ServiceAccount and lifetime of a token are read from its claims, never failing', () => {
    assert.deepEqual(tokenFacts(token()), { serviceAccount: { namespace: 'demo', name: 'v-alice-x' }, issuedAt: 1735689600, lifetimeSeconds: 3600 });
    assert.deepEqual(tokenFacts('not-a-jwt'), {});
  });
});
