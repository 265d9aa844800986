// Role field flags (kebab-case) → a raw spec patch (camelCase keys), validated later by
// the role spec module, the one place that knows what a valid role is.

import type { Options } from 'yargs';
import { readInputFile } from '../adapters/files.js';
import { invalidInput } from '../core/errors.js';
import { parseStructured } from '../core/structured-text.js';

export const roleFieldOptions = {
  'allowed-namespaces': { type: 'string', array: true, describe: 'Namespaces the role may issue in (comma-separated or repeated; "*" for all)' },
  'namespace-selector': { type: 'string', describe: 'Label selector of further allowed namespaces: "env=dev,tier!=db" or a JSON/YAML LabelSelector' },
  'default-ttl': { type: 'string', describe: 'TTL when a request gives none (e.g. 1h; default 1h)' },
  'max-ttl': { type: 'string', describe: 'Longest TTL a request may get; longer requests are capped with a warning' },
  'default-audiences': { type: 'string', array: true, describe: 'Token audiences when a request gives none (comma-separated or repeated)' },
  'service-account': { type: 'string', describe: 'Mode 1: issue tokens for this existing ServiceAccount' },
  'kubernetes-role': { type: 'string', describe: 'Mode 2: bind this existing Role/ClusterRole to a new ServiceAccount per lease' },
  rules: { type: 'string', describe: 'Mode 3: generate a role per lease from these rules (JSON or YAML: {"rules": [PolicyRule…]})' },
  'rules-file': { type: 'string', describe: 'Mode 3, rules read from a file ("-" for stdin)' },
  'role-type': { type: 'string', describe: 'Role or ClusterRole: the kind of the existing or generated role (default Role)' },
  'role-ref-type': { type: 'string', describe: 'Role or ClusterRole: the kind the binding references, when it differs from --role-type' },
  'name-template': { type: 'string', describe: 'Names of generated objects; placeholders {{role}} {{lease}} {{namespace}} {{unix}} (default tc-{{role}}-{{lease}})' },
  'extra-labels': {
    type: 'string',
    array: true,
    describe: 'key=value labels for every created object (comma-separated or repeated); with --rules, none under rbac.authorization.k8s.io/, kubernetes.io/ or k8s.io/, and none an aggregationRule selects',
  },
  'extra-annotations': { type: 'string', array: true, describe: 'key=value annotations for every created object (repeat the flag for each)' },
  'issuer-context': { type: 'string', describe: 'kubeconfig context to issue as (default: the current context)' },
  'allow-cluster-role-binding': {
    type: 'boolean',
    describe: 'Let requests ask for --cluster-role-binding, which grants the ClusterRole in every namespace, beyond --allowed-namespaces (default: refused; --no-allow-cluster-role-binding withdraws it)',
  },
} as const satisfies Record<string, Options>;

export type RoleFieldArgs = {
  [K in keyof typeof roleFieldOptions]?: (typeof roleFieldOptions)[K] extends { array: true } ? string[] : (typeof roleFieldOptions)[K] extends { type: 'boolean' } ? boolean : string;
};

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
