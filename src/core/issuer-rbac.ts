// The least-privilege identity the tool issues credentials as. One home for these
// rules: the test control plane applies them, `setup` prints or applies them, `doctor`
// checks them.

import type { PolicyRule } from './policy-rules.js';

const RBAC = 'rbac.authorization.k8s.io';

/** Objects a lease creates in a namespace, plus what revocation and `lease list` read back: only where the issuer serves. */
export const issuerNamespacedRules: PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'create', 'delete'] },
  // patch: a lease's anchor Secret is marked when its token is requested.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'delete', 'patch'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['get', 'list', 'create', 'delete'] },
];

/** Always cluster-wide: roles with a namespace selector read the namespace's labels. */
export const issuerNamespaceReadRules: PolicyRule[] = [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }];

/** Only with `setup --cluster-scoped`: generated ClusterRole rules and --cluster-role-binding requests need them. */
export const issuerClusterScopedRules: PolicyRule[] = [{ apiGroups: [RBAC], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['get', 'list', 'create', 'delete'] }];

/**
 * Without these the issuer can only grant what it holds itself (Kubernetes' RBAC
 * escalation prevention); with them it can grant anything. The trade-off `setup` explains.
 * In a namespace they cover RoleBindings to ClusterRoles too (bind is checked in the
 * binding's namespace).
 */
export const issuerEscalationRules: PolicyRule[] = [{ apiGroups: [RBAC], resources: ['roles', 'clusterroles'], verbs: ['bind', 'escalate'] }];
const clusterEscalationRules: PolicyRule[] = [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind', 'escalate'] }];

export interface IssuerScope {
  withEscalation: boolean;
  /** The namespaced rules cluster-wide (`--all-namespaces`) instead of a Role per namespace. */
  allNamespaces: boolean;
  /** ClusterRoles and ClusterRoleBindings (`--cluster-scoped`). */
  clusterScoped: boolean;
}

/** The rules of the issuer's Role in each namespace it serves. */
export function issuerNamespaceRules(withEscalation: boolean): PolicyRule[] {
  return withEscalation ? [...issuerNamespacedRules, ...issuerEscalationRules] : [...issuerNamespacedRules];
}

/** The rules of the issuer's ClusterRole: namespace labels, and whatever the scope adds cluster-wide. */
export function issuerClusterRules({ withEscalation, allNamespaces, clusterScoped }: IssuerScope): PolicyRule[] {
  return [
    ...issuerNamespaceReadRules,
    ...(allNamespaces ? issuerNamespaceRules(withEscalation) : []),
    ...(clusterScoped ? issuerClusterScopedRules : []),
    ...(clusterScoped && withEscalation && !allNamespaces ? clusterEscalationRules : []),
  ];
}
