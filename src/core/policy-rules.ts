// RBAC PolicyRules for generated roles: `{rules: [...]}` (Vault's form) or a bare list,
// validated strictly so a misspelt key is an error, not a rule that grants nothing.

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const ruleKeys = ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs', 'verbs'] as const;

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Unwraps Vault's `{rules: [...]}` form; anything else is returned as it is. */
export function unwrapRules(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'rules' in value) {
    return (value as { rules: unknown }).rules;
  }
  return value;
}

/** Problems of a rules list, one line each; `clusterScoped` allows nonResourceURLs. */
export function ruleProblems(rules: unknown, clusterScoped: boolean): string[] {
  if (!Array.isArray(rules)) return ['rules must be a list of PolicyRules (or {"rules": [...]})'];
  if (rules.length === 0) return ['rules must hold at least one PolicyRule'];
  return rules.flatMap((rule: unknown, index) => singleRuleProblems(rule, clusterScoped).map((problem) => `rules[${index}] ${problem}`));
}

function singleRuleProblems(rule: unknown, clusterScoped: boolean): string[] {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return ['must be an object'];
  const problems: string[] = [];
  const record = rule as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(ruleKeys as readonly string[]).includes(key)) problems.push(`has unknown key "${key}" (allowed: ${ruleKeys.join(', ')})`);
    else if (!isStringList(record[key])) problems.push(`${key} must be a list of strings`);
  }
  if (problems.length > 0) return problems;
  const { verbs, resources, apiGroups, nonResourceURLs } = record as Partial<PolicyRule>;
  if (!verbs || verbs.length === 0) problems.push('needs at least one verb');
  if (nonResourceURLs && nonResourceURLs.length > 0) {
    if (!clusterScoped) problems.push('nonResourceURLs are only allowed in a ClusterRole (use --role-type ClusterRole)');
    if (resources && resources.length > 0) problems.push('may not mix resources and nonResourceURLs');
  } else {
    if (!resources || resources.length === 0) problems.push('needs resources (or nonResourceURLs in a ClusterRole)');
    if (!apiGroups) problems.push('needs apiGroups ("" is the core group)');
  }
  return problems;
}
