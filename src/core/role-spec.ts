// A role definition: which identity a lease gets (an existing ServiceAccount, an existing
// Role/ClusterRole bound to a new ServiceAccount, or generated rules), where, for how long.
// Parsed and validated strictly in one place, for flags and for `role apply` documents alike.

import { CREDENTIAL_ROLE_KIND, TEMPCREDS_API_VERSION } from './delegation-names.js';
import { digestOf } from './digest.js';
import { formatDuration } from './duration.js';
import { invalidInput, invalidInputs, type TempcredsError } from './errors.js';
import {
  annotationMapProblems,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkPathSegmentName,
  labelMapProblems,
} from './kube-names.js';
import { parseSelectorString, selectorProblems, type LabelSelector } from './label-selector.js';
import { checkNameTemplate } from './naming.js';
import { ruleProblems, unwrapRules, type PolicyRule } from './policy-rules.js';
import { roleTtlField, roleTtlsProblem, type RoleTtls } from './ttl.js';
import { RESERVED_PREFIX } from './lease.js';
import { isRecord, type Raw } from './raw.js';


export type RoleKind = 'Role' | 'ClusterRole';

export interface RoleSpec extends RoleTtls {
  allowedNamespaces: string[];
  namespaceSelector?: LabelSelector;
  defaultAudiences?: string[];
  serviceAccount?: string;
  kubernetesRole?: string;
  rules?: PolicyRule[];
  roleType?: RoleKind;
  roleRefType?: RoleKind;
  nameTemplate?: string;
  extraLabels?: Record<string, string>;
  extraAnnotations?: Record<string, string>;
  /** The issuer's kubeconfig context; absent means the current context. */
  issuerContext?: string;
  /** Whether a request may ask for a ClusterRoleBinding, which grants beyond allowedNamespaces; absent means no. */
  allowClusterRoleBinding?: true;
}

export interface RoleDefinition {
  name: string;
  spec: RoleSpec;
}

export type RoleMode = 'serviceAccount' | 'kubernetesRole' | 'rules';

const modeKeys = ['serviceAccount', 'kubernetesRole', 'rules'] as const satisfies readonly RoleMode[];

export function roleMode(spec: RoleSpec): RoleMode {
  return modeKeys.find((key) => spec[key] !== undefined)!;
}

/** The kind the binding's roleRef names. */
export function roleRefKind(spec: RoleSpec): RoleKind {
  return spec.roleRefType ?? spec.roleType ?? 'Role';
}

/**
 * Label prefixes Kubernetes itself acts on (aggregate-to-* labels merge a ClusterRole into
 * view/edit/admin; kubernetes.io/bootstrapping marks its default roles): never on a generated role.
 * app.kubernetes.io/ is the recommended labels' prefix and stays allowed.
 */
const KUBERNETES_LABEL_PREFIXES = ['rbac.authorization.k8s.io/', 'kubernetes.io/', 'k8s.io/'];

/** Validates a role name: it goes into label values, lease ids and object names. */
export function roleNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'a role name is required';
  const problem = checkDns1123Label(name);
  return problem ? `role name "${name}" ${problem}` : undefined;
}

/** A role name that no role has (exit 2). */
export function unknownRole(name: string): TempcredsError {
  return invalidInput(`role "${name}" does not exist (see: kubectl tempcreds role list)`);
}

/**
 * Turns a raw spec (from flags or a document) into a normalized RoleSpec, or throws
 * an exit-code-2 error listing every problem.
 */
export function validateRoleSpec(name: string, raw: unknown): RoleDefinition {
  const { role, problems } = checkRoleSpec(name, raw);
  if (!role) throw invalidInputs(`invalid role "${name}"`, problems);
  return role;
}

/** The role, or every problem of the raw spec (for callers that gather problems across roles). */
export function checkRoleSpec(name: string, raw: unknown): { role?: RoleDefinition; problems: string[] } {
  const problems: string[] = [];
  const nameProblem = roleNameProblem(name);
  if (nameProblem) problems.push(nameProblem);
  if (!isRecord(raw)) return { problems: [...problems, 'spec must be an object'] };
  for (const key of Object.keys(raw)) {
    if (!(specKeys as readonly string[]).includes(key)) problems.push(`unknown field "${key}" (known fields: ${specKeys.join(', ')})`);
  }
  const check: FieldCheck = { raw, spec: { allowedNamespaces: [] }, problems };
  for (const { validate } of fieldValidators) validate(check);
  return problems.length > 0 ? { problems } : { role: { name, spec: check.spec }, problems };
}

/** What a field validator reads (the raw spec), writes (the normalized spec) and reports. */
interface FieldCheck {
  raw: Raw;
  spec: RoleSpec;
  problems: string[];
  /** The identity the role grants, once its validator ran (later fields depend on it). */
  mode?: RoleMode;
}

const given = (value: unknown) => value !== undefined && value !== null && value !== '';

/** One validator per field (or per fields that are checked together), in the order problems are listed. */
const fieldValidators = [
  { fields: ['allowedNamespaces', 'namespaceSelector'], validate: checkNamespaces },
  { fields: ['defaultTtl', 'maxTtl'], validate: checkTtls },
  { fields: ['defaultAudiences'], validate: checkAudiences },
  { fields: ['serviceAccount', 'kubernetesRole', 'rules', 'roleType', 'roleRefType'], validate: checkIdentity },
  { fields: ['nameTemplate'], validate: checkNameTemplateField },
  { fields: ['extraLabels', 'extraAnnotations'], validate: checkExtraMaps },
  { fields: ['issuerContext'], validate: checkIssuerContext },
  { fields: ['allowClusterRoleBinding'], validate: checkAllowClusterRoleBinding },
] as const satisfies readonly { fields: readonly (keyof RoleSpec)[]; validate: (check: FieldCheck) => void }[];

type ValidatedField = (typeof fieldValidators)[number]['fields'][number];
/** Every field, in the table's order; a RoleSpec field the table misses makes this fail to compile. */
const specKeys: readonly ([Exclude<keyof RoleSpec, ValidatedField>] extends [never] ? ValidatedField : never)[] = fieldValidators.flatMap(({ fields }) => fields);

function checkNamespaces({ raw, spec, problems }: FieldCheck): void {
  spec.allowedNamespaces = namespaceList(raw.allowedNamespaces, problems);
  if (given(raw.namespaceSelector)) {
    const selector = toSelector(raw.namespaceSelector, problems);
    if (selector) spec.namespaceSelector = selector;
  }
  if (spec.allowedNamespaces.length === 0 && !spec.namespaceSelector) {
    problems.push('allowedNamespaces is empty and there is no namespaceSelector: no namespace could ever be used (use --allowed-namespaces NS[,NS…], "*" for all, or --namespace-selector)');
  }
}

function checkTtls({ raw, spec, problems }: FieldCheck): void {
  const seconds: Partial<Record<keyof RoleTtls, number>> = {};
  for (const key of ['defaultTtl', 'maxTtl'] as const) {
    if (!given(raw[key])) continue;
    const field = roleTtlField(key, raw[key]);
    if ('problem' in field) problems.push(field.problem);
    else {
      seconds[key] = field.seconds;
      spec[key] = formatDuration(field.seconds);
    }
  }
  const problem = roleTtlsProblem(seconds.defaultTtl, seconds.maxTtl);
  if (problem) problems.push(problem);
}

function checkAudiences({ raw, spec, problems }: FieldCheck): void {
  if (raw.defaultAudiences === undefined || raw.defaultAudiences === null) return;
  const audiences = stringList(raw.defaultAudiences);
  if (!audiences || audiences.some((audience) => audience === '')) problems.push('defaultAudiences must be a list of non-empty strings');
  else if (audiences.length > 0) spec.defaultAudiences = [...new Set(audiences)];
}

/** Exactly one of serviceAccount, kubernetesRole or rules, and the role types that go with it. */
function checkIdentity(check: FieldCheck): void {
  const { raw, spec, problems } = check;
  const modes = modeKeys.filter((key) => given(raw[key]));
  if (modes.length !== 1) {
    problems.push(
      `exactly one of serviceAccount, kubernetesRole or rules must be set (flags --service-account, --kubernetes-role, --rules)${modes.length > 1 ? `; got ${modes.join(' and ')}` : ''}`,
    );
  }
  const roleType = roleKind(raw.roleType, 'roleType', problems);
  const roleRefType = roleKind(raw.roleRefType, 'roleRefType', problems);
  const mode = modes.length === 1 ? modes[0] : undefined;
  if (mode) check.mode = mode;
  if (mode === 'serviceAccount') {
    const problem = typeof raw.serviceAccount === 'string' ? checkDns1123Subdomain(raw.serviceAccount) : 'must be a string';
    if (problem) problems.push(`serviceAccount "${String(raw.serviceAccount)}" ${problem}`);
    else spec.serviceAccount = raw.serviceAccount as string;
    if (roleType || roleRefType) problems.push('roleType and roleRefType apply only with kubernetesRole or rules, not with serviceAccount');
    return;
  }
  if (mode === 'kubernetesRole') {
    const problem = typeof raw.kubernetesRole === 'string' ? checkPathSegmentName(raw.kubernetesRole) : 'must be a string';
    if (problem) problems.push(`kubernetesRole "${String(raw.kubernetesRole)}" ${problem}`);
    else spec.kubernetesRole = raw.kubernetesRole as string;
  } else if (mode === 'rules') {
    const rules = unwrapRules(raw.rules);
    const ruleIssues = ruleProblems(rules, (roleType ?? 'Role') === 'ClusterRole');
    if (ruleIssues.length > 0) problems.push(...ruleIssues);
    else spec.rules = rules as PolicyRule[];
    if (roleRefType && roleRefType !== (roleType ?? 'Role')) {
      problems.push(`roleRefType ${roleRefType} must match roleType ${roleType ?? 'Role'} for generated rules: the binding references the generated role`);
    }
  }
  if (roleType) spec.roleType = roleType;
  if (roleRefType) spec.roleRefType = roleRefType;
}

function checkNameTemplateField({ raw, spec, problems }: FieldCheck): void {
  if (!given(raw.nameTemplate)) return;
  const problem = typeof raw.nameTemplate === 'string' ? checkNameTemplate(raw.nameTemplate) : 'must be a string';
  if (problem) problems.push(`nameTemplate ${problem}`);
  else spec.nameTemplate = raw.nameTemplate as string;
}

function checkExtraMaps({ raw, spec, problems, mode }: FieldCheck): void {
  for (const key of ['extraLabels', 'extraAnnotations'] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string')) {
      problems.push(`${key} must be a map of strings (key=value pairs)`);
      continue;
    }
    const map = value as Record<string, string>;
    problems.push(...(key === 'extraLabels' ? labelMapProblems('extraLabels', map) : annotationMapProblems('extraAnnotations', map)));
    for (const mapKey of Object.keys(map)) {
      if (mapKey.startsWith(RESERVED_PREFIX)) problems.push(`${key} key "${mapKey}" uses the prefix ${RESERVED_PREFIX}, which kubectl-tempcreds reserves for its own labels`);
      const kubernetesPrefix = KUBERNETES_LABEL_PREFIXES.find((prefix) => mapKey.startsWith(prefix));
      if (key === 'extraLabels' && mode === 'rules' && kubernetesPrefix) {
        problems.push(
          `extraLabels key "${mapKey}" is refused for generated rules: Kubernetes acts on labels under ${kubernetesPrefix} (rbac.authorization.k8s.io/aggregate-to-view=true merges a ClusterRole's rules into "view" for everyone bound to it); use a label of your own domain`,
        );
      }
    }
    if (Object.keys(map).length > 0) spec[key] = map;
  }
}

function checkIssuerContext({ raw, spec, problems }: FieldCheck): void {
  if (!given(raw.issuerContext)) return;
  if (typeof raw.issuerContext !== 'string') problems.push('issuerContext must be the name of a kubeconfig context');
  else spec.issuerContext = raw.issuerContext;
}

function checkAllowClusterRoleBinding({ raw, spec, problems, mode }: FieldCheck): void {
  const value = raw.allowClusterRoleBinding;
  if (value === undefined || value === null || value === false) return;
  if (value !== true) problems.push('allowClusterRoleBinding must be true or false');
  else if (mode === 'serviceAccount') problems.push('allowClusterRoleBinding applies only with kubernetesRole or rules, not with serviceAccount');
  else if (mode && roleRefKind(spec) === 'Role') problems.push('allowClusterRoleBinding needs roleType ClusterRole: a ClusterRoleBinding cannot ref a Role');
  else spec.allowClusterRoleBinding = true;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim());
  return undefined;
}

/** Trimmed, lower-cased, de-duplicated (as Vault); "*" stands alone. */
function namespaceList(value: unknown, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  const list = stringList(value);
  if (!list) {
    problems.push('allowedNamespaces must be a list of namespace names or "*"');
    return [];
  }
  const namespaces = [...new Set(list.map((item) => item.toLowerCase()).filter((item) => item !== ''))];
  for (const namespace of namespaces) {
    const problem = namespace === '*' ? undefined : checkDns1123Label(namespace);
    if (problem) problems.push(`allowedNamespaces entry "${namespace}" ${problem}`);
  }
  return namespaces.includes('*') ? ['*'] : namespaces;
}

function toSelector(value: unknown, problems: string[]): LabelSelector | undefined {
  let selector: unknown = value;
  if (typeof value === 'string') {
    try {
      selector = parseSelectorString(value);
    } catch (error) {
      problems.push(`namespaceSelector: ${(error as Error).message}`);
      return undefined;
    }
  }
  const selectorIssues = selectorProblems(selector);
  problems.push(...selectorIssues.map((problem) => `namespaceSelector ${problem}`));
  return selectorIssues.length === 0 ? (selector as LabelSelector) : undefined;
}

function roleKind(value: unknown, key: string, problems: string[]): RoleKind | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const normalized = typeof value === 'string' ? value.toLowerCase() : '';
  if (normalized === 'role') return 'Role';
  if (normalized === 'clusterrole') return 'ClusterRole';
  problems.push(`${key} must be either Role or ClusterRole (got "${String(value)}")`);
  return undefined;
}

/**
 * Applies an update: only the given fields change. A new mode replaces the old one;
 * switching to another mode also drops the old mode's role types.
 */
export function mergeRoleSpec(current: RoleSpec, patch: Raw): Raw {
  const merged: Raw = { ...current };
  const newMode = modeKeys.find((key) => patch[key] !== undefined);
  if (newMode) {
    for (const key of modeKeys) delete merged[key];
    if (newMode !== roleMode(current)) for (const key of ['roleType', 'roleRefType', 'allowClusterRoleBinding']) delete merged[key];
  }
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) merged[key] = value;
  return merged;
}

/** A Kubernetes-style document (apiVersion, kind, metadata.name, spec) → a validated role. */
export function roleFromDocument(document: unknown, where: string): RoleDefinition {
  if (!isRecord(document)) throw invalidInputs(where, ['a role document must be a mapping with apiVersion, kind, metadata and spec']);
  const problems: string[] = [];
  for (const key of Object.keys(document)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key)) problems.push(`unknown top-level field "${key}" (expected apiVersion, kind, metadata, spec)`);
  }
  if (document.apiVersion !== TEMPCREDS_API_VERSION) problems.push(`apiVersion must be ${TEMPCREDS_API_VERSION} (got ${JSON.stringify(document.apiVersion ?? null)})`);
  if (document.kind !== CREDENTIAL_ROLE_KIND) problems.push(`kind must be ${CREDENTIAL_ROLE_KIND} (got ${JSON.stringify(document.kind ?? null)})`);
  const metadata = document.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string') problems.push('metadata.name is required');
  else for (const key of Object.keys(metadata)) if (key !== 'name') problems.push(`unknown metadata field "${key}" (only name is used)`);
  if (problems.length > 0) throw invalidInputs(where, problems);
  return validateRoleSpec((metadata as { name: string }).name, document.spec);
}

export function roleToDocument(role: RoleDefinition): Raw {
  return { apiVersion: TEMPCREDS_API_VERSION, kind: CREDENTIAL_ROLE_KIND, metadata: { name: role.name }, spec: role.spec };
}

/** Identifies a role definition: any change to it changes the digest. */
export function roleDigest(role: RoleDefinition): string {
  return digestOf(roleToDocument(role), 16);
}
