// A private session bus with an unlocked gnome-keyring, for timing the keychain cache hit the
// way a desktop has it (test/run.ts does the same for the tests). The bus lives while the
// returned handle is open; its keyring files live in a throwaway directory.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretService {
  /** DBUS_SESSION_BUS_ADDRESS of the private bus. */
  address: string;
  close(): Promise<void>;
}

/** undefined when dbus-run-session or gnome-keyring-daemon is missing. */
export async function startSecretService(): Promise<SecretService | undefined> {
  const keyrings = mkdtempSync(join(tmpdir(), 'tempcreds-bench-keyring-'));
  // The shell reports the bus address, then holds the session open until its stdin closes.
  const script = 'printf %s "$1" | XDG_DATA_HOME="$2" gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1; echo "$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null';
  const session = spawn('dbus-run-session', ['--', 'sh', '-c', script, 'sh', randomBytes(16).toString('hex'), keyrings], { stdio: ['pipe', 'pipe', 'ignore'] });
  const address = await new Promise<string | undefined>((resolve) => {
    let out = '';
    session.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    session.on('error', () => resolve(undefined));
    session.on('close', () => resolve(undefined));
  });
  const close = async () => {
    if (session.exitCode === null) {
      const closed = new Promise((resolve) => session.on('close', resolve));
      session.stdin.end();
      await closed;
    }
    rmSync(keyrings, { recursive: true, force: true });
  };
  if (!address) {
    await close();
    return undefined;
  }
  return { address, close };
}
