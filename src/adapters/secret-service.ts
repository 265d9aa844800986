// Reading one secret from the freedesktop Secret Service (gnome-keyring, KeePassXC…) over the
// session bus directly, for the exec hit: keytar (libsecret) writes the entries, and the full
// path keeps using it for every write and delete. Two round trips: the authentication, Hello,
// a "plain" session (the secret crosses only this user's bus socket, as any same-user process
// could read it from the keychain anyway) and the search go out at once, then the item's secret
// is fetched. Only unlocked items are read: anything else is a miss for the full path to handle.

import { connect } from 'node:net';
import { decodeMessage, encodeMethodCall, messageLength, type DBusValue, type MethodCall, type Reply } from '../core/dbus-message.js';

const SECRETS = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';
const SERVICE_INTERFACE = 'org.freedesktop.Secret.Service';

/** The session bus socket from DBUS_SESSION_BUS_ADDRESS (unix:path / unix:abstract), else $XDG_RUNTIME_DIR/bus. */
export function sessionBusPath(env: NodeJS.ProcessEnv): string | undefined {
  const address = env.DBUS_SESSION_BUS_ADDRESS;
  if (!address) return env.XDG_RUNTIME_DIR ? `${env.XDG_RUNTIME_DIR}/bus` : undefined;
  for (const candidate of address.split(';')) {
    const [transport, params = ''] = candidate.split(/:(.*)/s) as [string, string?];
    if (transport !== 'unix') continue;
    const keys = new Map(params.split(',').map((pair) => pair.split(/=(.*)/s) as [string, string]));
    const unescape = (value: string) => value.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (keys.has('path')) return unescape(keys.get('path')!);
    if (keys.has('abstract')) return `\0${unescape(keys.get('abstract')!)}`;
  }
  return undefined;
}

/**
 * The secret of the first unlocked item whose attributes include `attributes`, as text;
 * undefined when there is none. Rejects when the bus or the service cannot answer in time.
 */
export async function lookupSecret(attributes: Record<string, string>, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  const path = sessionBusPath(env);
  if (!path) throw new Error('no D-Bus session bus');
  const uid = process.getuid?.();
  if (uid === undefined) throw new Error('no user id for D-Bus authentication');

  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => finish(new Error(`the Secret Service did not answer within ${timeoutMs / 1000}s`)), timeoutMs);
    let settled = false;
    const finish = (error: Error | undefined, secret?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(secret);
    };
    let serial = 0;
    const pending = new Map<number, (reply: Reply) => void>();
    const call = (message: Omit<MethodCall, 'serial' | 'destination'>, onReply: (reply: Reply) => void) => {
      pending.set(++serial, onReply);
      return encodeMethodCall({ ...message, serial, destination: message.path === '/org/freedesktop/DBus' ? 'org.freedesktop.DBus' : SECRETS });
    };
    const ok = (reply: Reply): DBusValue[] => {
      if (reply.type === 3) throw new Error(`${reply.errorName}: ${String(reply.body[0] ?? '')}`);
      return reply.body;
    };

    let session: string | undefined;
    let item: string | null | undefined; // null: found nothing unlocked
    const fetchWhenReady = () => {
      if (session === undefined || item === undefined) return;
      if (item === null) return finish(undefined, undefined);
      socket.write(
        call({ path: item, interface: 'org.freedesktop.Secret.Item', member: 'GetSecret', signature: 'o', body: [session] }, (reply) => {
          const [secret] = ok(reply) as [[string, Buffer | number[], number[], string]];
          finish(undefined, Buffer.from(secret[2] as number[]).toString('utf8'));
        }),
      );
    };
    const hello = call({ path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }, ok);
    const openSession = call(
      { path: SERVICE_PATH, interface: SERVICE_INTERFACE, member: 'OpenSession', signature: 'sv', body: ['plain', { signature: 's', value: '' }] },
      (reply) => {
        session = ok(reply)[1] as string;
        fetchWhenReady();
      },
    );
    const search = call(
      { path: SERVICE_PATH, interface: SERVICE_INTERFACE, member: 'SearchItems', signature: 'a{ss}', body: [new Map(Object.entries(attributes))] },
      (reply) => {
        const [unlocked] = ok(reply) as [string[]];
        item = unlocked[0] ?? null;
        fetchWhenReady();
      },
    );
    // EXTERNAL authentication with the uid (the bus checks it against the socket's credentials),
    // pipelined with the first calls as the specification allows.
    const auth = Buffer.from(`\0AUTH EXTERNAL ${Buffer.from(String(uid)).toString('hex')}\r\nBEGIN\r\n`, 'latin1');
    socket.on('connect', () => socket.write(Buffer.concat([auth, hello, openSession, search])));

    let received: Buffer = Buffer.alloc(0);
    let authenticated = false;
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      try {
        if (!authenticated) {
          const end = received.indexOf('\r\n');
          if (end < 0) return;
          const line = received.toString('latin1', 0, end);
          if (!line.startsWith('OK ')) throw new Error(`D-Bus authentication failed: ${line.slice(0, 80)}`);
          authenticated = true;
          received = received.subarray(end + 2);
        }
        for (let length = messageLength(received); length !== undefined; length = messageLength(received)) {
          const reply = decodeMessage(received.subarray(0, length));
          received = received.subarray(length);
          const onReply = reply.replySerial === undefined ? undefined : pending.get(reply.replySerial);
          if (!onReply || (reply.type !== 2 && reply.type !== 3)) continue; // signals, e.g. NameAcquired
          pending.delete(reply.replySerial!);
          onReply(reply);
        }
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('the D-Bus connection closed before the Secret Service answered')));
  });
}
