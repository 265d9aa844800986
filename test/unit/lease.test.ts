import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  LEASE_SUFFIX_BYTES,
  caDigestOf,
  clusterMismatch,
  deletionRounds,
  formatLeaseId,
  isExpired,
  leaseLabels,
  leaseIdFromInput,
  leaseSelector,
  leaseSuffixFrom,
  parseLeaseId,
  roleSelector,
  vaultLeaseId,
} from '../../src/core/lease.ts';
import { FIXED_BYTES, FIXED_SUFFIX, NOW, invalid, secondsAfter } from './fakes.ts';

describe('leaseSuffixFrom', () => {
  it('needs 12 random bytes', () => {
    assert.equal(LEASE_SUFFIX_BYTES, 12);
    assert.throws(() => leaseSuffixFrom(new Uint8Array(11)), { message: 'need 12 random bytes' });
  });
  it('maps bytes onto lower-case letters and digits', () => {
    assert.equal(leaseSuffixFrom(FIXED_BYTES), FIXED_SUFFIX);
    assert.equal(leaseSuffixFrom(Uint8Array.from({ length: 12 }, (_, index) => 24 + index)), 'yz0123456789');
  });
  it('uses only the first 12 bytes', () => {
    assert.equal(leaseSuffixFrom(Uint8Array.from([...FIXED_BYTES, 35, 35])), FIXED_SUFFIX);
  });
  it('always yields 12 characters of [a-z0-9], for every byte value', () => {
    for (let start = 0; start < 256; start += 12) {
      const bytes = Uint8Array.from({ length: 12 }, (_, index) => (start + index) % 256);
      assert.match(leaseSuffixFrom(bytes), /^[a-z0-9]{12}$/);
    }
  });
  it('the alphabet has all 36 characters', () => {
    const seen = new Set<string>();
    for (let byte = 0; byte < 256; byte++) seen.add(leaseSuffixFrom(new Uint8Array(12).fill(byte))[0]!);
    assert.equal(seen.size, 36);
  });
});

describe('lease ids', () => {
  it('formatLeaseId is ROLE/SUFFIX', () => assert.equal(formatLeaseId('reader', FIXED_SUFFIX), `reader/${FIXED_SUFFIX}`));
  it('parseLeaseId accepts ROLE/12-char id', () => {
    assert.deepEqual(parseLeaseId(`reader/${FIXED_SUFFIX}`), { role: 'reader', suffix: FIXED_SUFFIX });
    assert.deepEqual(parseLeaseId('ci-deploy-2/0123456789ab'), { role: 'ci-deploy-2', suffix: '0123456789ab' });
  });
  for (const id of ['', 'reader', `reader/`, `/${FIXED_SUFFIX}`, 'reader/abc', 'reader/abcdefghijklm', 'reader/ABCDEFGHIJKL', 'reader/abcdefghijk-', `Reader/${FIXED_SUFFIX}`, `a/b/${FIXED_SUFFIX}`, `reader/${FIXED_SUFFIX}/x`]) {
    it(`parseLeaseId refuses ${JSON.stringify(id)}`, () => {
      assert.throws(() => parseLeaseId(id), invalid(`"${id}" is not a lease id (expected ROLE/ID as printed by issue or lease list)`));
    });
  }
});

describe("lease ids in Vault's form", () => {
  it('vaultLeaseId is kubernetes/creds/ROLE/ID', () => assert.equal(vaultLeaseId(`reader/${FIXED_SUFFIX}`), `kubernetes/creds/reader/${FIXED_SUFFIX}`));
  it('leaseIdFromInput takes ROLE/ID and kubernetes/creds/ROLE/ID, giving ROLE/ID', () => {
    assert.equal(leaseIdFromInput(`reader/${FIXED_SUFFIX}`), `reader/${FIXED_SUFFIX}`);
    assert.equal(leaseIdFromInput(`kubernetes/creds/reader/${FIXED_SUFFIX}`), `reader/${FIXED_SUFFIX}`);
  });
  for (const id of ['kubernetes/creds/', `kubernetes/creds/reader/${FIXED_SUFFIX}/x`, `other/creds/reader/${FIXED_SUFFIX}`, `kubernetes/creds/kubernetes/creds/reader/${FIXED_SUFFIX}`]) {
    it(`leaseIdFromInput refuses ${JSON.stringify(id)}, naming it as given`, () => {
      assert.throws(() => leaseIdFromInput(id), invalid(`"${id}" is not a lease id (expected ROLE/ID as printed by issue or lease list)`));
    });
  }
  it("parseLeaseId (what records are checked with) does not take Vault's form", () => {
    assert.throws(() => parseLeaseId(`kubernetes/creds/reader/${FIXED_SUFFIX}`), invalid(/is not a lease id/));
  });
});

describe('isExpired', () => {
  const lease = { expiresAt: secondsAfter(NOW, 60).toISOString() };
  it('is false before the expiry', () => assert.equal(isExpired(lease, secondsAfter(NOW, 59)), false));
  it('is true at the expiry', () => assert.equal(isExpired(lease, secondsAfter(NOW, 60)), true));
  it('is true after the expiry', () => assert.equal(isExpired(lease, secondsAfter(NOW, 61)), true));
});

describe('labels and selectors', () => {
  it('leaseLabels mark the manager, the role and the lease', () => {
    assert.deepEqual(leaseLabels('reader', FIXED_SUFFIX), {
      'app.kubernetes.io/managed-by': 'kubectl-tempcreds',
      'tempcreds.dev/role': 'reader',
      'tempcreds.dev/lease': FIXED_SUFFIX,
    });
  });
  it('leaseSelector selects one lease', () => {
    assert.equal(leaseSelector(parseLeaseId(`reader/${FIXED_SUFFIX}`)), `app.kubernetes.io/managed-by=kubectl-tempcreds,tempcreds.dev/role=reader,tempcreds.dev/lease=${FIXED_SUFFIX}`);
  });
  it('roleSelector selects the objects of every lease of a role', () => {
    assert.equal(roleSelector('reader'), 'app.kubernetes.io/managed-by=kubectl-tempcreds,tempcreds.dev/role=reader');
  });
});

describe('clusterMismatch: a lease is revoked only on the cluster it was issued on', () => {
  const ca = Buffer.from('the CA').toString('base64');
  const lease = { cluster: 'https://127.0.0.1:6443', clusterCaDigest: caDigestOf(ca) };
  const issuer = { context: 'issuer', server: 'https://127.0.0.1:6443', certificateAuthorityData: ca };
  it('same server and CA: none', () => assert.equal(clusterMismatch(lease, issuer), undefined));
  it('a trailing slash is the same server', () => assert.equal(clusterMismatch(lease, { ...issuer, server: 'https://127.0.0.1:6443/' }), undefined));
  it('another server, whatever the context is called', () => {
    assert.match(clusterMismatch(lease, { ...issuer, server: 'https://localhost:6443' })!, /^it was issued on cluster https:\/\/127\.0\.0\.1:6443, but context "issuer" points at https:\/\/localhost:6443: not revoked, its record is kept/);
  });
  it('the same server with another CA', () => {
    assert.match(clusterMismatch(lease, { ...issuer, certificateAuthorityData: Buffer.from('another').toString('base64') })!, /points at the same server with another CA/);
    assert.match(clusterMismatch(lease, { context: 'issuer', server: issuer.server })!, /another CA \(sha256 none/);
  });
  it('a record without a CA digest (older records) compares the server only', () => {
    assert.equal(clusterMismatch({ cluster: lease.cluster }, { ...issuer, certificateAuthorityData: undefined }), undefined);
  });
  it('caDigestOf hashes the decoded CA data; no data, no digest', () => {
    assert.equal(caDigestOf(ca), createHash('sha256').update('the CA').digest('hex'));
    assert.equal(caDigestOf(undefined), undefined);
  });
});

describe('deletionRounds', () => {
  it('bindings, then roles and the ServiceAccount, then the anchor; empty rounds left out', () => {
    const ref = (kind: string) => ({ apiVersion: 'v1', kind, name: 'tc-x', ...(kind.startsWith('Cluster') ? {} : { namespace: 'dev' }) });
    const kinds = (rounds: { kind: string }[][]) => rounds.map((round) => round.map((object) => object.kind));
    assert.deepEqual(kinds(deletionRounds(['Secret', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].map(ref))), [
      ['ClusterRoleBinding', 'RoleBinding'],
      ['ServiceAccount', 'ClusterRole', 'Role'],
      ['Secret'],
    ]);
    assert.deepEqual(kinds(deletionRounds([ref('Secret')])), [['Secret']]);
    assert.deepEqual(deletionRounds([]), []);
  });
});
