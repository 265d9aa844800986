import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execApiVersion, renderExecCredential } from '../../src/core/exec-credential.ts';
import { invalid } from './fakes.ts';

const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

describe('execApiVersion', () => {
  it('unset or blank → v1 (run by hand)', () => {
    assert.equal(execApiVersion(undefined), V1);
    assert.equal(execApiVersion(''), V1);
    assert.equal(execApiVersion('  '), V1);
  });
  it('answers in the version kubectl asked for', () => {
    assert.equal(execApiVersion(JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', spec: { interactive: false } })), V1);
    assert.equal(
      execApiVersion(JSON.stringify({ apiVersion: V1BETA1, kind: 'ExecCredential', spec: { interactive: true, cluster: { server: 'https://x' } } })),
      V1BETA1,
    );
  });
  it('refuses bad JSON with exit code 2', () => {
    assert.throws(() => execApiVersion('{apiVersion'), invalid('KUBERNETES_EXEC_INFO is not valid JSON; it is set by kubectl, unset it to run this command by hand'));
  });
  it('refuses an unknown version with exit code 2', () => {
    assert.throws(
      () => execApiVersion(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1alpha1' })),
      invalid(
        'KUBERNETES_EXEC_INFO asks for apiVersion "client.authentication.k8s.io/v1alpha1"; supported: client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1 (set one in the kubeconfig\'s exec entry)',
      ),
    );
  });
  it('refuses JSON without an apiVersion with exit code 2', () => {
    for (const text of ['{}', '[]', '"v1"', 'null']) assert.throws(() => execApiVersion(text), invalid(/^KUBERNETES_EXEC_INFO /), text);
  });
});

describe('renderExecCredential', () => {
  it('prints one line of ExecCredential JSON with an RFC 3339 expiry without milliseconds', () => {
    const text = renderExecCredential(V1, 'tok3n', new Date('2025-01-01T01:02:03.456Z'));
    assert.equal(text, '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"expirationTimestamp":"2025-01-01T01:02:03Z","token":"tok3n"}}\n');
  });
  it('answers in v1beta1 when asked', () => {
    const credential = JSON.parse(renderExecCredential(V1BETA1, 't', new Date('2025-06-30T23:59:59.000Z')));
    assert.deepEqual(credential, { apiVersion: V1BETA1, kind: 'ExecCredential', spec: {}, status: { expirationTimestamp: '2025-06-30T23:59:59Z', token: 't' } });
  });
  it('escapes the token as JSON', () => {
    assert.equal(JSON.parse(renderExecCredential(V1, 'a"b\\c', new Date(0))).status.token, 'a"b\\c');
  });
});
