// The issuer identity `setup` creates: who it is (a ServiceAccount or a user), its rights
// (core/issuer-rbac.ts: a Role and RoleBinding in each namespace it serves, a ClusterRole for
// what is cluster-wide) and the guard (a ValidatingAdmissionPolicy) that limits what a stolen
// issuer credential can do with them. Pure: the objects are planned here and applied (or
// printed) by the shell.

import { formatDuration, parseDuration } from './duration.js';
import { invalidInput, invalidInputs } from './errors.js';
import type { Manifest } from './grant-plan.js';
import { issuerClusterRules, issuerNamespaceRules } from './issuer-rbac.js';
import { checkDns1123Label, checkDns1123Subdomain, checkPathSegmentName } from './kube-names.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './lease.js';
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS } from './ttl.js';

export const DEFAULT_ISSUER_NAME = 'kubectl-tempcreds-issuer';

/** `setup --max-ttl`: a day covers a working day or a pipeline run; longer-lived leases need an admin to say so. */
export const DEFAULT_GUARD_MAX_TTL = '24h';

/** Not `app.kubernetes.io/managed-by`: that label marks the objects of leases. */
const ISSUER_LABELS = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'issuer' };

export type IssuerSubject = { kind: 'ServiceAccount'; namespace: string; name: string } | { kind: 'User'; name: string };

export interface IssuerSetup {
  /** Name of every object setup creates (ClusterRole, Roles, bindings, guard policy). */
  name: string;
  subject: IssuerSubject;
  withEscalation: boolean;
  /** The namespaces it serves (a Role and RoleBinding in each), or all of them (a ClusterRole). */
  namespaces: string[] | 'all';
  /** May create and delete ClusterRoles and ClusterRoleBindings. */
  clusterScoped: boolean;
  /** Install the issuer guard (ValidatingAdmissionPolicies + bindings). */
  guard: boolean;
  /** The guard's limit on every TokenRequest by the issuer and by ServiceAccounts in its namespaces (`--max-ttl`). */
  maxTtlSeconds: number;
}

/** `setup --max-ttl`: a duration the API server accepts for a TokenRequest. */
export function parseGuardMaxTtl(text: string): number {
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds < MIN_TTL_SECONDS || seconds >= MAX_TTL_SECONDS) {
    throw invalidInput(`--max-ttl "${text}" must be a duration from 10m to ${formatDuration(MAX_TTL_SECONDS - 1)} (e.g. 24h, 80h): the longest token the issuer guard lets anyone in the issuer's namespaces request`);
  }
  return seconds;
}

/** `--namespaces a,b` or `--all-namespaces`, exactly one: least privilege is never a default the user did not choose. */
export function parseServedNamespaces(options: { namespaces?: string; allNamespaces: boolean }): string[] | 'all' {
  const { namespaces, allNamespaces } = options;
  if ((namespaces === undefined) === !allNamespaces) {
    throw invalidInput('say where the issuer works: --namespaces NS[,NS…] (a Role and RoleBinding in each) or --all-namespaces (the same rights cluster-wide)');
  }
  if (allNamespaces) return 'all';
  const names = [...new Set(namespaces!.split(',').map((name) => name.trim()).filter(Boolean))];
  if (names.length === 0) throw invalidInput('--namespaces must name at least one namespace, e.g. --namespaces team-a,team-b');
  const problems = names.flatMap((name) => [checkDns1123Label(name)].filter(Boolean).map((problem) => `namespace "${name}" ${problem}`));
  if (problems.length > 0) throw invalidInputs(`--namespaces "${namespaces}"`, problems);
  return names;
}

/** `--service-account NS/NAME` or `--user NAME`, exactly one. */
export function parseIssuerSubject(options: { serviceAccount?: string; user?: string }): IssuerSubject {
  const { serviceAccount, user } = options;
  if ((serviceAccount === undefined) === (user === undefined)) {
    throw invalidInput('give exactly one of --service-account NAMESPACE/NAME or --user NAME: the identity the tool will issue credentials as');
  }
  if (user !== undefined) {
    if (user.trim() === '') throw invalidInput('--user must not be empty');
    return { kind: 'User', name: user };
  }
  const parts = serviceAccount!.split('/');
  if (parts.length !== 2) throw invalidInput(`--service-account "${serviceAccount}" is not NAMESPACE/NAME (e.g. tempcreds/issuer)`);
  const [namespace, name] = parts as [string, string];
  const problems = [
    ...[checkDns1123Label(namespace)].filter(Boolean).map((problem) => `namespace "${namespace}" ${problem}`),
    ...[checkDns1123Subdomain(name)].filter(Boolean).map((problem) => `name "${name}" ${problem}`),
  ];
  if (problems.length > 0) throw invalidInputs(`--service-account "${serviceAccount}"`, problems);
  return { kind: 'ServiceAccount', namespace, name };
}

/** The longest --name: the guard's per-namespace binding `NAME-accounts.NAMESPACE` must stay a DNS subdomain (253). */
const MAX_ISSUER_NAME_LENGTH = 253 - '-accounts.'.length - 63;

/** A name every object setup makes accepts: RBAC takes any path segment, the guard policy a DNS subdomain only. */
export function checkIssuerName(name: string): string {
  const problem = checkPathSegmentName(name) ?? checkDns1123Subdomain(name) ?? (name.length > MAX_ISSUER_NAME_LENGTH ? `must be at most ${MAX_ISSUER_NAME_LENGTH} characters` : undefined);
  if (problem) throw invalidInput(`--name "${name}" ${problem}`);
  return name;
}

/** The kubeconfig user name Kubernetes authenticates this subject as. */
export function subjectUserName(subject: IssuerSubject): string {
  return subject.kind === 'User' ? subject.name : `system:serviceaccount:${subject.namespace}:${subject.name}`;
}

const RBAC = 'rbac.authorization.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io';

function issuerMetadata(name: string, namespace?: string): Manifest['metadata'] {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...ISSUER_LABELS }, annotations: {} };
}

function subjectRef(subject: IssuerSubject) {
  return subject.kind === 'User' ? { apiGroup: RBAC, kind: 'User', name: subject.name } : { kind: 'ServiceAccount', namespace: subject.namespace, name: subject.name };
}

/**
 * Whether an existing object carries the labels setup gives this manifest (the issuer's, the
 * delegation's or the controller's part-of and component): only those does it change without --force.
 */
export function isSetupObject(manifest: Manifest, labels: Record<string, string> | undefined): boolean {
  const own = Object.entries(manifest.metadata.labels);
  return own.length > 0 && own.every(([key, value]) => labels?.[key] === value);
}

/** The Role and RoleBinding that give the issuer its rights in one namespace, after the guard's binding for its ServiceAccounts. */
export function issuerNamespaceManifests({ name, subject, withEscalation, guard }: Pick<IssuerSetup, 'name' | 'subject' | 'withEscalation' | 'guard'>, namespace: string): Manifest[] {
  return [
    ...(guard ? [accountsGuardBinding(name, namespace)] : []),
    { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: issuerMetadata(name, namespace), rules: issuerNamespaceRules(withEscalation) },
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: issuerMetadata(name, namespace), roleRef: { apiGroup: RBAC, kind: 'Role', name }, subjects: [subjectRef(subject)] },
  ];
}

const managed = (object: string) => `has(${object}.metadata.labels) && '${MANAGED_BY_LABEL}' in ${object}.metadata.labels && ${object}.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY_VALUE}'`;

const SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
// Each denial is a 403 (reason Forbidden), not the default 422 Invalid: the request is well-formed, only not allowed.
const deny = (expression: string, message: string) => ({ expression, message, reason: 'Forbidden' });
// request.subResource is absent (not empty) on requests to the resource itself.
const isTokenRequest = "request.resource.resource == 'serviceaccounts' && has(request.subResource) && request.subResource == 'token'";

/** Both policies cap TokenRequests: a token outliving every lease is what the guard exists to stop. */
function tokenLifetimeRule(who: string, maxTtlSeconds: number) {
  const max = formatDuration(maxTtlSeconds);
  return deny(
    `!(${isTokenRequest}) || (has(object.spec.expirationSeconds) && object.spec.expirationSeconds <= ${maxTtlSeconds})`,
    `${who} may request only tokens of at most ${max}: ask for --ttl ${max} or less, or have an admin re-run kubectl tempcreds setup --max-ttl LONGER`,
  );
}

const accountsPolicyName = (name: string) => `${name}-accounts`;

/**
 * Where the accounts policy applies: in one namespace the issuer serves (a binding per
 * namespace, like its Roles), or everywhere with --all-namespaces.
 */
function accountsGuardBinding(name: string, namespace?: string): Manifest {
  const policyName = accountsPolicyName(name);
  return {
    apiVersion: `${ADMISSION}/v1`,
    kind: 'ValidatingAdmissionPolicyBinding',
    // A namespace has no dot, so NAME-accounts.NAMESPACE names one (issuer, namespace) pair.
    metadata: issuerMetadata(namespace ? `${policyName}.${namespace}` : policyName),
    spec: { policyName, validationActions: ['Deny'], ...(namespace ? { matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } } : {}) },
  };
}

/** How the API server words a denial by either guard policy (each message names the issuer). */
export const GUARD_DENIAL = /denied request: .*the kubectl-tempcreds issuer/;

/**
 * The issuer guard: whatever RBAC allows the issuer, the API server refuses (for this user
 * only) a Secret other than a lease's Opaque anchor — so no non-expiring
 * service-account-token Secret can be minted —, any object created without the lease label,
 * a binding to anything but ServiceAccounts (others could use the issuer's rights unguarded),
 * any update or deletion of an object no lease created (the `cluster-admin` binding,
 * `system:*` roles, others' ServiceAccounts), and tokens not bound to a Secret (the tool's
 * always are, so revoking deletes them) or longer than `maxTtlSeconds`.
 *
 * The issuer can still make a ServiceAccount, give it rights it holds and mint its token: the
 * second policy stops every ServiceAccount in the issuer's namespaces (the only ones it can act
 * as, and the only places it can grant rights without escalate) from creating
 * service-account-token Secrets or tokens longer than `maxTtlSeconds`.
 */
export function issuerGuardManifests({ name, subject, namespaces, maxTtlSeconds }: Pick<IssuerSetup, 'name' | 'subject' | 'namespaces' | 'maxTtlSeconds'>): Manifest[] {
  const issuer = 'the kubectl-tempcreds issuer';
  const accounts = `ServiceAccounts in the namespaces ${issuer} serves`;
  return [
    {
      apiVersion: `${ADMISSION}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: issuerMetadata(name),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['secrets', 'serviceaccounts', 'serviceaccounts/token'] },
            { apiGroups: [RBAC], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] },
          ],
        },
        // JSON string literals are valid CEL string literals: the name cannot break out of the expression.
        matchConditions: [{ name: 'is-the-issuer', expression: `request.userInfo.username == ${JSON.stringify(subjectUserName(subject))}` }],
        validations: [
          deny(
            `request.operation == 'DELETE' || request.resource.resource != 'secrets' || ((!has(object.type) || object.type == 'Opaque') && ${managed('object')})`,
            `${issuer} may create or update only Opaque Secrets labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} (lease anchors)`,
          ),
          deny(`request.operation != 'CREATE' || request.resource.resource == 'secrets' || (${isTokenRequest}) || (${managed('object')})`, `${issuer} may create only objects labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`),
          deny(
            `request.operation != 'CREATE' || !(request.resource.resource in ['rolebindings', 'clusterrolebindings']) || !has(object.subjects) || object.subjects.all(s, s.kind == 'ServiceAccount')`,
            `${issuer} may bind roles only to ServiceAccounts (the guard sees what they do in its namespaces)`,
          ),
          deny(`request.operation == 'CREATE' || (${managed('oldObject')})`, `${issuer} may update or delete only objects labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`),
          // An unbound TokenRequest reaches admission with an empty boundObjectRef, hence both has().
          deny(
            `!(${isTokenRequest}) || (has(object.spec.boundObjectRef) && has(object.spec.boundObjectRef.kind) && object.spec.boundObjectRef.kind == 'Secret')`,
            `${issuer} may request only tokens bound to a Secret (boundObjectRef), which revocation deletes`,
          ),
          tokenLifetimeRule(issuer, maxTtlSeconds),
        ],
      },
    },
    { apiVersion: `${ADMISSION}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: issuerMetadata(name), spec: { policyName: name, validationActions: ['Deny'] } },
    {
      apiVersion: `${ADMISSION}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: issuerMetadata(accountsPolicyName(name)),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['secrets', 'serviceaccounts/token'] },
          ],
        },
        matchConditions: [{ name: 'is-a-service-account', expression: "request.userInfo.username.startsWith('system:serviceaccount:')" }],
        validations: [
          deny(`request.resource.resource != 'secrets' || !has(object.type) || object.type != '${SERVICE_ACCOUNT_TOKEN}'`, `${accounts} may not create ${SERVICE_ACCOUNT_TOKEN} Secrets (tokens that never expire)`),
          tokenLifetimeRule(accounts, maxTtlSeconds),
        ],
      },
    },
    // The accounts policy's bindings: everywhere, or one per served namespace (issuerNamespaceManifests).
    ...(namespaces === 'all' ? [accountsGuardBinding(name)] : []),
  ];
}

/** Everything setup applies, in the order it must: the identity, its guard, then its rights (never unguarded). */
export function issuerManifests(setup: IssuerSetup): Manifest[] {
  const { name, subject, withEscalation, namespaces, clusterScoped, guard } = setup;
  const manifests: Manifest[] = [];
  if (subject.kind === 'ServiceAccount') manifests.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: issuerMetadata(subject.name, subject.namespace) });
  if (guard) manifests.push(...issuerGuardManifests(setup));
  manifests.push({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: issuerMetadata(name), rules: issuerClusterRules({ withEscalation, allNamespaces: namespaces === 'all', clusterScoped }) });
  manifests.push({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: issuerMetadata(name), roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name }, subjects: [subjectRef(subject)] });
  if (namespaces !== 'all') for (const namespace of namespaces) manifests.push(...issuerNamespaceManifests(setup, namespace));
  return manifests;
}

/** The trade-off `setup` explains, one paragraph per choice. */
export function escalationTradeOff(withEscalation: boolean): string {
  return withEscalation
    ? 'With escalate/bind (the default) the issuer can create and bind roles granting permissions it does not hold itself, so generated rules and bindings to existing roles work as in Vault; whoever holds its credentials can grant themselves anything in the namespaces it serves, and anything at all with --cluster-scoped, as cluster-admin can. Guard them like an admin kubeconfig.'
    : 'Without escalate/bind (--no-escalate) Kubernetes lets the issuer grant only permissions it holds itself: leases for existing ServiceAccounts work, but generated rules and bindings to existing roles get 403 unless the issuer also holds what they grant. In the namespaces it serves it can still mint tokens for any ServiceAccount (and so act as any of them), read every Secret, and create ServiceAccounts, Roles and RoleBindings; it is as powerful there as the most privileged ServiceAccount: guard its credentials too.';
}

/** What the guard stops and what it leaves possible, for the help and the printed YAML. */
export const GUARD_SUMMARY =
  'The issuer guard (two ValidatingAdmissionPolicies; --no-guard leaves them out) refuses, for the issuer\'s user name: Secrets other than lease anchors (no non-expiring service-account-token Secret), objects created without the lease label, bindings to anything but ServiceAccounts, any update or deletion of an object no lease created (the cluster-admin binding, system: roles, other ServiceAccounts), and tokens not bound to a Secret or longer than --max-ttl. For every ServiceAccount in the namespaces the issuer serves (those it can mint tokens for or create, and grant rights to) it refuses service-account-token Secrets and tokens longer than --max-ttl. So a stolen issuer credential is no path to a token that outlives --max-ttl; it can still act, until then, as any ServiceAccount there and grant what its RBAC allows.';
