// Vault roles → roles of this tool. The input is what `vault read -format=json
// kubernetes/roles/NAME` prints (its `data` holds the role), or an object of such outputs
// keyed by role name. Every problem of every role is gathered (the caller stores nothing
// while there is one), and where Vault means something else than the imported role, a
// warning says so.

import { checkRoleSpec, type RoleDefinition } from './role-spec.js';
import { parseStructured } from './structured-text.js';
import { translateVaultNameTemplate } from './vault-name-template.js';
import { isRecord, type Raw } from './raw.js';

export interface VaultImportOptions {
  /** The role's name when the input is one role (Vault's output may lack it). */
  name?: string;
  /** Keep Vault's rule that any request may ask for a ClusterRoleBinding (ClusterRole roles only). */
  allowClusterRoleBinding?: boolean;
}

export interface VaultImport {
  /** The roles without problems. */
  roles: RoleDefinition[];
  /** Every problem of every role, one line each; the import stores nothing while there is one. */
  problems: string[];
  warnings: string[];
}

const ROLE_FIELDS = [
  'name',
  'allowed_kubernetes_namespaces',
  'allowed_kubernetes_namespace_selector',
  'token_default_ttl',
  'token_max_ttl',
  'token_default_audiences',
  'service_account_name',
  'kubernetes_role_name',
  'kubernetes_role_type',
  'generated_role_rules',
  'name_template',
  'extra_labels',
  'extra_annotations',
];

const isVaultResponse = (value: unknown): value is { data: Raw } => isRecord(value) && isRecord(value.data);

export function rolesFromVault(input: unknown, options: VaultImportOptions = {}): VaultImport {
  const problems: string[] = [];
  const entries: [string, Raw][] = [];
  if (isVaultResponse(input)) {
    const name = options.name ?? (typeof input.data.name === 'string' && input.data.name !== '' ? input.data.name : undefined);
    if (name === undefined) problems.push('the output of vault read does not name its role: give it with --name NAME');
    else entries.push([name, input.data]);
  } else if (isRecord(input) && Object.keys(input).length > 0 && Object.values(input).every(isVaultResponse)) {
    if (options.name !== undefined) problems.push('--name applies to the output of one vault read; in {NAME: output} the keys name the roles');
    for (const [name, response] of Object.entries(input)) entries.push([name, (response as { data: Raw }).data]);
  } else {
    problems.push('expected what "vault read -format=json kubernetes/roles/NAME" prints (an object with "data"), or an object of such outputs keyed by role name');
  }
  const roles: RoleDefinition[] = [];
  const warnings: string[] = [];
  for (const [name, data] of entries) {
    const translated = translateRole(name, data, options);
    const checked = checkRoleSpec(name, translated.spec);
    const roleProblems = [...translated.problems, ...checked.problems];
    if (roleProblems.length > 0) problems.push(...roleProblems.map((problem) => `role "${name}": ${problem}`));
    else roles.push(checked.role!);
    warnings.push(...translated.warnings.map((warning) => `Vault role "${name}": ${warning}`));
  }
  return { roles, problems, warnings };
}

function translateRole(name: string, data: Raw, options: VaultImportOptions): { spec: Raw; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const key of Object.keys(data)) {
    if (!ROLE_FIELDS.includes(key)) problems.push(`unknown field "${key}" (not a field of the Kubernetes secrets engine's roles: is this the output of vault read kubernetes/roles/NAME?)`);
  }
  const text = (key: string): string | undefined => {
    const value = data[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value;
    problems.push(`${key} must be a string`);
    return undefined;
  };
  const structured = (key: string): unknown => {
    const value = text(key);
    if (value === undefined) return undefined;
    try {
      return parseStructured(value, key);
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };
  const seconds = (key: string): number | undefined => {
    const value = data[key] ?? 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      problems.push(`${key} must be a whole number of seconds (got ${JSON.stringify(value)})`);
      return undefined;
    }
    return value === 0 ? undefined : value;
  };

  const spec: Raw = {
    allowedNamespaces: data.allowed_kubernetes_namespaces ?? [],
    namespaceSelector: structured('allowed_kubernetes_namespace_selector'),
    defaultTtl: seconds('token_default_ttl'),
    maxTtl: seconds('token_max_ttl'),
    defaultAudiences: data.token_default_audiences ?? undefined,
    serviceAccount: text('service_account_name'),
    kubernetesRole: text('kubernetes_role_name'),
    rules: structured('generated_role_rules'),
    extraLabels: data.extra_labels ?? undefined,
    extraAnnotations: data.extra_annotations ?? undefined,
  };
  // Vault always prints a role type (default Role), also for a ServiceAccount role, where it means nothing.
  const roleType = text('kubernetes_role_type');
  if (spec.serviceAccount === undefined && roleType !== undefined) spec.roleType = roleType;

  const template = text('name_template');
  if (template !== undefined) {
    const translated = translateVaultNameTemplate(template);
    problems.push(...translated.problems.map((problem) => `name_template ${JSON.stringify(template)} ${problem}`));
    warnings.push(...translated.warnings.map((warning) => `name_template: ${warning}`));
    spec.nameTemplate = translated.template;
  }

  if (Array.isArray(spec.allowedNamespaces) && spec.allowedNamespaces.includes('*')) {
    warnings.push('allowed_kubernetes_namespaces "*" allows every namespace, as in Vault: the issuer must serve them all (setup --all-namespaces)');
  }
  if (spec.defaultTtl === undefined && data.token_default_ttl !== undefined) {
    warnings.push('token_default_ttl is 0, which in Vault means the mount\'s default lease TTL (768h unless tuned): here a request without --ttl gets 1h (set one with role update --default-ttl)');
  }
  if (spec.maxTtl === undefined && data.token_max_ttl !== undefined) {
    warnings.push('token_max_ttl is 0, which in Vault means the mount\'s max lease TTL: here nothing but Kubernetes caps a requested --ttl (set a cap with role update --max-ttl)');
  }
  if (spec.serviceAccount === undefined && roleType?.toLowerCase() === 'clusterrole') {
    if (options.allowClusterRoleBinding) {
      spec.allowClusterRoleBinding = true;
      warnings.push('imported with allowClusterRoleBinding, as Vault behaves: a request may bind the ClusterRole cluster-wide (--cluster-role-binding), beyond the allowed namespaces');
    } else {
      warnings.push(
        `Vault lets any request for a ClusterRole role ask for cluster_role_binding=true (its rights in every namespace); here the role must allow it, and the import does not: issue --cluster-role-binding is refused (allow it with: kubectl tempcreds role update ${name} --allow-cluster-role-binding)`,
      );
    }
  }
  return { spec: Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined)), problems, warnings };
}
