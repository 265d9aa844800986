// The controller's reconcile: the watched object handed to the use case (app/reconcile-request.ts),
// what it did logged (never a token: results hold none) and counted, and the request looked at
// again when its lease expires or its retention ends.

import { reconcileRequest, type CredentialRequestObject, type ReconcileDeps } from '../app/reconcile-request.js';
import { requestPhase } from '../core/request-status.js';
import type { WatchedObject } from '../adapters/watch.js';
import type { Reconcile } from './service.js';

function isCredentialRequest(object: WatchedObject): object is WatchedObject & CredentialRequestObject {
  const { metadata, spec } = object as Partial<CredentialRequestObject>;
  return typeof metadata?.uid === 'string' && typeof metadata.resourceVersion === 'string' && typeof spec?.role === 'string' && typeof spec.namespace === 'string';
}

export function requestReconcile(deps: Omit<ReconcileDeps, 'signal'>): Reconcile {
  /** Keys of requests with a live lease, for the live leases gauge. */
  const live = new Set<string>();
  return async (key, { signal, log, object, metrics, requeueAfter }) => {
    if (!object || !isCredentialRequest(object)) {
      // Gone (its finalizer was removed once its lease was revoked), or not readable as a request.
      if (object) log.warn('not a CredentialRequest this controller can read: skipped');
      live.delete(key);
      metrics.setLiveLeases(live.size);
      return;
    }
    const result = await reconcileRequest({ ...deps, signal }, object);
    log.info('reconcile', { resourceVersion: object.metadata.resourceVersion, did: result.did, ...(result.reason ? { reason: result.reason } : {}) });
    for (const warning of result.warnings ?? []) log.warn(warning);
    if (result.did === 'issued' || result.did === 'denied' || result.did === 'failed') metrics.recordOutcome(result.did);
    if (result.issuanceSeconds !== undefined) metrics.observeIssuance(result.issuanceSeconds);
    const leased = result.did === 'issued' || (result.did === 'waiting' && requestPhase(object.status) === 'issued');
    if (leased) live.add(key);
    else if (result.did !== 'conflict') live.delete(key);
    metrics.setLiveLeases(live.size);
    if (result.requeueAfterMs !== undefined) requeueAfter(result.requeueAfterMs + 1000);
  };
}
