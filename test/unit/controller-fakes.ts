// Fakes for the controller's ports: a Lease in memory with the API server's resourceVersion
// check, and a resource source whose lists are scripted and whose watches the test drives.

import type { LeaseLock, LeaseRead } from '../../src/adapters/lease-lock.ts';
import type { ListPage, ResourceSource, WatchEventHandler, WatchedObject } from '../../src/adapters/watch.ts';
import type { LeaseSpec } from '../../src/core/leader-election.ts';

/** A Lease in memory with the API server's resourceVersion check. */
export class MemoryLease implements LeaseLock {
  readonly describe = 'test/lease';
  stored: LeaseRead | undefined;
  private version = 0;
  failNext: 'conflict' | Error | undefined;

  async get() {
    if (this.failNext instanceof Error) throw this.failNext;
    return this.stored && structuredClone(this.stored);
  }

  async create(spec: LeaseSpec) {
    if (this.stored) return 'conflict' as const;
    return this.write(spec);
  }

  async update(spec: LeaseSpec, resourceVersion: string) {
    const injected = this.failNext;
    this.failNext = undefined;
    if (injected === 'conflict' || this.stored?.resourceVersion !== resourceVersion) return 'conflict' as const;
    return this.write(spec);
  }

  /** Another replica writes the Lease as its holder. */
  steal(holder: string): void {
    this.write({ holderIdentity: holder, leaseDurationSeconds: 60 });
  }

  private write(spec: LeaseSpec): LeaseRead {
    this.stored = { spec: structuredClone(spec), resourceVersion: String(++this.version) };
    return structuredClone(this.stored);
  }
}

export const object = (name: string, resourceVersion: string): WatchedObject => ({ metadata: { namespace: 'ns', name, resourceVersion } });

export function scriptedSource(lists: ListPage[][]) {
  const watches: { from: string; emit: WatchEventHandler; end: (error: unknown) => void; aborted: boolean }[] = [];
  const listQueries: (string | undefined)[] = [];
  let listed = 0;
  /** How many of the next watches fail to start (HTTP 500). */
  const failing = { watches: 0 };
  const source: ResourceSource = {
    describe: 'things',
    list: async (query) => {
      listQueries.push(query.continue);
      const pages = lists[listed]!;
      const index = query.continue ? Number(query.continue) : 0;
      if (index === pages.length - 1) listed++;
      return pages[index]!;
    },
    watch: async (from, emit, end) => {
      if (failing.watches > 0) {
        failing.watches--;
        throw Object.assign(new Error('Internal Server Error'), { statusCode: 500 });
      }
      const watch = { from, emit, end, aborted: false };
      watches.push(watch);
      return { abort: () => (watch.aborted = true) };
    },
  };
  return { source, watches, listQueries, failing };
}

/** Polls until `condition` holds (a bound against hanging, not a timing assertion). */
export async function until(condition: () => boolean, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} never held`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

