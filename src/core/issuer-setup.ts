// The issuer identity `setup` creates: who it is (a ServiceAccount or a user), the
// ClusterRole holding the rules of issuer-rbac.ts, and the binding between them.
// Pure: the objects are planned here and applied (or printed) by the shell.

import { invalidInput, invalidInputs } from './errors.js';
import type { Manifest } from './grant-plan.js';
import { issuerRules } from './issuer-rbac.js';
import { checkDns1123Label, checkDns1123Subdomain, checkPathSegmentName } from './kube-names.js';

export const DEFAULT_ISSUER_NAME = 'kubectl-tempcreds-issuer';

/** Not `app.kubernetes.io/managed-by`: that label marks the objects of leases. */
const ISSUER_LABELS = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'issuer' };

export type IssuerSubject = { kind: 'ServiceAccount'; namespace: string; name: string } | { kind: 'User'; name: string };

export interface IssuerSetup {
  /** Name of the ClusterRole and its ClusterRoleBinding. */
  name: string;
  subject: IssuerSubject;
  withEscalation: boolean;
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

export function checkIssuerName(name: string): string {
  const problem = checkPathSegmentName(name);
  if (problem) throw invalidInput(`--name "${name}" ${problem}`);
  return name;
}

/** The kubeconfig user name Kubernetes authenticates this subject as. */
export function subjectUserName(subject: IssuerSubject): string {
  return subject.kind === 'User' ? subject.name : `system:serviceaccount:${subject.namespace}:${subject.name}`;
}

/** ServiceAccount (when the subject is one), ClusterRole, ClusterRoleBinding: in the order they must be applied. */
export function issuerManifests({ name, subject, withEscalation }: IssuerSetup): Manifest[] {
  const metadata = (objectName: string, namespace?: string) => ({ name: objectName, ...(namespace ? { namespace } : {}), labels: { ...ISSUER_LABELS }, annotations: {} });
  const rbac = 'rbac.authorization.k8s.io';
  const manifests: Manifest[] = [];
  if (subject.kind === 'ServiceAccount') manifests.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(subject.name, subject.namespace) });
  manifests.push({ apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: metadata(name), rules: issuerRules(withEscalation) });
  manifests.push({
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: metadata(name),
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name },
    subjects: [subject.kind === 'User' ? { apiGroup: rbac, kind: 'User', name: subject.name } : { kind: 'ServiceAccount', namespace: subject.namespace, name: subject.name }],
  });
  return manifests;
}

/** The trade-off `setup` explains, one paragraph per choice. */
export function escalationTradeOff(withEscalation: boolean): string {
  return withEscalation
    ? 'With escalate/bind (the default) the issuer can create and bind roles granting permissions it does not hold itself, so generated rules and bindings to existing roles work as in Vault; whoever holds its credentials can grant themselves anything, as cluster-admin can. Guard them like an admin kubeconfig.'
    : 'Without escalate/bind (--no-escalate) Kubernetes lets the issuer grant only permissions it holds itself: leases for existing ServiceAccounts work, but generated rules and bindings to existing roles get 403 unless the issuer also holds what they grant. It can still mint tokens for any ServiceAccount and read Secrets, so it is as powerful as the most privileged ServiceAccount: guard its credentials too.'
}
