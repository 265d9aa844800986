// Which namespace a request may use (Vault's rule): the role's list (or "*") first,
// then its label selector against the live namespace's labels. The selector step needs
// the API, so this module only says whether it is needed.

import { invalidInput } from './errors.js';
import { checkDns1123Label } from './kube-names.js';
import { formatSelector, selectorMatches } from './label-selector.js';
import type { RoleDefinition } from './role-spec.js';

export type NamespaceDecision =
  | { namespace: string; verdict: 'allowed' }
  | { namespace: string; verdict: 'needs-selector' };

export function decideNamespace(role: RoleDefinition, requested: string | undefined): NamespaceDecision {
  const { allowedNamespaces, namespaceSelector } = role.spec;
  if (requested === undefined || requested === '') {
    const [only] = allowedNamespaces;
    if (allowedNamespaces.length === 1 && only !== '*' && !namespaceSelector) return { namespace: only!, verdict: 'allowed' };
    throw invalidInput(`role "${role.name}" allows more than one namespace: choose one with -n NAMESPACE`);
  }
  const namespace = requested.trim().toLowerCase();
  const problem = checkDns1123Label(namespace);
  if (problem) throw invalidInput(`namespace "${requested}" ${problem}`);
  if (allowedNamespaces.includes('*') || allowedNamespaces.includes(namespace)) return { namespace, verdict: 'allowed' };
  if (namespaceSelector) return { namespace, verdict: 'needs-selector' };
  throw namespaceRefused(role, namespace);
}

/** The verdict once the namespace's labels are known (undefined: it does not exist). */
export function checkSelector(role: RoleDefinition, namespace: string, labels: Record<string, string> | undefined): void {
  if (labels === undefined) throw invalidInput(`namespace "${namespace}" does not exist`);
  if (!selectorMatches(role.spec.namespaceSelector!, labels)) throw namespaceRefused(role, namespace);
}

function namespaceRefused(role: RoleDefinition, namespace: string) {
  const { allowedNamespaces, namespaceSelector } = role.spec;
  const allowed = [
    allowedNamespaces.length > 0 ? `namespaces ${allowedNamespaces.join(', ')}` : '',
    namespaceSelector ? `namespaces labelled ${formatSelector(namespaceSelector)}` : '',
  ].filter(Boolean);
  return invalidInput(`namespace "${namespace}" is not in role "${role.name}"'s allowed namespaces and does not match its selector (it allows ${allowed.join(' or ')})`);
}
