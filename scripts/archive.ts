// The release archives, written by Node itself: GNU tar's --sort/--owner are missing from macOS's
// bsdtar and Windows has no zip command, while these few lines behave the same on every runner.
// Deterministic: entries in the order given, owner 0:0, one mtime, gzip without a name or
// timestamp, so the same inputs give the same bytes.

import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';

export interface ArchiveEntry {
  name: string;
  /** Unix permission bits (0o755 for executables). */
  mode: number;
  data: Buffer;
}

const BLOCK = 512;

function tarHeader(entry: ArchiveEntry, mtime: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const octal = (value: number, offset: number, width: number) => header.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, 'ascii');
  if (Buffer.byteLength(entry.name) > 100) throw new Error(`${entry.name}: a tar entry name is at most 100 bytes here`);
  header.write(entry.name, 0, 'utf8');
  octal(entry.mode, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(entry.data.length, 124, 12);
  octal(mtime, 136, 12);
  header.write('        ', 148, 'ascii'); // the checksum counts its own field as spaces
  header.write('0', 156, 'ascii'); // a regular file
  header.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** A ustar archive, gzipped (Node's gzip header has no name and a zero timestamp). */
export function tarGz(entries: ArchiveEntry[], mtime: number): Buffer {
  const parts = entries.flatMap((entry) => [tarHeader(entry, mtime), entry.data, Buffer.alloc((BLOCK - (entry.data.length % BLOCK)) % BLOCK)]);
  return gzipSync(Buffer.concat([...parts, Buffer.alloc(2 * BLOCK)]), { level: 6 });
}

/** MS-DOS date and time (local fields, taken as UTC here; 2-second resolution, from 1980). */
function dosDateTime(mtime: number): { date: number; time: number } {
  const at = new Date(Math.max(mtime * 1000, Date.UTC(1980, 0, 1)));
  return {
    date: ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
  };
}

/** A zip archive (deflated entries, Unix modes kept in the external attributes). */
export function zip(entries: ArchiveEntry[], mtime: number): Buffer {
  const { date, time } = dosDateTime(mtime);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = deflateRawSync(entry.data, { level: constants.Z_DEFAULT_COMPRESSION });
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: deflate
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix (so the mode bits count), zip 2.0
    local.copy(central, 6, 4, 28); // version needed … name length, as in the local header
    central.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
