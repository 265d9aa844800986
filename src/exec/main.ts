// The exec credential entry: kubectl runs `kubectl-tempcreds token ROLE -n NS …` before
// each API call and reads an ExecCredential from stdout. A repeated cache hit is served by
// ./hit.ts without coming here; this full path parses arguments with node:util, reads the
// role and kubeconfig, looks the token up (issuing one on a miss: only then is the Kubernetes
// client imported), prints, and remembers for ./hit.ts which cache entry it used.

import { parseArgs } from 'node:util';
import { getCredential, type CredentialInput } from '../app/get-credential.js';
import type { Clock } from '../app/ports.js';
import { CLUSTER_ROLE_RECHECK_MS, compose, type Globals } from '../compose.js';
import { delegatedMode, parseWaitTimeout } from '../core/delegated-mode.js';
import { exitCodeOf, invalidInput, type ExitCode } from '../core/errors.js';
import { execApiVersion, renderExecCredential } from '../core/exec-credential.js';
import { parseRefreshMargin, parseTokenCacheMode, refreshAt } from '../core/token-cache.js';

const usage = `Usage: kubectl-tempcreds token ROLE -n NAMESPACE [options]

Prints an ExecCredential for kubectl with a short-lived token from ROLE, cached until
shortly before it expires. Meant for a kubeconfig exec entry (see: kubectl tempcreds kubeconfig).

Options:
  -n, --namespace NS         namespace of the credential (may be omitted if the role allows one)
      --context NAME         issuer kubeconfig context (default: the role's, else the current one)
      --kubeconfig FILE      issuer kubeconfig (default: $KUBECONFIG or ~/.kube/config)
      --ttl D                token lifetime (default: the role's default TTL, else 1h)
      --cluster-role-binding bind cluster-wide instead of in the namespace (if the role allows it)
      --audience A           token audience (repeatable)
      --token-cache MODE     auto|keychain|file|none (default auto; env KUBECTL_TEMPCREDS_TOKEN_CACHE)
      --refresh-margin M     renew this long before expiry: a percentage of the lifetime (default 10%,
                             at least 60s) or a duration (e.g. 5m)
      --request-timeout D    API request timeout (default 15s)
      --roles SOURCE         local (the role files, default) or cluster (CredentialRole objects, read
                             again at most every ${CLUSTER_ROLE_RECHECK_MS / 1000}s; env KUBECTL_TEMPCREDS_ROLES)
      --delegated            request the token from the tempcreds controller as --context (your own
                             identity; roles are the cluster's); env KUBECTL_TEMPCREDS_DELEGATED=1
      --wait-timeout D       with --delegated: how long to wait for the controller (default 60s)
  -h, --help                 show this help
`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        context: { type: 'string' },
        kubeconfig: { type: 'string' },
        ttl: { type: 'string' },
        'cluster-role-binding': { type: 'boolean' },
        audience: { type: 'string', multiple: true },
        'token-cache': { type: 'string' },
        'refresh-margin': { type: 'string' },
        'request-timeout': { type: 'string' },
        roles: { type: 'string' },
        delegated: { type: 'boolean' },
        'wait-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw invalidInput(`${(error as Error).message} (see: kubectl-tempcreds token --help)`);
  }
}

/** Where the entry writes, and (in tests) the clock it runs on. */
export interface EntryIo {
  stdout(text: string): void;
  stderr(text: string): void;
  clock?: Clock;
}

const processIo: EntryIo = { stdout: (text) => void process.stdout.write(text), stderr: (text) => void process.stderr.write(text) };

function parseInvocation(args: string[], env: NodeJS.ProcessEnv): { input: CredentialInput; globals: Globals } | 'help' {
  const { values, positionals } = parse(args);
  if (values.help) return 'help';
  if (positionals.length !== 1) throw invalidInput('give exactly one ROLE (see: kubectl-tempcreds token --help)');
  const globals = { kubeconfig: values.kubeconfig, context: values.context, requestTimeout: values['request-timeout'], roles: values.roles };
  const input = {
    role: positionals[0]!,
    namespace: values.namespace,
    ttl: values.ttl,
    clusterRoleBinding: values['cluster-role-binding'] ?? false,
    audiences: values.audience ?? [],
    refresh: parseRefreshMargin(values['refresh-margin']),
    cacheMode: parseTokenCacheMode(values['token-cache'] ?? env.KUBECTL_TEMPCREDS_TOKEN_CACHE),
    context: values.context,
    ...(delegatedMode(values.delegated, env) ? { delegated: { waitMs: parseWaitTimeout(values['wait-timeout']) } } : {}),
  };
  return { input, globals };
}

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env, io: EntryIo = processIo): Promise<ExitCode> {
  const readStartedMs = Date.now();
  try {
    const invocation = parseInvocation(args, env);
    if (invocation === 'help') {
      io.stdout(usage);
      return 0;
    }
    const { input, globals } = invocation;
    const apiVersion = execApiVersion(env.KUBERNETES_EXEC_INFO);
    const root = compose(globals, env, io.clock);
    const { entry, source, warnings } = await getCredential(root.credentialPorts(args, input.refresh, readStartedMs), input);
    warnings.forEach((message) => io.stderr(`kubectl-tempcreds: ${message}\n`));
    io.stdout(renderExecCredential(apiVersion, entry.token, refreshAt(entry, input.refresh)));
    if (source === 'issued') await root.sweep();
    return 0;
  } catch (error) {
    io.stderr(`kubectl-tempcreds: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeOf(error);
  }
}
