// The exec credential entry: kubectl runs `kubectl-tempcreds token ROLE -n NS …` before
// each API call and reads an ExecCredential from stdout. A repeated cache hit is served by
// ./hit.ts without coming here; this full path parses arguments with node:util, reads the
// role and kubeconfig, looks the token up (issuing one on a miss: only then is the Kubernetes
// client imported), prints, and remembers for ./hit.ts which cache entry it used.

import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { memoInvocation, rememberMemo } from '../adapters/credential-memo.js';
import { getCredential, type RecentFailure } from '../app/get-credential.js';
import { parseTokenCacheMode, openTokenCache } from '../adapters/token-cache.js';
import { kubeconfigPaths, readIssuer } from '../adapters/kubeconfig.js';
import { parseJsonFile, readTextIfExists, writeFileAtomic } from '../adapters/files.js';
import { parseDuration } from '../core/duration.js';
import { exitCodeOf, invalidInput, type ExitCode } from '../core/errors.js';
import { execApiVersion, renderExecCredential } from '../core/exec-credential.js';
import { roleDigest, unknownRole } from '../core/role-spec.js';
import { requestTtl } from '../core/ttl.js';
import { checkRefreshMargin, parseRefreshMargin, refreshAt, tokenCacheKey } from '../core/token-cache.js';
import { createRuntime } from '../runtime.js';
import { faultsFrom } from '../faults.js';

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
  -h, --help                 show this help
`;

const FAILURE_MEMORY_MS = 5000;

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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw invalidInput(`${(error as Error).message} (see: kubectl-tempcreds token --help)`);
  }
}

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const readStartedMs = Date.now();
  try {
    const { values, positionals } = parse(args);
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (positionals.length !== 1) throw invalidInput('give exactly one ROLE (see: kubectl-tempcreds token --help)');
    const roleName = positionals[0]!;
    const apiVersion = execApiVersion(env.KUBERNETES_EXEC_INFO);
    const refresh = parseRefreshMargin(values['refresh-margin']);
    const timeout = parseDuration(values['request-timeout'] ?? '15s');
    if (!timeout) throw invalidInput(`--request-timeout "${values['request-timeout']}" is not a duration`);
    const runtime = createRuntime({ kubeconfig: values.kubeconfig, context: values.context, requestTimeoutMs: timeout * 1000 }, env);

    const role = await runtime.roles.get(roleName);
    if (!role) throw unknownRole(roleName);
    checkRefreshMargin(refresh, requestTtl(role, values.ttl).seconds);
    const issuer = readIssuer({ kubeconfig: values.kubeconfig, context: values.context ?? role.spec.issuerContext }, env);
    if (issuer.execCommand && basename(issuer.execCommand).startsWith('kubectl-tempcreds')) {
      throw invalidInput(`the issuer context "${issuer.context}" itself runs kubectl-tempcreds: pass --context with an issuer context that has its own credentials`);
    }
    const namespace = values.namespace ?? (role.spec.allowedNamespaces.length === 1 && !role.spec.namespaceSelector ? role.spec.allowedNamespaces[0] : undefined);
    const request = {
      role: roleName,
      namespace: values.namespace,
      ttl: values.ttl,
      clusterRoleBinding: values['cluster-role-binding'] ?? false,
      audiences: values.audience ?? [],
    };
    const key = tokenCacheKey({
      server: issuer.server,
      caDigest: issuer.caDigest,
      ...(issuer.tlsServerName ? { tlsServerName: issuer.tlsServerName } : {}),
      ...(issuer.proxyUrl ? { proxyUrl: issuer.proxyUrl } : {}),
      issuerUser: `${issuer.user}:${issuer.userDigest}`,
      role: roleName,
      roleDigest: roleDigest(role),
      namespace: namespace ?? '',
      ...(request.ttl ? { ttlSeconds: parseDuration(request.ttl) ?? -1 } : {}),
      clusterRoleBinding: request.clusterRoleBinding,
      audiences: request.audiences,
    });

    const cache = await openTokenCache(parseTokenCacheMode(values['token-cache'] ?? env.KUBECTL_TEMPCREDS_TOKEN_CACHE), runtime.paths.cache, env);
    const failureFile = join(runtime.paths.cache, 'failures', `${key}.json`);
    const { entry, source, warnings } = await getCredential(
      {
        cache,
        // A holder that stalled past the stale time may lose the lock to another process: the worst
        // that costs is a second lease, each recorded and cached atomically, so the issuance finishes.
        withLock: async (lockKey, work, meanwhile) =>
          (await import('../adapters/locks.js')).withLock(
            join(runtime.paths.cache, 'locks', lockKey),
            async () => {
              await faultsFrom(env).whileLocked();
              return work();
            },
            {},
            meanwhile,
          ),
        leaseIsLive: async (leaseId) => (await runtime.leases.get(leaseId).catch(() => undefined)) !== undefined,
        issue: async () => {
          const { issueLease } = await import('../app/issue.js');
          // The context the key was derived from, not one client-node would choose again.
          const connect = () => runtime.connect(issuer.context);
          return issueLease({ ...runtime, connect, getRole: async () => role, saveLease: (lease) => runtime.leases.save({ ...lease, tokenCacheKey: key }) }, request);
        },
        recentFailure: async () => {
          const text = await readTextIfExists(failureFile).catch(() => undefined);
          if (!text) return undefined;
          const failure = parseJsonFile(failureFile, text) as RecentFailure & { until: number };
          return failure.until > Date.now() ? failure : undefined;
        },
        rememberFailure: (_, failure) => writeFileAtomic(failureFile, JSON.stringify({ ...failure, until: Date.now() + FAILURE_MEMORY_MS })).catch(() => undefined),
        now: runtime.now,
        refresh,
      },
      key,
    );
    if (source === 'issued') {
      for (const message of [...warnings, ...(cache.notice ? [cache.notice] : [])]) process.stderr.write(`kubectl-tempcreds: ${message}\n`);
    }
    process.stdout.write(renderExecCredential(apiVersion, entry.token, refreshAt(entry, refresh)));
    const file = cache.fileFor?.(key);
    const target = file ? { store: 'file' as const, key, file } : cache.kind === 'keychain' ? { store: 'keychain' as const, key } : undefined;
    if (target) {
      const sources = [runtime.roles.fileFor(roleName), ...kubeconfigPaths(values.kubeconfig, env), ...(issuer.caFile ? [issuer.caFile] : [])];
      await rememberMemo(join(runtime.paths.cache, 'memo'), memoInvocation(args, env), sources, { target, leases: runtime.paths.leases, refresh }, readStartedMs).catch(() => undefined);
    }
    if (source === 'issued') await (await import('../adapters/background-sweep.js')).sweepExpiredLeases(runtime.paths.leases, runtime.now(), env);
    return 0;
  } catch (error) {
    process.stderr.write(`kubectl-tempcreds: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeOf(error);
  }
}
