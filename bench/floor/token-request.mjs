// The floor of any Node.js tool that hands out a token: start Node, open one TLS connection
// with a client certificate, make one TokenRequest, print the token — node:https only, no
// Kubernetes client, no CLI framework. P2 times it beside `issue` and `kubectl create token`.
// Usage: node token-request.mjs SERVER CA CERT KEY NAMESPACE SERVICEACCOUNT SECONDS [SECRET SECRET_UID]
// With SECRET, the token is bound to that Secret (as the issuer guard requires, and as `issue` does).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const [server, ca, cert, key, namespace, serviceAccount, seconds, secret, secretUid] = process.argv.slice(2);
const boundObjectRef = secret ? { boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: secret, uid: secretUid } } : {};
const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: Number(seconds), ...boundObjectRef } });
const req = request(
  `${server}/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
  { method: 'POST', ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key), headers: { 'content-type': 'application/json' } },
  (res) => {
    let text = '';
    res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
    res.on('end', () => {
      if (res.statusCode !== 201) {
        process.stderr.write(`HTTP ${res.statusCode}\n`);
        process.exitCode = 1;
      } else process.stdout.write(`${JSON.parse(text).status.token}\n`);
    });
  },
);
req.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
req.end(body);
