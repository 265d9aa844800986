// The controller's work queue, as client-go's: keys, not events, so a key changed ten times while
// it waited is reconciled once; never two workers on one key (a key added while it is processed
// waits until it is done); per-key exponential backoff for keys whose reconcile failed.

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => performance.now(),
};

/** setTimeout's limit (about 24.8 days): a later key is looked at then, and waits on. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The wait before the `failures`-th retry: base · 2^(failures−1), at most `maxMs`. */
export function retryDelayMs(failures: number, baseMs = 200, maxMs = 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting to be processed (queued, or to be queued again once their processing is done). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  /**
   * Keys waiting for a delay, by when they are due, under one timer for the earliest: every
   * issued request waits for its expiry here, and a timer each cost ~500 bytes a lease.
   */
  private readonly delayed = new Map<string, number>();
  private timer: { due: number; handle: unknown } | undefined;
  private readonly failures = new Map<string, number>();
  private stopped = false;

  constructor(private readonly timers: Timers = realTimers) {}

  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /**
   * Adds `key` after `ms` (none, or not a number: now). A key already waiting keeps the earlier
   * time: an issued request waits here for its expiry, and a retry must not wait that long.
   */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (!(ms > 0)) return this.add(key);
    const due = this.timers.now() + ms;
    const waiting = this.delayed.get(key);
    if (waiting !== undefined && waiting <= due) return;
    this.delayed.set(key, due);
    if (!this.timer || due < this.timer.due) this.arm(due);
  }

  private arm(due: number): void {
    if (this.timer) this.timers.clearTimeout(this.timer.handle);
    this.timer = { due, handle: this.timers.setTimeout(() => this.addDue(), Math.min(MAX_TIMER_MS, Math.max(0, due - this.timers.now()))) };
  }

  /** Queues the keys whose delay is over, and sets the timer for the next one. */
  private addDue(): void {
    this.timer = undefined;
    const now = this.timers.now();
    let next = Infinity;
    for (const [key, due] of this.delayed) {
      if (due <= now) {
        this.delayed.delete(key);
        this.add(key);
      } else next = Math.min(next, due);
    }
    if (next !== Infinity) this.arm(next);
  }

  /** After a failed reconcile: again, later each time. */
  retry(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    this.addAfter(key, retryDelayMs(failures));
  }

  /** After a successful reconcile: the next failure starts the backoff over. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key (now processing), or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.take(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of `key` ended; if it changed meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (!this.dirty.has(key)) return;
    this.dirty.delete(key);
    this.add(key);
  }

  /** Drops every waiting key and pending retry (leadership lost); keys being processed finish. */
  clear(): void {
    this.queue.length = 0;
    this.dirty.clear();
    if (this.timer) this.timers.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.delayed.clear();
    this.failures.clear();
  }

  /** No more work: waiting workers get undefined. */
  shutDown(): void {
    this.clear();
    this.stopped = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get length(): number {
    return this.queue.length;
  }

  private take(key: string): void {
    this.dirty.delete(key);
    this.processing.add(key);
  }
}
