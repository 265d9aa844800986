// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics, as pure
// decisions: the adapter reads and writes the Lease (resourceVersion-guarded), this module says
// what to write. Time is passed in (milliseconds of this replica's clock).
//
// Expiry is judged the way client-go judges it: not by the holder's renewTime (another machine's
// clock), but by when this replica last saw the record change, plus the holder's lease duration.
// A holder that stops renewing leaves the record unchanged; once it has been unchanged for a
// lease duration, anyone may take it.

/** The Lease fields leader election uses (MicroTime values are RFC 3339 with microseconds). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface ElectionTiming {
  leaseDurationSeconds: number;
  /** A leader that has not renewed for this long stops working (shorter than the lease, so it stops before anyone may take over). */
  renewDeadlineMs: number;
  /** How often the leader renews and followers try to acquire. */
  retryPeriodMs: number;
}

/** client-go's defaults are 15 s / 10 s / 2 s: the deadline and period scale with the lease. */
export function electionTiming(leaseDurationSeconds: number): ElectionTiming {
  return { leaseDurationSeconds, renewDeadlineMs: Math.round((leaseDurationSeconds * 1000 * 2) / 3), retryPeriodMs: Math.round((leaseDurationSeconds * 1000) / 7.5) };
}

/** The Lease as this replica last saw it, and when (its clock) the record last changed. */
export interface Observation {
  spec: LeaseSpec;
  resourceVersion: string;
  observedAtMs: number;
}

export type Attempt =
  | { kind: 'create'; spec: LeaseSpec }
  | { kind: 'update'; spec: LeaseSpec; resourceVersion: string }
  | { kind: 'held'; holder: string; expiresAtMs: number };

const FIELDS = ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'] as const;

function sameRecord(a: LeaseSpec, b: LeaseSpec): boolean {
  return FIELDS.every((field) => (a[field] ?? null) === (b[field] ?? null));
}

/** The observation after reading the Lease (undefined: there is none); an unchanged record keeps its time. */
export function observe(previous: Observation | undefined, read: { spec: LeaseSpec; resourceVersion: string } | undefined, nowMs: number): Observation | undefined {
  if (!read) return undefined;
  if (previous && sameRecord(previous.spec, read.spec)) return { ...previous, resourceVersion: read.resourceVersion };
  return { spec: read.spec, resourceVersion: read.resourceVersion, observedAtMs: nowMs };
}

/** A Lease MicroTime. */
export function microTime(nowMs: number): string {
  return new Date(nowMs).toISOString().replace('Z', '000Z');
}

/** What to write to acquire or renew the Lease, or who holds it and until when (by this replica's clock). */
export function nextAttempt(identity: string, observation: Observation | undefined, timing: ElectionTiming, nowMs: number): Attempt {
  const now = microTime(nowMs);
  if (!observation) return { kind: 'create', spec: { holderIdentity: identity, leaseDurationSeconds: timing.leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
  const { spec } = observation;
  const holder = spec.holderIdentity ?? '';
  if (holder !== '' && holder !== identity) {
    const expiresAtMs = observation.observedAtMs + (spec.leaseDurationSeconds ?? timing.leaseDurationSeconds) * 1000;
    if (expiresAtMs > nowMs) return { kind: 'held', holder, expiresAtMs };
  }
  const renewing = holder === identity;
  return {
    kind: 'update',
    resourceVersion: observation.resourceVersion,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: timing.leaseDurationSeconds,
      acquireTime: renewing ? (spec.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: renewing ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    },
  };
}

/** What a leader writes to step down (client-go's release: no holder, a 1 s lease); undefined when it does not hold the Lease. */
export function releaseSpec(identity: string, observation: Observation | undefined, nowMs: number): { spec: LeaseSpec; resourceVersion: string } | undefined {
  if (!observation || observation.spec.holderIdentity !== identity) return undefined;
  const now = microTime(nowMs);
  return { resourceVersion: observation.resourceVersion, spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: observation.spec.leaseTransitions ?? 0 } };
}
