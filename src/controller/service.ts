// The controller as a service: an informer keeps a cache of CredentialRequests; while this
// replica leads, every changed key goes to the work queue and workers hand it to `reconcile`
// (supplied by the composition); a periodic resync queues every key again, to catch what a
// watch may have missed. On becoming leader every cached key is queued (an issuance a previous
// leader left half done is picked up); on losing the Lease the current reconciles are aborted
// and the queue dropped at once. Shutdown: stop taking work, let the current items finish
// (abort them after a grace period), stop watching, release the Lease.

import type { ResourceSource, WatchedObject } from '../adapters/watch.js';
import type { LeaseLock } from '../adapters/lease-lock.js';
import type { ElectionTiming } from '../core/leader-election.js';
import { LeaderElector } from './elector.js';
import { startHealthServer } from './health.js';
import { Informer } from './informer.js';
import type { Logger } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import { pause } from './pause.js';
import { WorkQueue } from './queue.js';

export interface ReconcileContext {
  /** Aborted when this replica stops leading or gives up the item at shutdown: stop, write nothing more. */
  signal: AbortSignal;
  log: Logger;
  /** The cached object (undefined: deleted). Level-triggered: what it is now, not the event that queued it. */
  object: WatchedObject | undefined;
  metrics: ControllerMetrics;
  /** Queue this key again after `ms` (a lease's expiry, the end of a retention), sooner if it changes. */
  requeueAfter(ms: number): void;
}

/** Moves one request one step toward what it asks; a throw retries the key later, with backoff. */
export type Reconcile = (key: string, context: ReconcileContext) => Promise<void>;

export interface ControllerOptions {
  source: ResourceSource;
  lock: LeaseLock;
  identity: string;
  timing: ElectionTiming;
  reconcile: Reconcile;
  log: Logger;
  metrics: ControllerMetrics;
  listen: { host: string; port: number };
  workers?: number;
  resyncPeriodMs?: number;
  shutdownGraceMs?: number;
}

export async function runController(options: ControllerOptions, shutdown: AbortSignal): Promise<void> {
  const { source, lock, identity, timing, reconcile, log, metrics, workers = 2, resyncPeriodMs = 10 * 60_000, shutdownGraceMs = 10_000 } = options;
  const queue = new WorkQueue();
  let leadership: AbortController | undefined;
  let stopping = false;
  const informer = new Informer(source, (key) => leadership && queue.add(key), log);
  const elector = new LeaderElector(lock, identity, timing, {
    started: () => {
      leadership = new AbortController();
      metrics.setLeader(true);
      informer.keys().forEach((key) => queue.add(key));
    },
    stopped: () => {
      leadership?.abort();
      leadership = undefined;
      metrics.setLeader(false);
      queue.clear();
    },
  }, log);

  const health = await startHealthServer(options.listen, {
    ready: () => (stopping ? { ok: false, reason: 'shutting down' } : informer.synced ? { ok: true } : { ok: false, reason: `${source.describe} not listed yet` }),
    metrics: () => metrics.render(),
  });
  log.info('serving /healthz, /readyz and /metrics', { address: health.address, identity, lease: lock.describe });

  const work = async () => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      const lead = leadership;
      try {
        if (!lead) continue;
        await reconcile(key, { signal: lead.signal, log: log.with({ key }), object: informer.get(key), metrics, requeueAfter: (ms) => queue.addAfter(key, ms) });
        queue.forget(key);
      } catch (error) {
        if (!lead!.signal.aborted) {
          log.error('reconcile failed; retrying with backoff', { key, error: (error as Error).message ?? String(error) });
          queue.retry(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };

  const running = new AbortController();
  const watching = informer.run(running.signal);
  const electing = elector.run(running.signal);
  const workersDone = Promise.all(Array.from({ length: workers }, work));
  const resync = setInterval(() => leadership && informer.keys().forEach((key) => queue.add(key)), resyncPeriodMs);

  await new Promise<void>((resolve) => (shutdown.aborted ? resolve() : shutdown.addEventListener('abort', () => resolve(), { once: true })));
  stopping = true;
  log.info('shutting down: finishing the current work', { graceMs: shutdownGraceMs });
  clearInterval(resync);
  queue.shutDown();
  const graceOver = new AbortController();
  const finished = await Promise.race([workersDone.then(() => true), pause(shutdownGraceMs, graceOver.signal).then(() => false)]);
  graceOver.abort();
  if (!finished) {
    log.warn('abandoning the work in progress (it is picked up again by the next leader)');
    leadership?.abort();
  }
  running.abort();
  await Promise.all([watching, electing]);
  await elector.release();
  await health.close();
  log.info('stopped');
}
