// Who may use a CredentialRole: RBAC's custom verb `use` on `credentialroles` with the role's
// resourceName (as CSR signers use `sign` on `signers`), which delegated issuance checks. A grant
// is a ClusterRole per role (that one rule) plus a ClusterRoleBinding listing the subjects,
// labelled as the tool's; who-can reads every ClusterRoleBinding, whatever made it. Pure.

import { invalidInput, invalidInputs } from './errors.js';
import type { Manifest } from './grant-plan.js';
import { checkDns1123Label, checkDns1123Subdomain } from './kube-names.js';
import { CREDENTIAL_ROLES, TEMPCREDS_GROUP, USE_VERB } from './delegation-names.js';
import type { PolicyRule } from './policy-rules.js';

const RBAC = 'rbac.authorization.k8s.io';
export const GRANT_LABELS = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'role-grant' };
/** Which role a grant's objects are for (not tempcreds.dev/role: that label marks a lease's objects). */
export const GRANT_ROLE_LABEL = 'tempcreds.dev/grant-role';

export type RbacSubject = { kind: 'User' | 'Group'; name: string } | { kind: 'ServiceAccount'; namespace: string; name: string };

/** The ClusterRole and ClusterRoleBinding of a role's grants: `tempcreds-use-ROLE`. */
export function grantName(role: string): string {
  return `tempcreds-use-${role}`;
}

/** `--user U`, `--group G`, `--serviceaccount NS/NAME`: at least one, each repeatable. */
export function parseGrantSubjects(options: { user?: string[]; group?: string[]; serviceaccount?: string[] }): RbacSubject[] {
  const subjects: RbacSubject[] = [];
  const problems: string[] = [];
  for (const [kind, names] of [['User', options.user ?? []], ['Group', options.group ?? []]] as const) {
    for (const name of names) {
      if (name.trim() === '') problems.push(`--${kind.toLowerCase()} must not be empty`);
      else subjects.push({ kind, name });
    }
  }
  for (const account of options.serviceaccount ?? []) {
    const parts = account.split('/');
    const problem = parts.length !== 2 ? 'is not NAMESPACE/NAME' : (checkDns1123Label(parts[0]!) ?? checkDns1123Subdomain(parts[1]!));
    if (problem) problems.push(`--serviceaccount "${account}" ${problem}`);
    else subjects.push({ kind: 'ServiceAccount', namespace: parts[0]!, name: parts[1]! });
  }
  if (problems.length > 0) throw invalidInputs('invalid subject', problems);
  if (subjects.length === 0) throw invalidInput('name who: --user NAME, --group NAME or --serviceaccount NAMESPACE/NAME (each may be repeated)');
  return subjects;
}

export function describeSubject(subject: RbacSubject): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount ${subject.namespace}/${subject.name}` : `${subject.kind} ${subject.name}`;
}

function subjectRef(subject: RbacSubject): Record<string, string> {
  return subject.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', namespace: subject.namespace, name: subject.name } : { apiGroup: RBAC, kind: subject.kind, name: subject.name };
}

/** A subject as RBAC lists it (bindings written by others may omit apiGroup). */
export function subjectFrom(raw: { kind?: string; name?: string; namespace?: string }): RbacSubject | undefined {
  if (typeof raw.name !== 'string') return undefined;
  if (raw.kind === 'User' || raw.kind === 'Group') return { kind: raw.kind, name: raw.name };
  if (raw.kind === 'ServiceAccount' && typeof raw.namespace === 'string') return { kind: 'ServiceAccount', namespace: raw.namespace, name: raw.name };
  return undefined;
}

const sameSubject = (a: RbacSubject, b: RbacSubject) => describeSubject(a) === describeSubject(b);

function metadata(role: string): Manifest['metadata'] {
  return { name: grantName(role), labels: { ...GRANT_LABELS, [GRANT_ROLE_LABEL]: role }, annotations: {} };
}

/** The rule a grant gives: `use` on exactly this role. */
export function useRule(role: string): PolicyRule {
  return { apiGroups: [TEMPCREDS_GROUP], resources: [CREDENTIAL_ROLES], resourceNames: [role], verbs: [USE_VERB] };
}

export function grantClusterRole(role: string): Manifest {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: metadata(role), rules: [useRule(role)] };
}

/** The binding after adding (or, with `remove`, taking out) subjects; `current` are those bound now. */
export function grantBinding(role: string, current: RbacSubject[], change: { add?: RbacSubject[]; remove?: RbacSubject[] }): { manifest: Manifest; subjects: RbacSubject[] } {
  let subjects = current.filter((subject) => !(change.remove ?? []).some((removed) => sameSubject(subject, removed)));
  for (const added of change.add ?? []) if (!subjects.some((subject) => sameSubject(subject, added))) subjects = [...subjects, added];
  return {
    subjects,
    manifest: { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: metadata(role), roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: grantName(role) }, subjects: subjects.map(subjectRef) },
  };
}

/** Whether a grant's object carries the tool's labels for this role (anything else is not changed). */
export function isGrantObject(labels: Record<string, string> | undefined, role: string): boolean {
  return Object.entries({ ...GRANT_LABELS, [GRANT_ROLE_LABEL]: role }).every(([key, value]) => labels?.[key] === value);
}

const covers = (list: string[] | undefined, value: string) => (list ?? []).some((item) => item === '*' || item === value);

/** Whether a rule allows `use` on this role (wildcards included, as the RBAC authorizer reads them). */
export function allowsUse(rule: PolicyRule, role: string): boolean {
  return covers(rule.apiGroups, TEMPCREDS_GROUP) && covers(rule.resources, CREDENTIAL_ROLES) && covers(rule.verbs, USE_VERB) && (!rule.resourceNames?.length || rule.resourceNames.includes(role));
}

export interface RbacBinding {
  name: string;
  roleRef: { kind: string; name: string };
  subjects: RbacSubject[];
}

/** Everyone a ClusterRoleBinding lets use the role, with the binding and ClusterRole that do. */
export function whoCanUse(role: string, clusterRoles: { name: string; rules: PolicyRule[] }[], bindings: RbacBinding[]): { subject: RbacSubject; binding: string; clusterRole: string }[] {
  const granting = new Set(clusterRoles.filter((clusterRole) => clusterRole.rules.some((rule) => allowsUse(rule, role))).map((clusterRole) => clusterRole.name));
  return bindings
    .filter((binding) => binding.roleRef.kind === 'ClusterRole' && granting.has(binding.roleRef.name))
    .flatMap((binding) => binding.subjects.map((subject) => ({ subject, binding: binding.name, clusterRole: binding.roleRef.name })))
    .sort((a, b) => describeSubject(a.subject).localeCompare(describeSubject(b.subject)) || a.binding.localeCompare(b.binding));
}
