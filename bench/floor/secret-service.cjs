// The floor of any exec credential plugin on Node that keeps its token in the Secret Service
// (gnome-keyring, KeePassXC…): start Node, load node:net, connect to the session bus,
// authenticate (EXTERNAL), and make the two round trips a read of one item takes at the least —
// its path (a search), then its secret — here as two Peer.Ping calls to the service, which it
// answers without looking anything up; then print the ExecCredential. P1 times it beside the
// keychain cache hit. The messages are constant bytes (made once with src/core/dbus-message.ts):
// Hello to the bus, Ping to org.freedesktop.secrets at /org/freedesktop/secrets.
// Usage: DBUS_SESSION_BUS_ADDRESS=unix:path=… node secret-service.cjs TOKEN_FILE
'use strict';
const { readFileSync, writeSync } = require('node:fs');
const { connect } = require('node:net');

const HELLO = Buffer.from('6c01000100000000010000006d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e4442757300000000030173000500000048656c6c6f00000006017300140000006f72672e667265656465736b746f702e4442757300000000', 'hex');
const ping = (serial) => {
  const message = Buffer.from('6c01000100000000020000008000000001016f00180000002f6f72672f667265656465736b746f702f73656372657473000000000000000002017300190000006f72672e667265656465736b746f702e444275732e5065657200000000000000030173000400000050696e670000000006017300170000006f72672e667265656465736b746f702e7365637265747300', 'hex');
  message.writeUInt32LE(serial, 8);
  return message;
};

const path = /unix:path=([^,;]+)/.exec(process.env.DBUS_SESSION_BUS_ADDRESS ?? '')?.[1];
if (!path) throw new Error('DBUS_SESSION_BUS_ADDRESS names no unix:path socket');
const socket = connect(path);
const auth = Buffer.from(`\0AUTH EXTERNAL ${Buffer.from(String(process.getuid())).toString('hex')}\r\nBEGIN\r\n`, 'latin1');
socket.on('connect', () => socket.write(Buffer.concat([auth, HELLO, ping(2)])));
// Replies (type 2) and errors (type 3) count; NameAcquired and other signals do not.
let received = Buffer.alloc(0);
let authenticated = false;
let replies = 0;
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  if (!authenticated) {
    const end = received.indexOf('\r\n');
    if (end < 0) return;
    authenticated = true;
    received = received.subarray(end + 2);
  }
  while (received.length >= 16) {
    const length = 16 + Math.ceil(received.readUInt32LE(12) / 8) * 8 + received.readUInt32LE(4);
    if (received.length < length) return;
    const type = received[1];
    received = received.subarray(length);
    if (type !== 2 && type !== 3) continue;
    replies += 1;
    if (replies === 2) socket.write(ping(3)); // Hello's and the first Ping's: the second round trip
    if (replies === 3) {
      socket.destroy();
      const token = readFileSync(process.argv[2], 'utf8').trim();
      writeSync(1, JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } }));
    }
  }
});
socket.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
