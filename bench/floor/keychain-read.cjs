// The keychain cache hit without the hit: start Node, load the tool's keychain reader
// (dist/exec/keychain.cjs: node:net and the D-Bus codec on Linux), read the entry from the Secret
// Service (authentication, Hello, a session and the search, then the secret: two round trips),
// print the ExecCredential. No memo, no trust checks, no lease record. P1 times it beside the
// keychain hit and floor/secret-service.cjs.
// Usage: DBUS_SESSION_BUS_ADDRESS=… node keychain-read.cjs CACHE_KEY
'use strict';
const { writeSync } = require('node:fs');
const { join } = require('node:path');

require(join(__dirname, '..', '..', 'dist', 'exec', 'keychain.cjs'))
  .recallKeychainEntry(process.argv[2], process.env)
  .then((entry) => {
    if (!entry) throw new Error('no keychain entry for that key');
    writeSync(1, JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: entry.token } }));
  });
