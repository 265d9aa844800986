// The CredentialRole CustomResourceDefinition: roles stored in the cluster, so a team shares one
// reviewed set, RBAC guards it and etcd replicates it. Its spec is the role document's spec
// (core/role-spec.ts), in the normalized form the tool writes, so `role get -o yaml` output is
// what `kubectl apply -f` takes. The schema refuses what the API server can judge itself
// (types, enums, patterns, CEL); the rest (name templates, label syntax, selector terms) is the
// tool's validator's, reported as a Ready=False condition (core/role-condition.ts). Pure data.

import type { Manifest } from '../grant-plan.js';
import { RESERVED_PREFIX } from '../lease.js';
import { CREDENTIAL_ROLE_KIND, CREDENTIAL_ROLES, crdName, TEMPCREDS_GROUP, TEMPCREDS_VERSION } from '../delegation-names.js';

/** Go-style durations only (CEL's duration() parses them): what the tool writes, e.g. 1h, 1h30m, 80h. */
const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(h|m|s))+$';
const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const stringList = (items: Record<string, unknown> = {}, maxItems = 256) => ({ type: 'array', maxItems, items: { type: 'string', maxLength: 253, ...items } });

const ttl = (field: string) => ({
  type: 'string',
  maxLength: 32,
  pattern: DURATION_PATTERN,
  // TokenRequest's bounds: shorter or longer lifetimes are refused by the API server anyway.
  'x-kubernetes-validations': [{ rule: "duration(self) >= duration('10m') && duration(self) <= duration('4294967296s')", message: `${field} must be from 10m to 4294967296s (the lifetimes Kubernetes gives a token)` }],
});

const reservedKeys = (field: string) => ({
  rule: `self.all(k, !k.startsWith('${RESERVED_PREFIX}'))`,
  message: `${field} keys may not use the prefix ${RESERVED_PREFIX}, which kubectl-tempcreds reserves for its own labels`,
});

const stringMap = (field: string) => ({ type: 'object', maxProperties: 64, additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [reservedKeys(field)] });

const policyRule = {
  type: 'object',
  required: ['verbs'],
  properties: {
    apiGroups: stringList(),
    resources: stringList(),
    resourceNames: stringList(),
    nonResourceURLs: stringList(),
    verbs: { ...stringList({ minLength: 1 }), minItems: 1 },
  },
  'x-kubernetes-validations': [
    { rule: '!(has(self.nonResourceURLs) && size(self.nonResourceURLs) > 0 && has(self.resources) && size(self.resources) > 0)', message: 'a rule may not mix resources and nonResourceURLs' },
    { rule: '(has(self.nonResourceURLs) && size(self.nonResourceURLs) > 0) || (has(self.resources) && size(self.resources) > 0 && has(self.apiGroups))', message: 'a rule needs resources and apiGroups ("" is the core group), or nonResourceURLs in a ClusterRole' },
  ],
};

const labelSelector = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', maxProperties: 64, additionalProperties: { type: 'string', maxLength: 63 } },
    matchExpressions: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', maxLength: 317 },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: stringList({ maxLength: 63 }),
        },
      },
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)',
      message: 'namespaceSelector is empty and would match every namespace; give at least one label requirement',
    },
  ],
};

const modeCount = "[has(self.serviceAccount), has(self.kubernetesRole), has(self.rules)].filter(x, x).size()";
const roleTypeOf = "(has(self.roleType) ? self.roleType : 'Role')";
const roleRefTypeOf = `(has(self.roleRefType) ? self.roleRefType : ${roleTypeOf})`;
const KUBERNETES_LABEL_PREFIXES = ['rbac.authorization.k8s.io/', 'kubernetes.io/', 'k8s.io/'];

const specSchema = {
  type: 'object',
  properties: {
    allowedNamespaces: {
      ...stringList({ maxLength: 63, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\\*)$' }),
      description: 'Namespaces a lease may be issued in ("*" for all), OR-ed with namespaceSelector.',
      'x-kubernetes-validations': [{ rule: "!('*' in self) || size(self) == 1", message: 'allowedNamespaces: "*" stands alone' }],
    },
    namespaceSelector: { ...labelSelector, description: 'Namespaces whose labels match may be used too.' },
    defaultTtl: { ...ttl('defaultTtl'), description: 'A lease\'s lifetime when the request gives none (default 1h).' },
    maxTtl: { ...ttl('maxTtl'), description: 'The longest lifetime a request may get (longer ones are capped).' },
    defaultAudiences: stringList({ minLength: 1 }, 64),
    serviceAccount: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN, description: 'Mode 1: tokens for this existing ServiceAccount.' },
    kubernetesRole: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: '^[^/%]+$',
      description: 'Mode 2: a new ServiceAccount per lease, bound to this existing Role or ClusterRole.',
      'x-kubernetes-validations': [{ rule: "self != '.' && self != '..'", message: 'kubernetesRole may not be "." or ".."' }],
    },
    rules: { type: 'array', minItems: 1, maxItems: 256, items: policyRule, description: 'Mode 3: a Role or ClusterRole of these rules generated per lease.' },
    roleType: { type: 'string', enum: ['Role', 'ClusterRole'] },
    roleRefType: { type: 'string', enum: ['Role', 'ClusterRole'] },
    nameTemplate: { type: 'string', maxLength: 253 },
    extraLabels: stringMap('extraLabels'),
    extraAnnotations: stringMap('extraAnnotations'),
    issuerContext: { type: 'string', minLength: 1, maxLength: 253, description: 'The kubeconfig context that issues (default: the current one).' },
    allowClusterRoleBinding: { type: 'boolean', description: 'Whether a request may ask for a ClusterRoleBinding (grants beyond allowedNamespaces).' },
  },
  'x-kubernetes-validations': [
    { rule: `${modeCount} == 1`, message: 'exactly one of serviceAccount, kubernetesRole or rules must be set' },
    { rule: '(has(self.allowedNamespaces) && size(self.allowedNamespaces) > 0) || has(self.namespaceSelector)', message: 'allowedNamespaces is empty and there is no namespaceSelector: no namespace could ever be used' },
    { rule: '!has(self.defaultTtl) || !has(self.maxTtl) || duration(self.defaultTtl) <= duration(self.maxTtl)', message: 'defaultTtl cannot be greater than maxTtl' },
    { rule: '!has(self.serviceAccount) || (!has(self.roleType) && !has(self.roleRefType) && !has(self.allowClusterRoleBinding))', message: 'roleType, roleRefType and allowClusterRoleBinding apply only with kubernetesRole or rules, not with serviceAccount' },
    { rule: `!has(self.rules) || ${roleRefTypeOf} == ${roleTypeOf}`, message: 'roleRefType must match roleType for generated rules: the binding references the generated role' },
    { rule: `!has(self.rules) || ${roleTypeOf} == 'ClusterRole' || self.rules.all(r, !has(r.nonResourceURLs) || size(r.nonResourceURLs) == 0)`, message: 'nonResourceURLs are only allowed with roleType ClusterRole' },
    { rule: `!has(self.allowClusterRoleBinding) || !self.allowClusterRoleBinding || ${roleRefTypeOf} == 'ClusterRole'`, message: 'allowClusterRoleBinding needs roleType ClusterRole: a ClusterRoleBinding cannot ref a Role' },
    {
      rule: `!has(self.rules) || !has(self.extraLabels) || self.extraLabels.all(k, ${KUBERNETES_LABEL_PREFIXES.map((prefix) => `!k.startsWith('${prefix}')`).join(' && ')})`,
      message: `extraLabels under ${KUBERNETES_LABEL_PREFIXES.join(', ')} are refused for generated rules: Kubernetes acts on them (aggregate-to-view merges a ClusterRole into "view")`,
    },
  ],
};

/** metav1.Condition, as `kubectl wait --for=condition=Ready` reads it. */
const condition = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: { type: 'string', maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
    message: { type: 'string', maxLength: 32768 },
  },
};

const statusSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    mode: { type: 'string', description: 'What a lease gets: ServiceAccount, Role, ClusterRole, generated Role or generated ClusterRole.' },
    conditions: { type: 'array', maxItems: 8, items: condition, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  },
};

export const CREDENTIAL_ROLE_CRD: Manifest = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: crdName(CREDENTIAL_ROLES), labels: { 'app.kubernetes.io/part-of': 'kubectl-tempcreds' }, annotations: {} },
  spec: {
    group: TEMPCREDS_GROUP,
    scope: 'Cluster',
    names: { plural: CREDENTIAL_ROLES, singular: 'credentialrole', kind: CREDENTIAL_ROLE_KIND, listKind: `${CREDENTIAL_ROLE_KIND}List`, shortNames: ['cr', 'credrole'], categories: ['tempcreds'] },
    versions: [
      {
        name: TEMPCREDS_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Mode', type: 'string', jsonPath: '.status.mode' },
          { name: 'Namespaces', type: 'string', jsonPath: '.spec.allowedNamespaces' },
          { name: 'Default TTL', type: 'string', jsonPath: '.spec.defaultTtl' },
          { name: 'Max TTL', type: 'string', jsonPath: '.spec.maxTtl' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A kubectl-tempcreds role: which identity a lease gets, in which namespaces, for how long.',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: specSchema,
              status: statusSchema,
            },
            // Role names go into label values, lease ids and object names: a DNS label, not a subdomain.
            'x-kubernetes-validations': [{ rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches('${DNS_LABEL_PATTERN}')`, message: 'a role name must be a DNS-1123 label: at most 63 lower case letters, digits and "-"' }],
          },
        },
      },
    ],
  },
};
