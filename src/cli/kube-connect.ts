// A Kubernetes client for the commands that talk to the cluster beyond issuing (setup,
// doctor, completion), loaded only when called, like every use of @kubernetes/client-node.

import type { KubeClient } from '../adapters/kube.js';
import { parseDuration } from '../core/duration.js';
import type { GlobalArgs } from './global-flags.js';

export async function connectDirect(args: Partial<GlobalArgs>, timeoutMs?: number): Promise<KubeClient> {
  const { KubeClient, loadKubeConfig } = await import('../adapters/kube.js');
  const seconds = parseDuration(args['request-timeout'] ?? '15s') ?? 15;
  return new KubeClient(loadKubeConfig({ kubeconfig: args.kubeconfig, context: args.context }), timeoutMs ?? seconds * 1000);
}
