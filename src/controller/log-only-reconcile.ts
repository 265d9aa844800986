// The reconcile until issuance lands (issue #15's next round): it logs each call, writes nothing.

import type { Reconcile } from './service.js';

export const logOnlyReconcile: Reconcile = async (_key, { log, object }) => {
  log.info('reconcile', { resourceVersion: object?.metadata?.resourceVersion, deleted: object === undefined, stub: true });
};
