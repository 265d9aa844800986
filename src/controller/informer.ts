// A cache of one resource kept current by list + watch, as client-go's reflector keeps it: list
// (in pages) once, then watch from the list's resourceVersion with bookmarks, re-watch from the
// last resourceVersion seen when a watch ends, re-list when that version is too old (410 Gone),
// and back off exponentially while the API server cannot be reached. Every key whose object
// changed (a new resourceVersion, or deleted) is handed to `onChange`, once per change: a re-list
// passes on only what differs from the cache.

import { httpStatusOf, type ResourceSource, type WatchedObject } from '../adapters/watch.js';
import type { Logger } from './logger.js';
import { pause } from './pause.js';
import { retryDelayMs } from './queue.js';

const PAGE_SIZE = 500;

export const keyOf = (object: WatchedObject): string => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

class Expired extends Error {}

export class Informer {
  private store = new Map<string, WatchedObject>();
  private syncedOnce = false;

  constructor(
    private readonly source: ResourceSource,
    private readonly onChange: (key: string) => void,
    private readonly log: Logger,
  ) {}

  /** True once the first list is in the cache. */
  get synced(): boolean {
    return this.syncedOnce;
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  get(key: string): WatchedObject | undefined {
    return this.store.get(key);
  }

  /** Lists and watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          resourceVersion = await this.relist();
          if (!this.syncedOnce) this.log.info('cache synced', { resource: this.source.describe, objects: this.store.size });
          this.syncedOnce = true;
        }
        const ended = await this.watch(resourceVersion, signal);
        resourceVersion = ended.resourceVersion;
        failures = ended.progressed ? 0 : failures + 1;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof Expired || httpStatusOf(error) === 410) {
          this.log.info('re-listing: the watched resourceVersion is too old (410 Gone)', { resource: this.source.describe });
          resourceVersion = undefined;
          continue;
        }
        failures += 1;
        this.log.warn('list or watch failed; retrying', { resource: this.source.describe, error: (error as Error).message ?? String(error), retryInMs: retryDelayMs(failures, 500, 30_000) });
      }
      if (failures > 0) await pause(retryDelayMs(failures, 500, 30_000), signal);
    }
  }

  private async relist(): Promise<string> {
    const fresh = new Map<string, WatchedObject>();
    let next: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.source.list({ limit: PAGE_SIZE, ...(next ? { continue: next } : {}) });
      for (const item of page.items) fresh.set(keyOf(item), item);
      next = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (next);
    const changed = [...fresh].filter(([key, item]) => this.store.get(key)?.metadata?.resourceVersion !== item.metadata?.resourceVersion).map(([key]) => key);
    const deleted = [...this.store.keys()].filter((key) => !fresh.has(key));
    this.store = fresh;
    [...changed, ...deleted].forEach(this.onChange);
    return resourceVersion;
  }

  /** One watch, until it ends: the last resourceVersion seen, and whether any event came. */
  private watch(from: string, signal: AbortSignal): Promise<{ resourceVersion: string; progressed: boolean }> {
    let resourceVersion = from;
    let progressed = false;
    return new Promise((resolve, reject) => {
      let settled = false;
      let handle: { abort(): void } | undefined;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        handle?.abort();
        if (error && !signal.aborted) reject(error);
        else resolve({ resourceVersion, progressed });
      };
      const onAbort = () => finish();
      signal.addEventListener('abort', onAbort, { once: true });
      this.source
        .watch(
          from,
          (type, object) => {
            if (settled) return;
            progressed = true;
            if (type === 'ERROR') return finish(object.code === 410 ? new Expired() : new Error(`the watch failed: ${object.message ?? `code ${object.code}`}`));
            const version = object.metadata?.resourceVersion;
            if (version) resourceVersion = version;
            if (type === 'BOOKMARK') return;
            const key = keyOf(object);
            if (type === 'DELETED') {
              this.store.delete(key);
            } else {
              if (this.store.get(key)?.metadata?.resourceVersion === version) return;
              this.store.set(key, object);
            }
            this.onChange(key);
          },
          (error) => finish(error ?? undefined),
        )
        .then((opened) => {
          handle = opened;
          if (settled) opened.abort();
        }, finish);
    });
  }
}
