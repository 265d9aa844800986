// `doctor`: says what this build is (as `version` does), then checks everything the tool
// depends on, in the order a user would fix it — the kubeconfig, the API server and
// TokenRequest, the issuer's permissions, the roles' issuer contexts, the token cache, the
// state directories — and says how to fix each problem. Over small ports.

import { forEachLimited } from './concurrency.js';
import { CREDENTIAL_ROLES, crdName, TEMPCREDS_VERSION } from '../core/delegation-names.js';
import type { IssuerCheckPort } from './ports.js';
import { versionEntries, type BuildInfo } from '../core/build-info.js';
import { describeAccess, inNamespace, issuerAccessChecks, setupSubjectFlag, type ResourceAccess } from '../core/issuer-checks.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  area: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export interface KubeconfigSummary {
  context: string;
  cluster: string;
  user: string;
  server: string;
  files: string[];
  execCommand?: string;
}

export interface TokenCacheSummary {
  kind: 'keychain' | 'file' | 'none';
  /** Why `auto` fell back to files, when it did. */
  notice?: string;
  directory: string;
}

/** A path under the state directories that is not private, or not usable. */
export interface StateProblem {
  path: string;
  problem: string;
  fix: string;
}

/** What doctor needs of a stored role: which context it issues through, if not the current one, and where. */
export interface RoleSummary {
  name: string;
  issuerContext?: string;
  allowedNamespaces?: string[];
}

export interface DoctorPorts {
  /** The issuer's kubeconfig entry; throws when there is no usable one. */
  kubeconfig(): KubeconfigSummary;
  /** Every context name of the kubeconfig; throws when it cannot be read. */
  contextNames(): string[];
  roles(): Promise<{ roles: RoleSummary[]; unreadable: string[] }>;
  /** Where roles come from (--roles; default local): the cluster's roles need the CredentialRole CRD. */
  roleSource?: 'local' | 'cluster';
  /** The versions of tempcreds.dev the API server serves (discovery), undefined when none; without it the CRD is not checked. */
  servedRoleVersions?(): Promise<string[] | undefined>;
  connect(): Promise<IssuerCheckPort>;
  tokenCache(): Promise<TokenCacheSummary>;
  state(): Promise<{ directories: string[]; problems: StateProblem[] }>;
  /** A namespace to check the issuer's rights in (`-n`), besides the roles' allowed namespaces. */
  namespace?: string;
}

const SSAR_CONCURRENCY = 8;
const message = (error: unknown) => (error as Error).message ?? String(error);

async function clusterChecks(ports: DoctorPorts, kubeconfig: KubeconfigSummary, namespaces: string[]): Promise<Check[]> {
  let port: IssuerCheckPort;
  let version: string;
  try {
    port = await ports.connect();
    version = await port.serverVersion();
  } catch (error) {
    return [{ area: 'API server', status: 'fail', message: message(error), fix: `check that ${kubeconfig.server} is up and reachable from here, and that the context's credentials are current` }];
  }
  const checks: Check[] = [{ area: 'API server', status: 'ok', message: `${kubeconfig.server} answers: Kubernetes ${version}` }];
  try {
    checks.push(
      (await port.supportsTokenRequest())
        ? { area: 'TokenRequest', status: 'ok', message: 'the API server serves serviceaccounts/token (create)' }
        : {
            area: 'TokenRequest',
            status: 'fail',
            message: 'the API server does not serve serviceaccounts/token, so it cannot issue bound tokens',
            fix: 'use Kubernetes 1.22 or newer with ServiceAccount token signing (--service-account-issuer, --service-account-signing-key-file)',
          },
    );
  } catch (error) {
    checks.push({ area: 'TokenRequest', status: 'fail', message: message(error) });
  }

  const user = (await port.whoAmI().catch(() => undefined)) ?? kubeconfig.user;
  const { namespaced, clusterWide, clusterScoped, escalation } = issuerAccessChecks();
  const denied = async (accesses: ResourceAccess[]) => {
    const allowed = new Map<ResourceAccess, boolean>();
    await forEachLimited(accesses, SSAR_CONCURRENCY, async (access) => void allowed.set(access, await port.canI(access)));
    return accesses.filter((access) => !allowed.get(access));
  };
  const where = (access: ResourceAccess) => (access.namespace ? `in namespace ${access.namespace}` : 'cluster-wide');
  try {
    const [missingEverywhere, missingClusterWide, missingClusterScoped] = await Promise.all([denied(namespaced), denied(clusterWide), denied(clusterScoped)]);
    // An issuer set up with --namespaces has none of the namespaced rights cluster-wide: check
    // them where it serves, as far as this machine knows (its roles' namespaces, -n).
    const perNamespace = missingEverywhere.length === namespaced.length;
    if (perNamespace && namespaces.length === 0) {
      checks.push({
        area: 'permissions',
        status: 'fail',
        message: `"${user}" has no issuer rights cluster-wide, and no namespace it serves is known here`,
        fix: 'name one with -n NAMESPACE (or create roles with --allowed-namespaces); as an admin: kubectl tempcreds setup --namespaces NS,… grants them',
      });
      return checks;
    }
    const scopes = perNamespace ? namespaces : [undefined];
    const inScope = (accesses: ResourceAccess[]) => scopes.flatMap((namespace) => (namespace ? inNamespace(accesses, namespace) : accesses));
    const [missingNamespaced, noEscalation] = await Promise.all([perNamespace ? denied(inScope(namespaced)) : missingEverywhere, denied(inScope(escalation))]);
    const missing = [...missingClusterWide, ...missingNamespaced];
    // The fix keeps the identity's shape: its namespaces, cluster scope and escalation.
    const scopeFlags = `${perNamespace ? ` --namespaces ${namespaces.join(',')}` : ' --all-namespaces'}${missingClusterScoped.length === 0 ? ' --cluster-scoped' : ''}`;
    const mode = noEscalation.length === escalation.length * scopes.length ? ' --no-escalate' : '';
    const fix = `as an admin: kubectl tempcreds setup ${setupSubjectFlag(user)}${scopeFlags}${mode} --context ADMIN_CONTEXT (kubectl tempcreds setup --print shows the rules)`;
    const total = namespaced.length + clusterWide.length;
    if (missing.length === 0) {
      checks.push({ area: 'permissions', status: 'ok', message: `"${user}" holds all ${total} permissions the issuer needs, ${perNamespace ? `in namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}` : 'cluster-wide'}` });
    }
    for (const access of missing) checks.push({ area: 'permissions', status: 'fail', message: `"${user}" cannot ${describeAccess(access)} (${where(access)})`, fix });
    if (missingClusterScoped.length === 0) checks.push({ area: 'cluster scope', status: 'ok', message: 'may create and delete ClusterRoles and ClusterRoleBindings' });
    else if (missingClusterScoped.length === clusterScoped.length) {
      checks.push({
        area: 'cluster scope',
        status: 'warn',
        message: 'cannot create ClusterRoles or ClusterRoleBindings: roles with --role-type ClusterRole rules and --cluster-role-binding requests get 403',
        fix: `if they are needed, as an admin: kubectl tempcreds setup ${setupSubjectFlag(user)}${scopeFlags} --cluster-scoped${mode} --context ADMIN_CONTEXT`,
      });
    } else for (const access of missingClusterScoped) checks.push({ area: 'cluster scope', status: 'fail', message: `"${user}" cannot ${describeAccess(access)} (cluster-wide)`, fix });
    checks.push(
      noEscalation.length === 0
        ? { area: 'escalation', status: 'ok', message: 'may grant permissions it does not hold itself (escalate, bind): generated rules and existing roles work' }
        : {
            area: 'escalation',
            status: 'warn',
            message: `without ${mode ? 'escalate/bind on roles and clusterroles' : noEscalation.map((access) => `${describeAccess(access)} (${where(access)})`).join(', ')}: can grant only permissions it holds itself (generated rules and bindings to other roles may get 403)`,
            fix: `if that is not what you want, as an admin: kubectl tempcreds setup ${setupSubjectFlag(user)}${scopeFlags} --context ADMIN_CONTEXT (kubectl tempcreds setup --help explains the trade-off)`,
          },
    );
  } catch (error) {
    checks.push({ area: 'permissions', status: 'fail', message: `cannot review the issuer's permissions: ${message(error)}`, fix: 'SelfSubjectAccessReview must be allowed (it is for every authenticated user by default)' });
  }
  return checks;
}

/** Roles that name an issuer context the kubeconfig lacks fail at every issuance: say so now. */
/** Whether the API server serves CredentialRoles at the version this build speaks. */
async function crdCheck(source: DoctorPorts['roleSource'], servedRoleVersions: () => Promise<string[] | undefined>): Promise<Check> {
  const install = `an admin installs it: kubectl tempcreds setup … --context ADMIN (or kubectl apply --server-side -f deploy/crds/${crdName(CREDENTIAL_ROLES)}.yaml)`;
  let versions: string[] | undefined;
  try {
    versions = await servedRoleVersions();
  } catch (error) {
    return { area: 'CRD', status: 'fail', message: message(error) };
  }
  // Local roles do not need it: its absence is only worth a note.
  const missing: CheckStatus = source === 'cluster' ? 'fail' : 'ok';
  if (!versions) return { area: 'CRD', status: missing, message: `${crdName(CREDENTIAL_ROLES)} is not installed${missing === 'ok' ? ' (roles are local here)' : ': --roles cluster has no roles to read'}`, fix: install };
  if (!versions.includes(TEMPCREDS_VERSION)) return { area: 'CRD', status: missing === 'ok' ? 'warn' : 'fail', message: `${crdName(CREDENTIAL_ROLES)} serves ${versions.join(', ')}, not ${TEMPCREDS_VERSION}, which this build reads`, fix: install };
  return { area: 'CRD', status: 'ok', message: `${crdName(CREDENTIAL_ROLES)} is installed and serves ${TEMPCREDS_VERSION}` };
}

function roleChecks(roles: RoleSummary[], unreadable: string[], contexts: Set<string> | undefined, checked: string | undefined, source: DoctorPorts['roleSource']): Check[] {
  const fix =
    source === 'cluster'
      ? 'fix the CredentialRole (kubectl edit credentialrole NAME, or kubectl tempcreds role apply -f FILE --roles cluster): its Ready condition says why'
      : 'repair the file, or delete it and define the role again (kubectl tempcreds role apply -f FILE)';
  const checks: Check[] = unreadable.map((problem) => ({ area: 'roles', status: 'fail', message: problem, fix }));
  for (const { name, issuerContext } of roles) {
    if (issuerContext && contexts && !contexts.has(issuerContext)) {
      checks.push({
        area: 'roles',
        status: 'fail',
        message: `role "${name}" issues through context "${issuerContext}", which the kubeconfig does not have`,
        fix: `kubectl tempcreds role update ${name} --issuer-context CONTEXT, or add the context to the kubeconfig (kubectl config set-context)`,
      });
    }
  }
  if (checks.length > 0) return checks;
  const others = [...new Set(roles.flatMap(({ issuerContext }) => (issuerContext && issuerContext !== checked ? [issuerContext] : [])))];
  const count = roles.length === 0 ? 'no roles yet (kubectl tempcreds role create)' : `${roles.length} role(s)`;
  return [
    others.length === 0
      ? { area: 'roles', status: 'ok', message: count }
      : { area: 'roles', status: 'ok', message: `${count}; some issue through ${others.map((context) => `"${context}"`).join(', ')}: check with kubectl tempcreds doctor --context NAME` },
  ];
}

function tokenCacheCheck(cache: TokenCacheSummary): Check {
  switch (cache.kind) {
    case 'keychain':
      return { area: 'token cache', status: 'ok', message: 'the OS keychain answers (Secret Service, macOS Keychain or Windows Credential Manager)' };
    case 'file':
      return cache.notice
        ? { area: 'token cache', status: 'warn', message: cache.notice, fix: 'start a Secret Service (e.g. gnome-keyring) for the keychain, or choose files explicitly: KUBECTL_TEMPCREDS_TOKEN_CACHE=file' }
        : { area: 'token cache', status: 'ok', message: `private files under ${cache.directory}` };
    case 'none':
      return { area: 'token cache', status: 'warn', message: 'no cache: every kubectl call issues a new token', fix: 'use --token-cache auto (the default) in the kubeconfig exec entry' };
  }
}

/** Where the checked issuer is expected to work: -n, and the namespaces of the roles that issue through it. */
function servedNamespaces(roles: RoleSummary[], context: string, explicit: string | undefined): string[] {
  const fromRoles = roles.filter(({ issuerContext }) => !issuerContext || issuerContext === context).flatMap(({ allowedNamespaces }) => allowedNamespaces ?? []);
  return [...new Set([...(explicit ? [explicit] : []), ...fromRoles.filter((namespace) => namespace !== '*')])].sort();
}

/** What doctor says first, for bug reports: the lines of `version`, each OK. */
export function buildChecks(info: BuildInfo): Check[] {
  return versionEntries(info).map(([area, message]) => ({ area, status: 'ok', message }));
}

export async function runDoctor(ports: DoctorPorts): Promise<Check[]> {
  const checks: Check[] = [];
  let kubeconfig: KubeconfigSummary | undefined;
  try {
    kubeconfig = ports.kubeconfig();
    const where = `context "${kubeconfig.context}" (cluster "${kubeconfig.cluster}", user "${kubeconfig.user}") from ${kubeconfig.files.join(', ')}`;
    if (kubeconfig.execCommand && /kubectl-tempcreds/.test(kubeconfig.execCommand)) {
      checks.push({ area: 'kubeconfig', status: 'fail', message: `${where} gets its own credentials from kubectl-tempcreds`, fix: 'an issuer needs credentials of its own: pass --context with an issuer context' });
      kubeconfig = undefined;
    } else {
      checks.push({ area: 'kubeconfig', status: 'ok', message: where });
    }
  } catch (error) {
    checks.push({ area: 'kubeconfig', status: 'fail', message: message(error), fix: 'pass --kubeconfig FILE and --context NAME, or select one: kubectl config use-context NAME' });
  }
  const { roles, unreadable } = await ports.roles();
  if (kubeconfig) checks.push(...(await clusterChecks(ports, kubeconfig, servedNamespaces(roles, kubeconfig.context, ports.namespace))));
  else checks.push({ area: 'API server', status: 'fail', message: 'not checked: no usable kubeconfig context' });

  let contexts: Set<string> | undefined;
  try {
    contexts = new Set(ports.contextNames());
  } catch {
    contexts = undefined; // the kubeconfig check above has said why
  }
  if (kubeconfig && ports.servedRoleVersions) checks.push(await crdCheck(ports.roleSource, () => ports.servedRoleVersions!()));
  checks.push(...roleChecks(roles, unreadable, contexts, kubeconfig?.context, ports.roleSource));

  try {
    checks.push(tokenCacheCheck(await ports.tokenCache()));
  } catch (error) {
    checks.push({ area: 'token cache', status: 'fail', message: message(error) });
  }

  const { directories, problems } = await ports.state();
  if (problems.length === 0) checks.push({ area: 'state', status: 'ok', message: `${directories.join(', ')}: private to you (directories 0700, files 0600)` });
  for (const { path, problem, fix } of problems) checks.push({ area: 'state', status: 'fail', message: `${path} ${problem}`, fix });
  return checks;
}
