// Just enough of the D-Bus wire format (little-endian method calls out; replies in, either
// byte order refused) for the exec hit to read one Secret Service item without libsecret:
// loading keytar, glib and its worker threads and negotiating a Diffie-Hellman session cost a
// keychain hit about as much as starting Node. Pure: bytes in, values out.

export type DBusValue = number | boolean | string | DBusValue[] | Map<DBusValue, DBusValue> | { signature: string; value: DBusValue };

export interface MethodCall {
  serial: number;
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  /** Top-level arguments, one complete type of `signature` each. */
  body?: DBusValue[];
}

export interface Reply {
  /** 2: method return, 3: error (body[0] is its message). Signals (4) are returned too, to be skipped. */
  type: number;
  replySerial?: number;
  errorName?: string;
  body: DBusValue[];
}

const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, a: 4, '(': 8, '{': 8, v: 1, h: 4 };

/** The first complete type of `signature` from `at`, e.g. `a{ss}` of `a{ss}o`. */
function completeType(signature: string, at: number): string {
  let end = at;
  while (signature[end] === 'a') end++;
  const open = signature[end];
  if (open === '(' || open === '{') {
    const close = open === '(' ? ')' : '}';
    let depth = 0;
    for (; end < signature.length; end++) {
      if (signature[end] === open) depth++;
      else if (signature[end] === close && --depth === 0) break;
    }
  }
  if (end >= signature.length) throw new Error(`bad D-Bus signature ${signature}`);
  return signature.slice(at, end + 1);
}

export function splitSignature(signature: string): string[] {
  const types: string[] = [];
  for (let at = 0; at < signature.length; ) {
    const type = completeType(signature, at);
    types.push(type);
    at += type.length;
  }
  return types;
}

class Writer {
  private bytes = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.bytes.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  byte(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }
  uint32(value: number): void {
    this.align(4);
    this.room(4);
    this.bytes.writeUInt32LE(value, this.length);
    this.length += 4;
  }
  patch32(at: number, value: number): void {
    this.bytes.writeUInt32LE(value, at);
  }
  raw(data: Buffer): void {
    this.room(data.length);
    data.copy(this.bytes, this.length);
    this.length += data.length;
  }
  value(type: string, value: DBusValue): void {
    const code = type[0]!;
    switch (code) {
      case 'y':
        return this.byte(value as number);
      case 'b':
        return this.uint32(value ? 1 : 0);
      case 'u':
        return this.uint32(value as number);
      case 's':
      case 'o': {
        const text = Buffer.from(value as string, 'utf8');
        this.uint32(text.length);
        this.raw(text);
        return this.byte(0);
      }
      case 'g': {
        const text = Buffer.from(value as string, 'latin1');
        this.byte(text.length);
        this.raw(text);
        return this.byte(0);
      }
      case 'v': {
        const variant = value as { signature: string; value: DBusValue };
        this.value('g', variant.signature);
        return this.value(variant.signature, variant.value);
      }
      case '(': {
        this.align(8);
        const members = splitSignature(type.slice(1, -1));
        members.forEach((member, i) => this.value(member, (value as DBusValue[])[i]!));
        return;
      }
      case 'a': {
        const element = type.slice(1);
        this.uint32(0);
        const lengthAt = this.length - 4;
        this.align(ALIGN[element[0]!]!);
        const start = this.length;
        if (element[0] === '{') {
          const [keyType, valueType] = splitSignature(element.slice(1, -1)) as [string, string];
          for (const [key, entry] of value as Map<DBusValue, DBusValue>) {
            this.align(8);
            this.value(keyType, key);
            this.value(valueType, entry);
          }
        } else for (const item of value as DBusValue[]) this.value(element, item);
        return this.patch32(lengthAt, this.length - start);
      }
      default:
        throw new Error(`D-Bus type ${code} is not supported here`);
    }
  }
  done(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}

/** A METHOD_CALL message, little-endian. */
export function encodeMethodCall(call: MethodCall): Buffer {
  const body = new Writer();
  const types = splitSignature(call.signature ?? '');
  types.forEach((type, i) => body.value(type, call.body![i]!));
  const fields: DBusValue[] = [
    [1, { signature: 'o', value: call.path }],
    [2, { signature: 's', value: call.interface }],
    [3, { signature: 's', value: call.member }],
    [6, { signature: 's', value: call.destination }],
    ...(types.length > 0 ? [[8, { signature: 'g', value: call.signature! }]] : []),
  ];
  const message = new Writer();
  for (const byte of [0x6c /* l */, 1 /* METHOD_CALL */, 0, 1]) message.byte(byte);
  message.uint32(body.length);
  message.uint32(call.serial);
  message.value('a(yv)', fields);
  message.align(8);
  message.raw(body.done());
  return message.done();
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    public at: number,
    private readonly origin: number,
  ) {}

  align(n: number): void {
    this.at += (n - ((this.at - this.origin) % n)) % n;
  }
  need(n: number): void {
    if (this.at + n > this.bytes.length) throw new Error('truncated D-Bus message');
  }
  uint32(): number {
    this.align(4);
    this.need(4);
    const value = this.bytes.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }
  value(type: string): DBusValue {
    const code = type[0]!;
    switch (code) {
      case 'y':
        this.need(1);
        return this.bytes[this.at++]!;
      case 'b':
        return this.uint32() !== 0;
      case 'u':
      case 'h':
        return this.uint32();
      case 'i': {
        const value = this.uint32();
        return value | 0;
      }
      case 's':
      case 'o': {
        const length = this.uint32();
        this.need(length + 1);
        const text = this.bytes.toString('utf8', this.at, this.at + length);
        this.at += length + 1;
        return text;
      }
      case 'g': {
        this.need(1);
        const length = this.bytes[this.at++]!;
        this.need(length + 1);
        const text = this.bytes.toString('latin1', this.at, this.at + length);
        this.at += length + 1;
        return text;
      }
      case 'v': {
        const signature = this.value('g') as string;
        return { signature, value: this.value(completeType(signature, 0)) };
      }
      case '(':
      case '{': {
        this.align(8);
        return splitSignature(type.slice(1, -1)).map((member) => this.value(member));
      }
      case 'a': {
        const length = this.uint32();
        const element = type.slice(1);
        this.align(ALIGN[element[0]!]!);
        const end = this.at + length;
        this.need(length);
        const items: DBusValue[] = [];
        while (this.at < end) items.push(this.value(element));
        if (element[0] !== '{') return items;
        return new Map(items.map((pair) => pair as [DBusValue, DBusValue]));
      }
      default:
        throw new Error(`D-Bus type ${code} is not supported here`);
    }
  }
}

/** Bytes of the first whole message in `bytes`, or undefined while more are needed. */
export function messageLength(bytes: Buffer): number | undefined {
  if (bytes.length < 16) return undefined;
  if (bytes[0] !== 0x6c) throw new Error('a big-endian D-Bus message is not supported here');
  const fields = bytes.readUInt32LE(12);
  const total = 16 + fields + ((8 - (fields % 8)) % 8) + bytes.readUInt32LE(4);
  return bytes.length >= total ? total : undefined;
}

/** One whole message, as messageLength measured it. */
export function decodeMessage(bytes: Buffer): Reply {
  const header = new Reader(bytes, 12, 0);
  const fields = header.value('a(yv)') as [number, { value: DBusValue }][];
  header.align(8);
  const field = (code: number) => fields.find(([c]) => c === code)?.[1].value;
  const signature = (field(8) as string | undefined) ?? '';
  const body = new Reader(bytes, header.at, header.at);
  return {
    type: bytes[1]!,
    replySerial: field(5) as number | undefined,
    errorName: field(4) as string | undefined,
    body: splitSignature(signature).map((type) => body.value(type)),
  };
}
