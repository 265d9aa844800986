// `controller`: what shell completion and help know of it.

import { spec } from '../command-spec.js';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE } from '../../core/delegation-names.js';

export const controllerSpec = spec({
  command: 'controller',
  describe: 'Run the delegated-issuance controller: watches CredentialRequests; of several replicas one leads (a Lease), the others wait',
  builder: (cli) =>
    cli
      .option('context', { type: 'string', describe: "kubeconfig context of the controller's identity (default: the current context; in a Pod without a kubeconfig, its ServiceAccount)" })
      .option('namespace', { type: 'string', describe: `Namespace of the leader election Lease (default: ${CONTROLLER_NAMESPACE})` })
      .option('lease-name', { type: 'string', default: CONTROLLER_NAME, describe: 'Name of the leader election Lease (coordination.k8s.io/v1)' })
      .option('lease-duration', { type: 'string', default: '15s', describe: 'How long a leader that stopped renewing keeps the Lease; it renews every 2/15 of it and stops working after 2/3 without renewal' })
      .option('health-addr', { type: 'string', default: ':8081', describe: 'Where to serve /healthz, /readyz and /metrics (host:port; :port for all interfaces, port 0 for any)' })
      .option('id', { type: 'string', describe: 'This replica\'s identity in the Lease (default: hostname_uuid)' })
      .option('retention', { type: 'string', default: '1h', describe: 'How long a finished request (denied, failed, or its lease expired or revoked) is kept before the controller deletes it' })
      .example('$0 controller --context tempcreds-controller', 'run it with a kubeconfig context (in a Pod: its ServiceAccount)')
      .example('$0 controller --health-addr 127.0.0.1:9090 --id replica-a', 'probes and metrics on loopback, a readable identity')
      .example('curl -s localhost:8081/metrics', 'tempcreds_requests_total, tempcreds_issuance_seconds, tempcreds_live_leases, tempcreds_leader'),
});
