// The controller process's composition root: the kubeconfig (in a Pod: its ServiceAccount),
// the checks before starting, the Lease, the watched resource, the reconcile, signals.

import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { cachedRequest, CredentialRequestStore } from '../adapters/credential-requests.js';
import { KubeConnection } from '../adapters/kube-connections.js';
import { KubeClient, loadKubeConfig } from '../adapters/kube.js';
import { KubeLeaseLock } from '../adapters/lease-lock.js';
import { kubeResourceSource } from '../adapters/watch.js';
import { CREDENTIAL_REQUESTS, TEMPCREDS_GROUP, TEMPCREDS_VERSION, crdName } from '../core/delegation-names.js';
import { electionTiming } from '../core/leader-election.js';
import { faultsFrom } from '../test-hooks/faults.js';
import { clusterRoleLookup } from './role-lookup.js';
import { requestReconcile } from './request-reconcile.js';
import { createLogger } from './logger.js';
import { ControllerMetrics } from './metrics.js';
import { checkInstalled } from './preflight.js';
import { runController } from './service.js';

export interface ControllerSettings {
  kubeconfig?: string;
  context?: string;
  /** Where the leader election Lease lives. */
  namespace: string;
  leaseName: string;
  listen: { host: string; port: number };
  /** Default: hostname_uuid, unique per process like client-go's. */
  identity?: string;
  leaseDurationSeconds: number;
  requestTimeoutMs: number;
  /** How long a finished request is kept before it is deleted. */
  retentionMs: number;
}

export async function runControllerProcess(settings: ControllerSettings): Promise<void> {
  const log = createLogger();
  // stderr carries JSON lines only: Node's own warnings (Node 24 warns of url.parse() inside a
  // dependency, DEP0169) go through the logger instead of Node's plain-text printer.
  process.removeAllListeners('warning').on('warning', (warning) => log.warn(warning.message, { warning: warning.name, ...('code' in warning ? { code: warning.code } : {}) }));
  // A burst of issuances is thousands of short-lived responses: V8 would grow its young
  // generation to 16 MB semispaces for that garbage and keep them, which is most of what the
  // controller's RSS gains from 1000 to 5000 live leases (bench/RESULTS.md, p8); as gc does.
  setFlagsFromString('--semi-space-growth-factor=1');
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log.info('received a signal: shutting down (another one stops at once)', { signal });
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    shutdown.abort();
  };
  // From the start: a signal during the checks still ends the process with exit 0, having done nothing.
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  try {
    const config = loadKubeConfig({ kubeconfig: settings.kubeconfig, context: settings.context });
    const connection = new KubeConnection(config, config.getCurrentCluster()!.server, settings.requestTimeoutMs);
    // Test-only hooks (a fixed clock, a kill after the Nth API call); release builds have none.
    const faults = faultsFrom(process.env);
    await checkInstalled(connection);
    if (shutdown.signal.aborted) return;
    const requests = new CredentialRequestStore(connection);
    await runController(
      {
        source: kubeResourceSource(connection, `/apis/${TEMPCREDS_GROUP}/${TEMPCREDS_VERSION}/${CREDENTIAL_REQUESTS}`, crdName(CREDENTIAL_REQUESTS), { keep: cachedRequest }),
        lock: new KubeLeaseLock(connection, settings.namespace, settings.leaseName),
        identity: settings.identity ?? `${hostname()}_${randomUUID()}`,
        timing: electionTiming(settings.leaseDurationSeconds),
        // The controller's identity is also the issuer: only this process holds it.
        reconcile: requestReconcile({
          requests,
          access: requests,
          kube: new KubeClient(config, settings.requestTimeoutMs, { serverClock: faults.serverNow }),
          getRole: clusterRoleLookup(connection),
          now: faults.now,
          randomBytes: (count) => randomBytes(count),
          retentionMs: settings.retentionMs,
          afterApiCall: faults.afterApiCall,
        }),
        log,
        metrics: new ControllerMetrics(),
        listen: settings.listen,
      },
      shutdown.signal,
    );
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  }
}
