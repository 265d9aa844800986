// Role field flags (kebab-case, declared in specs/role.ts) → a raw spec patch (camelCase
// keys), validated later by the role spec module, the one place that knows what a valid role is.

import type { InferredOptionTypes } from 'yargs';
import { readInputFile } from '../adapters/files.js';
import { invalidInput } from '../core/errors.js';
import { parseStructured } from '../core/structured-text.js';
import type { roleFieldOptions } from './specs/role.js';

export type RoleFieldArgs = InferredOptionTypes<typeof roleFieldOptions>;

function commaList(values: string[] | undefined): string[] | undefined {
  return values?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
}

function keyValues(values: string[] | undefined, flag: string, splitCommas: boolean): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const pairs = splitCommas ? commaList(values)! : values;
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw invalidInput(`--${flag} "${pair}" is not key=value`);
    map[pair.slice(0, index).trim()] = pair.slice(index + 1).trim();
  }
  return map;
}

/** Only the flags given appear in the patch, so `role update` changes only those. */
export async function roleSpecPatch(args: RoleFieldArgs): Promise<Record<string, unknown>> {
  if (args.rules !== undefined && args['rules-file'] !== undefined) throw invalidInput('give the rules once: --rules or --rules-file, not both');
  const rulesText = args['rules-file'] !== undefined ? await readInputFile(args['rules-file'], `--rules-file ${args['rules-file']}`) : args.rules;
  const selector = args['namespace-selector'];
  const patch: Record<string, unknown> = {
    allowedNamespaces: commaList(args['allowed-namespaces']),
    // A selector in kubectl's string form stays a string; JSON/YAML becomes an object.
    namespaceSelector: selector !== undefined && /matchLabels|matchExpressions|^\s*\{/.test(selector) ? parseStructured(selector, '--namespace-selector') : selector,
    defaultTtl: args['default-ttl'],
    maxTtl: args['max-ttl'],
    defaultAudiences: commaList(args['default-audiences']),
    serviceAccount: args['service-account'],
    kubernetesRole: args['kubernetes-role'],
    rules: rulesText === undefined ? undefined : parseStructured(rulesText, args['rules-file'] ? `--rules-file ${args['rules-file']}` : '--rules'),
    roleType: args['role-type'],
    roleRefType: args['role-ref-type'],
    nameTemplate: args['name-template'],
    extraLabels: keyValues(args['extra-labels'], 'extra-labels', true),
    extraAnnotations: keyValues(args['extra-annotations'], 'extra-annotations', false),
    issuerContext: args['issuer-context'],
    allowClusterRoleBinding: args['allow-cluster-role-binding'],
  };
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}
