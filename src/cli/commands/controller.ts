// `controller`: the long-running delegated-issuance controller. Parses and checks its flags; the
// controller itself (and the Kubernetes client) is loaded only when it runs.

import type { Argv, CommandModule } from 'yargs';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE } from '../../core/delegation-names.js';
import { parseDuration } from '../../core/duration.js';
import { invalidInput } from '../../core/errors.js';
import { parseListenAddress } from '../../core/listen-address.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../../core/kube-names.js';
import type { GlobalArgs } from '../global-options.js';

type ControllerArgs = GlobalArgs & { 'lease-name': string; 'lease-duration': string; 'health-addr': string; id?: string; retention: string };

export const controllerCommand: CommandModule<GlobalArgs, ControllerArgs> = {
  command: 'controller',
  describe: 'Run the delegated-issuance controller: watches CredentialRequests; of several replicas one leads (a Lease), the others wait',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('context', { type: 'string', describe: "kubeconfig context of the controller's identity (default: the current context; in a Pod without a kubeconfig, its ServiceAccount)" })
      .option('namespace', { type: 'string', describe: `Namespace of the leader election Lease (default: ${CONTROLLER_NAMESPACE})` })
      .option('lease-name', { type: 'string', default: CONTROLLER_NAME, describe: 'Name of the leader election Lease (coordination.k8s.io/v1)' })
      .option('lease-duration', { type: 'string', default: '15s', describe: 'How long a leader that stopped renewing keeps the Lease; it renews every 2/15 of it and stops working after 2/3 without renewal' })
      .option('health-addr', { type: 'string', default: ':8081', describe: 'Where to serve /healthz, /readyz and /metrics (host:port; :port for all interfaces, port 0 for any)' })
      .option('id', { type: 'string', describe: 'This replica\'s identity in the Lease (default: hostname_uuid)' })
      .option('retention', { type: 'string', default: '1h', describe: 'How long a finished request (denied, failed, or its lease expired or revoked) is kept before the controller deletes it' })
      .example('$0 controller --context tempcreds-controller', 'run it with a kubeconfig context (in a Pod: its ServiceAccount)')
      .example('$0 controller --health-addr 127.0.0.1:9090 --id replica-a', 'probes and metrics on loopback, a readable identity')
      .example('curl -s localhost:8081/metrics', 'tempcreds_requests_total, tempcreds_issuance_seconds, tempcreds_live_leases, tempcreds_leader') as never,
  handler: async (args) => {
    const listen = parseListenAddress(args['health-addr']);
    if (!listen) throw invalidInput(`--health-addr "${args['health-addr']}" is not host:port (e.g. 127.0.0.1:8081 or :8081)`);
    const leaseSeconds = parseDuration(args['lease-duration']);
    if (leaseSeconds === undefined || leaseSeconds < 3 || leaseSeconds > 3600) throw invalidInput(`--lease-duration "${args['lease-duration']}" must be a duration from 3s to 1h (e.g. 15s)`);
    const namespace = args.namespace ?? CONTROLLER_NAMESPACE;
    for (const [flag, name, check] of [['--namespace', namespace, checkDns1123Label], ['--lease-name', args['lease-name'], checkDns1123Subdomain]] as const) {
      const problem = check(name);
      if (problem) throw invalidInput(`${flag} "${name}" ${problem}`);
    }
    if (args.id !== undefined && (args.id.length === 0 || args.id.length > 128 || /[\s\p{C}]/u.test(args.id))) throw invalidInput(`--id must be 1 to 128 printable characters without spaces`);
    const timeoutSeconds = parseDuration(args['request-timeout'] ?? '15s');
    if (timeoutSeconds === undefined || timeoutSeconds <= 0) throw invalidInput(`--request-timeout "${args['request-timeout']}" is not a duration (e.g. 10s, 1m)`);
    const retentionSeconds = parseDuration(args.retention);
    if (retentionSeconds === undefined) throw invalidInput(`--retention "${args.retention}" is not a duration (e.g. 1h, 30m, 0s)`);
    const { runControllerProcess } = await import('../../controller/main.js');
    await runControllerProcess({ kubeconfig: args.kubeconfig, context: args.context, namespace, leaseName: args['lease-name'], listen, identity: args.id, leaseDurationSeconds: leaseSeconds, requestTimeoutMs: timeoutSeconds * 1000, retentionMs: retentionSeconds * 1000 });
  },
};
