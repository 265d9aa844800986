// The least-privilege identity the tool issues credentials as. One home for these
// rules: the test control plane applies them, `setup` prints or applies them.

import type { PolicyRule } from './policy-rules.js';

/** Objects a lease creates, plus what revocation and `lease list` read back. */
export const issuerBaseRules: PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'create', 'delete'] },
  // patch: a lease's anchor Secret is marked when its token is requested.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'delete', 'patch'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'],
    verbs: ['get', 'list', 'create', 'delete'],
  },
];

/**
 * Without these the issuer can only grant what it holds itself (Kubernetes' RBAC
 * escalation prevention); with them it can grant anything. The trade-off `setup` explains.
 */
export const issuerEscalationRules: PolicyRule[] = [
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'clusterroles'], verbs: ['bind', 'escalate'] },
];

export function issuerRules(withEscalation: boolean): PolicyRule[] {
  return withEscalation ? [...issuerBaseRules, ...issuerEscalationRules] : [...issuerBaseRules];
}
