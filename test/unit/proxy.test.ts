import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyFor } from '../../src/adapters/proxy.ts';

const server = (url: string) => new URL(url);
const via = (url: string, env: Record<string, string>, proxyUrl?: string) => proxyFor(server(url), proxyUrl, env)?.href;
const P = 'http://proxy.corp:3128/';

describe('proxyFor: the proxy kubectl would use', () => {
  it("the kubeconfig's proxy-url always, even for loopback and NO_PROXY", () => {
    assert.equal(via('https://127.0.0.1:6443', { NO_PROXY: '*' }, 'http://127.0.0.1:8888'), 'http://127.0.0.1:8888/');
    assert.throws(() => via('https://k8s:6443', {}, 'http://[bad'), /proxy-url "http:\/\/\[bad" is not a URL/);
  });

  it('HTTPS_PROXY, else https_proxy; a bare host:port means http; no variable, no proxy', () => {
    assert.equal(via('https://k8s.corp:6443', { HTTPS_PROXY: P, https_proxy: 'http://other:1' }), P);
    assert.equal(via('https://k8s.corp:6443', { https_proxy: 'proxy.corp:3128' }), P);
    assert.equal(via('https://k8s.corp:6443', { HTTP_PROXY: P }), undefined);
    assert.equal(via('https://k8s.corp:6443', {}), undefined);
  });

  it('never for localhost or a loopback address', () => {
    for (const url of ['https://localhost:6443', 'https://127.0.0.1:6443', 'https://127.3.4.5', 'https://[::1]:6443', 'https://[::ffff:127.0.0.1]:6443']) {
      assert.equal(via(url, { HTTPS_PROXY: P }), undefined, url);
    }
    assert.equal(via('https://localhost.corp:6443', { HTTPS_PROXY: P }), P);
  });

  it('NO_PROXY (else no_proxy) as Go reads it', () => {
    const cases: [string, string, boolean][] = [
      ['https://k8s.corp:6443', '*', true],
      ['https://k8s.corp:6443', 'corp', true],
      ['https://corp', 'corp', true],
      ['https://k8s.corp', '.corp', true],
      ['https://corp', '.corp', false],
      ['https://k8s.corp', '*.corp', true],
      ['https://k8s.xcorp', 'corp', false],
      ['https://K8S.Corp:6443', ' other , K8s.CORP ', true],
      ['https://k8s.corp:6443', 'k8s.corp:6443', true],
      ['https://k8s.corp:6443', 'k8s.corp:443', false],
      ['https://k8s.corp', 'k8s.corp:443', true],
      ['https://10.1.2.3:6443', '10.1.2.3', true],
      ['https://10.1.2.3:6443', '10.1.2.3:6443', true],
      ['https://10.1.2.3:6443', '10.1.2.4', false],
      ['https://10.1.2.3:6443', '10.0.0.0/8', true],
      ['https://11.1.2.3:6443', '10.0.0.0/8', false],
      ['https://[fd00::1]:6443', 'fd00::/8', true],
      ['https://[fd00::1]:6443', '[fd00::1]:6443', true],
      ['https://k8s.corp', '10.0.0.0/8', false],
    ];
    for (const [url, noProxy, skipped] of cases) {
      assert.equal(via(url, { HTTPS_PROXY: P, NO_PROXY: noProxy }), skipped ? undefined : P, `${url} with NO_PROXY=${noProxy}`);
    }
    assert.equal(via('https://k8s.corp', { HTTPS_PROXY: P, no_proxy: 'corp' }), undefined);
    assert.equal(via('https://k8s.corp', { HTTPS_PROXY: P, NO_PROXY: 'other', no_proxy: 'corp' }), P);
  });
});
