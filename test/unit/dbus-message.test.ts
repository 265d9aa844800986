// The D-Bus codec the keychain hit uses: what it sends decodes to what was meant, and replies
// of the Secret Service's shapes decode to plain values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMethodCall, messageLength, splitSignature } from '../../src/core/dbus-message.ts';
import { sessionBusPath } from '../../src/adapters/secret-service.ts';

const call = {
  serial: 7,
  destination: 'org.freedesktop.secrets',
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.Secret.Service',
  member: 'SearchItems',
};

describe('D-Bus messages', () => {
  it('splits signatures into complete types', () => {
    assert.deepEqual(splitSignature('a{ss}o(oayays)vas'), ['a{ss}', 'o', '(oayays)', 'v', 'as']);
    assert.throws(() => splitSignature('a{ss'), /bad D-Bus signature/);
  });

  it('encodes a method call that decodes to its arguments, aligned as the specification says', () => {
    const attributes = new Map([['service', 'kubectl-tempcreds'], ['account', 'a'.repeat(64)]]);
    const bytes = encodeMethodCall({ ...call, signature: 'a{ss}sv', body: [attributes, 'plain', { signature: 's', value: '' }] });
    assert.equal(bytes.toString('latin1', 0, 4), 'l\x01\x00\x01');
    assert.equal(bytes.readUInt32LE(8), 7);
    assert.equal(messageLength(bytes), bytes.length);
    assert.equal(messageLength(bytes.subarray(0, bytes.length - 1)), undefined, 'incomplete');
    const decoded = decodeMessage(bytes);
    assert.deepEqual(decoded.body, [attributes, 'plain', { signature: 's', value: '' }]);
    // The body starts 8-aligned after the header fields.
    assert.equal((bytes.length - bytes.readUInt32LE(4)) % 8, 0);
  });

  it('decodes a struct of object path, byte arrays and a string (a secret)', () => {
    const secret = [...Buffer.from('{"token":"t"}')];
    const bytes = encodeMethodCall({ ...call, signature: '(oayays)', body: [['/s/1', [], secret, 'text/plain']] });
    assert.deepEqual(decodeMessage(bytes).body, [['/s/1', [], secret, 'text/plain']]);
  });

  it('refuses a big-endian message rather than misread it', () => {
    const bytes = Buffer.from(encodeMethodCall(call));
    bytes[0] = 0x42;
    assert.throws(() => messageLength(bytes), /big-endian/);
  });
});

describe('the session bus address', () => {
  it('reads unix paths and abstract sockets, with escapes, and falls back to $XDG_RUNTIME_DIR/bus', () => {
    assert.equal(sessionBusPath({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/dbus-x,guid=1' }), '/tmp/dbus-x');
    assert.equal(sessionBusPath({ DBUS_SESSION_BUS_ADDRESS: 'tcp:host=h,port=1;unix:abstract=/tmp/a%2cb' }), '\0/tmp/a,b');
    assert.equal(sessionBusPath({ XDG_RUNTIME_DIR: '/run/user/1' }), '/run/user/1/bus');
    assert.equal(sessionBusPath({ DBUS_SESSION_BUS_ADDRESS: 'tcp:host=h,port=1' }), undefined);
  });
});
