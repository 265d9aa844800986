import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redact, renderLogLine } from '../../src/core/log-line.ts';
import { parseListenAddress } from '../../src/core/listen-address.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ sub: 'system:serviceaccount:demo:app' })}.${'s'.repeat(86)}`;
const JWE = `${b64({ alg: 'ECDH-ES', enc: 'A256GCM', epk: { kty: 'OKP', crv: 'X25519', x: 'abc' } })}..${'i'.repeat(16)}.${'c'.repeat(400)}.${'t'.repeat(22)}`;
const NOW = new Date('2026-11-30T08:00:00.000Z');

describe('structured log lines', () => {
  it('is one JSON object: time, level, msg first, then the fields; fields cannot overwrite them', () => {
    const line = renderLogLine('info', 'became the leader', { lease: 'tempcreds-system/tempcreds-controller', level: 'forged', count: 2 }, NOW);
    assert.ok(!line.includes('\n'));
    assert.deepEqual(Object.entries(JSON.parse(line) as object), [['time', '2026-11-30T08:00:00.000Z'], ['level', 'info'], ['msg', 'became the leader'], ['lease', 'tempcreds-system/tempcreds-controller'], ['count', 2]]);
  });

  it('never logs a JWT, a compact JWE, a bootstrap token or a Bearer credential, wherever it hides', () => {
    const line = renderLogLine(
      'error',
      `could not write status: the API server answered {"token":"${JWE}"}`,
      {
        error: new Error(`401 for Bearer ${'x'.repeat(40)} and ${JWT}`),
        nested: { list: [JWT, { deeper: `status.token=${JWE}` }] },
        header: 'Authorization: Basic dXNlcjpwYXNz',
        bootstrap: 'abcdef.0123456789abcdef',
        token: 'opaque-but-named-token',
        privateKey: { kty: 'OKP', d: 'secret-scalar' },
      },
      NOW,
    );
    for (const secret of [JWT, JWE, 'x'.repeat(40), 'dXNlcjpwYXNz', 'abcdef.0123456789abcdef', 'opaque-but-named-token', 'secret-scalar', JWT.split('.')[1]!, JWE.split('.')[3]!]) {
      assert.ok(!line.includes(secret), `${secret.slice(0, 20)}… leaked: ${line}`);
    }
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.equal(parsed.msg, `could not write status: the API server answered {"token":"${REDACTED}"}`);
    assert.equal(parsed.error, `401 for Bearer ${REDACTED} and ${REDACTED}`);
    assert.equal(parsed.token, REDACTED);
  });

  it('keeps what is not secret as it is: keys, names, versions, numbers, booleans', () => {
    const fields = { key: 'team-a/req-x7k2', resourceVersion: '12345', deleted: false, leaseId: 'sample-app/abc123def456', address: '127.0.0.1:8081', version: 'v1.35.4' };
    assert.deepEqual(redact(fields), fields);
  });
});

describe('--health-addr', () => {
  it('takes host:port, [v6]:port and :port', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:8081'), { host: '127.0.0.1', port: 8081 });
    assert.deepEqual(parseListenAddress(':8081'), { host: '0.0.0.0', port: 8081 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('localhost:9090'), { host: 'localhost', port: 9090 });
    for (const bad of ['8081', '127.0.0.1', '127.0.0.1:99999', 'a b:1', '::1:80', '']) assert.equal(parseListenAddress(bad), undefined, bad);
  });
});
