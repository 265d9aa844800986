// What `doctor` asks the API server (SelfSubjectAccessReview) to confirm the issuer can
// do, derived from the one home of the issuer's rules, and how a denial is explained.

import { issuerClusterScopedRules, issuerEscalationRules, issuerNamespacedRules, issuerNamespaceReadRules } from './issuer-rbac.js';
import type { PolicyRule } from './policy-rules.js';

/** One verb on one resource, cluster-wide unless a namespace is given: the SelfSubjectAccessReview attributes. */
export interface ResourceAccess {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  namespace?: string;
}

/** "delete secrets", "create serviceaccounts/token", "bind clusterroles.rbac.authorization.k8s.io" — kubectl auth can-i's words. */
export function describeAccess({ group, resource, subresource, verb }: ResourceAccess): string {
  return `${verb} ${resource}${group ? `.${group}` : ''}${subresource ? `/${subresource}` : ''}`;
}

/** Every (verb, resource) a rule list grants, one check each, in the rules' order. */
export function accessChecks(rules: PolicyRule[]): ResourceAccess[] {
  const checks: ResourceAccess[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? ['']) {
      for (const resourcePath of rule.resources ?? []) {
        const [resource, subresource] = resourcePath.split('/') as [string, string | undefined];
        for (const verb of rule.verbs) checks.push({ group, resource, ...(subresource ? { subresource } : {}), verb });
      }
    }
  }
  return checks;
}

export interface IssuerAccessChecks {
  /** Needed wherever leases are issued: cluster-wide, or in each namespace the issuer serves. */
  namespaced: ResourceAccess[];
  /** Needed cluster-wide by every issuer. */
  clusterWide: ResourceAccess[];
  /** Needed only for generated ClusterRole rules and --cluster-role-binding. */
  clusterScoped: ResourceAccess[];
  /** Only limit what the issuer can grant (checked where the namespaced rights are). */
  escalation: ResourceAccess[];
}

export function issuerAccessChecks(): IssuerAccessChecks {
  return {
    namespaced: accessChecks(issuerNamespacedRules),
    clusterWide: accessChecks(issuerNamespaceReadRules),
    clusterScoped: accessChecks(issuerClusterScopedRules),
    escalation: accessChecks(issuerEscalationRules),
  };
}

export function inNamespace(accesses: ResourceAccess[], namespace: string): ResourceAccess[] {
  return accesses.map((access) => ({ ...access, namespace }));
}

/** `--service-account NS/NAME` for a ServiceAccount user name, `--user NAME` otherwise: what `setup` needs to fix it. */
export function setupSubjectFlag(userName: string): string {
  const serviceAccount = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(userName);
  return serviceAccount ? `--service-account ${serviceAccount[1]}/${serviceAccount[2]}` : `--user ${userName}`;
}
