// `controller`: the long-running delegated-issuance controller. Parses and checks its flags; the
// controller itself (and the Kubernetes client) is loaded only when it runs.

import { CONTROLLER_NAMESPACE } from '../../core/delegation-names.js';
import { parseDuration } from '../../core/duration.js';
import { invalidInput } from '../../core/errors.js';
import { parseListenAddress } from '../../core/listen-address.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../../core/kube-names.js';
import type { CommandHandler } from '../command-spec.js';
import type { controllerSpec } from '../specs/controller.js';

export const controllerCommand: CommandHandler<typeof controllerSpec> = {
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
