// The issuer identity `setup` creates: who it is (a ServiceAccount or a user), its rights
// (core/issuer-rbac.ts: a Role and RoleBinding in each namespace it serves, a ClusterRole for
// what is cluster-wide) and the guard (a ValidatingAdmissionPolicy) that limits what a stolen
// issuer credential can do with them. Pure: the objects are planned here and applied (or
// printed) by the shell.

import { invalidInput, invalidInputs } from './errors.js';
import type { Manifest } from './grant-plan.js';
import { issuerClusterRules, issuerNamespaceRules } from './issuer-rbac.js';
import { checkDns1123Label, checkDns1123Subdomain, checkPathSegmentName } from './kube-names.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './lease.js';

export const DEFAULT_ISSUER_NAME = 'kubectl-tempcreds-issuer';

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
  /** Install the issuer guard (ValidatingAdmissionPolicy + binding). */
  guard: boolean;
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

/** A name every object setup makes accepts: RBAC takes any path segment, the guard policy a DNS subdomain only. */
export function checkIssuerName(name: string): string {
  const problem = checkPathSegmentName(name) ?? checkDns1123Subdomain(name);
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

/** Whether an existing object carries the labels setup gives its own: only those does it change without --force. */
export function isIssuerObject(labels: Record<string, string> | undefined): boolean {
  return Object.entries(ISSUER_LABELS).every(([key, value]) => labels?.[key] === value);
}

/** The Role and RoleBinding that give the issuer its rights in one namespace. */
export function issuerNamespaceManifests({ name, subject, withEscalation }: Pick<IssuerSetup, 'name' | 'subject' | 'withEscalation'>, namespace: string): Manifest[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: issuerMetadata(name, namespace), rules: issuerNamespaceRules(withEscalation) },
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: issuerMetadata(name, namespace), roleRef: { apiGroup: RBAC, kind: 'Role', name }, subjects: [subjectRef(subject)] },
  ];
}

const managed = (object: string) => `has(${object}.metadata.labels) && '${MANAGED_BY_LABEL}' in ${object}.metadata.labels && ${object}.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY_VALUE}'`;

/**
 * The issuer guard: whatever RBAC allows the issuer, the API server refuses (for this user
 * only) a Secret other than a lease's Opaque anchor — so no non-expiring
 * service-account-token Secret can be minted —, any update or deletion of an object no lease
 * created (the `cluster-admin` binding, `system:*` roles, others' ServiceAccounts), and tokens
 * not bound to a Secret (the tool's always are, so revoking deletes them).
 */
export function issuerGuardManifests(name: string, userName: string): Manifest[] {
  return [
    {
      apiVersion: `${ADMISSION}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: issuerMetadata(name),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['secrets'] },
            { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE', 'DELETE'], resources: ['serviceaccounts'] },
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['serviceaccounts/token'] },
            { apiGroups: [RBAC], apiVersions: ['v1'], operations: ['UPDATE', 'DELETE'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] },
          ],
        },
        // JSON string literals are valid CEL string literals: the name cannot break out of the expression.
        matchConditions: [{ name: 'is-the-issuer', expression: `request.userInfo.username == ${JSON.stringify(userName)}` }],
        // Each denial is a 403 (reason Forbidden), not the default 422 Invalid: the request is well-formed, only not allowed.
        validations: [
          {
            expression: `request.operation == 'DELETE' || request.resource.resource != 'secrets' || ((!has(object.type) || object.type == 'Opaque') && ${managed('object')})`,
            message: `the kubectl-tempcreds issuer may create or update only Opaque Secrets labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} (lease anchors)`,
            reason: 'Forbidden',
          },
          {
            expression: `request.operation == 'CREATE' || (${managed('oldObject')})`,
            message: `the kubectl-tempcreds issuer may update or delete only objects labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
            reason: 'Forbidden',
          },
          {
            // A CREATE on serviceaccounts is only ever the token subresource here (see resourceRules);
            // an unbound TokenRequest reaches admission with an empty boundObjectRef, hence both has().
            expression: `request.operation != 'CREATE' || request.resource.resource != 'serviceaccounts' || (has(object.spec.boundObjectRef) && has(object.spec.boundObjectRef.kind) && object.spec.boundObjectRef.kind == 'Secret')`,
            message: 'the kubectl-tempcreds issuer may request only tokens bound to a Secret (boundObjectRef), which revocation deletes',
            reason: 'Forbidden',
          },
        ],
      },
    },
    { apiVersion: `${ADMISSION}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: issuerMetadata(name), spec: { policyName: name, validationActions: ['Deny'] } },
  ];
}

/** Everything setup applies, in the order it must: the identity, its guard, then its rights (never unguarded). */
export function issuerManifests(setup: IssuerSetup): Manifest[] {
  const { name, subject, withEscalation, namespaces, clusterScoped, guard } = setup;
  const manifests: Manifest[] = [];
  if (subject.kind === 'ServiceAccount') manifests.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: issuerMetadata(subject.name, subject.namespace) });
  if (guard) manifests.push(...issuerGuardManifests(name, subjectUserName(subject)));
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

/** What the guard leaves possible and what it stops, for the help and the printed YAML. */
export const GUARD_SUMMARY =
  'The issuer guard (a ValidatingAdmissionPolicy for this identity only; --no-guard leaves it out) refuses Secrets other than lease anchors (no non-expiring service-account-token Secret), tokens not bound to a Secret, and any update or deletion of an object no lease created (the cluster-admin binding, system: roles, other ServiceAccounts): it limits a stolen issuer credential to creating leases and deleting their objects.';
