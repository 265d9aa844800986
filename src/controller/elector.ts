// Leader election: the decisions of core/leader-election.ts, carried out on the Lease. The leader
// renews every retry period; a conflict or another holder ends its leadership at once, and so
// does a renewal deadline passed without a successful renewal (a timer, so a hung request cannot
// keep a deposed leader working). Followers try to acquire every retry period (with jitter).

import type { LeaseLock } from '../adapters/lease-lock.js';
import { nextAttempt, observe, releaseSpec, type ElectionTiming, type Observation } from '../core/leader-election.js';
import type { Logger } from './logger.js';
import { pause } from './pause.js';

export interface LeadershipEvents {
  started(): void;
  stopped(reason: string): void;
}

export class LeaderElector {
  private observation: Observation | undefined;
  private leading = false;
  private watchdog: NodeJS.Timeout | undefined;
  private attempt: Promise<void> = Promise.resolve();
  private lastHolder: string | undefined;

  constructor(
    private readonly lock: LeaseLock,
    private readonly identity: string,
    private readonly timing: ElectionTiming,
    private readonly events: LeadershipEvents,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns and renews until `signal` aborts; then call release(). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.attempt = this.step();
      await this.attempt;
      const period = this.timing.retryPeriodMs;
      await pause(this.leading ? period : period * (1 + this.random() * 0.2), signal);
    }
  }

  /** Steps down and clears the Lease's holder, so another replica takes over without waiting for it to expire. */
  async release(): Promise<void> {
    await this.attempt;
    if (this.leading) this.stop('shutting down');
    const release = releaseSpec(this.identity, this.observation, this.clock());
    if (!release) return;
    try {
      const written = await this.lock.update(release.spec, release.resourceVersion);
      if (written === 'conflict') this.log.warn('the Lease changed before it could be released; it expires on its own', { lease: this.lock.describe });
      else this.log.info('released the Lease', { lease: this.lock.describe });
    } catch (error) {
      this.log.warn('could not release the Lease; it expires on its own', { lease: this.lock.describe, error: (error as Error).message });
    }
  }

  /** One try to acquire or renew (client-go's tryAcquireOrRenew); run() calls it every retry period. */
  async step(): Promise<void> {
    const startedAt = this.clock();
    try {
      this.observation = observe(this.observation, await this.lock.get(), this.clock());
      const attempt = nextAttempt(this.identity, this.observation, this.timing, this.clock());
      if (attempt.kind === 'held') {
        if (this.leading) this.stop(`${attempt.holder} holds the Lease`);
        if (attempt.holder !== this.lastHolder) this.log.info('another replica leads', { lease: this.lock.describe, leader: attempt.holder });
        this.lastHolder = attempt.holder;
        return;
      }
      const written = attempt.kind === 'create' ? await this.lock.create(attempt.spec) : await this.lock.update(attempt.spec, attempt.resourceVersion);
      if (written === 'conflict') {
        if (this.leading) this.stop('the Lease was changed by another writer (conflict)');
        return;
      }
      this.observation = { ...written, observedAtMs: this.clock() };
      this.lastHolder = this.identity;
      this.renewed(startedAt);
    } catch (error) {
      this.log.warn(this.leading ? 'could not renew the Lease' : 'could not read or acquire the Lease', { lease: this.lock.describe, error: (error as Error).message });
    }
  }

  private renewed(at: number): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.stop('the Lease was not renewed before the renew deadline'), Math.max(0, at + this.timing.renewDeadlineMs - this.clock()));
    this.watchdog.unref();
    if (this.leading) return;
    this.leading = true;
    this.log.info('became the leader', { lease: this.lock.describe, identity: this.identity });
    this.events.started();
  }

  private stop(reason: string): void {
    clearTimeout(this.watchdog);
    if (!this.leading) return;
    this.leading = false;
    this.log.warn('stopped leading', { lease: this.lock.describe, reason });
    this.events.stopped(reason);
  }
}
