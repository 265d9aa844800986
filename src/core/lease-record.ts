// Validation of a lease record read back from disk. A record's object list drives DELETEs as the
// issuer, and anyone who can write the file can forge it: so every field is checked against what
// issuance writes (leaseRecordFor), and a record that fails is never acted on. Pure.

import { MANAGED_KINDS, apiVersionOf } from './api-paths.js';
import { checkDns1123Label, checkDns1123Subdomain } from './kube-names.js';
import { parseLeaseId } from './lease.js';
import { isTokenCacheKey } from './token-cache.js';
import { isRecord } from './raw.js';

const NAMESPACED_KINDS = new Set(['Secret', 'ServiceAccount', 'Role', 'RoleBinding']);
const REQUIRED_KEYS = ['id', 'role', 'roleDigest', 'namespace', 'serviceAccountName', 'serviceAccountCreated', 'issuedAt', 'expiresAt', 'ttlSeconds', 'context', 'cluster', 'issuedBy', 'objects'];
const OPTIONAL_KEYS = ['bindingKind', 'tokenCacheKey', 'kubeconfig', 'clusterCaDigest', 'request'];
const OBJECT_KEYS = ['apiVersion', 'kind', 'name', 'namespace', 'uid'];
const SHA256_HEX = /^[0-9a-f]{64}$/;

const isIsoDate = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;

function objectProblems(object: unknown, index: number, lease: { namespace: unknown; suffix: string }): string[] {
  const where = `objects[${index}]`;
  if (!isRecord(object)) return [`${where} is not an object`];
  const problems = Object.keys(object).filter((key) => !OBJECT_KEYS.includes(key)).map((key) => `${where} has unknown key "${key}"`);
  const { apiVersion, kind, name, namespace, uid } = object;
  if (typeof kind !== 'string' || !MANAGED_KINDS.includes(kind) || apiVersion !== apiVersionOf(kind)) {
    return [...problems, `${where} is ${JSON.stringify(apiVersion)} ${JSON.stringify(kind)}, not a kind a lease creates`];
  }
  const nameProblem = typeof name === 'string' ? checkDns1123Subdomain(name) : 'is missing';
  if (nameProblem) problems.push(`${where} name ${JSON.stringify(name)} ${nameProblem}`);
  // Every generated name carries the lease suffix (naming.ts keeps it even when truncating).
  else if (!(name as string).includes(lease.suffix)) problems.push(`${where} name "${name}" does not carry the lease's suffix "${lease.suffix}"`);
  if (NAMESPACED_KINDS.has(kind) ? namespace !== lease.namespace : namespace !== undefined) {
    problems.push(`${where} (${kind}) namespace ${JSON.stringify(namespace ?? null)} is not ${NAMESPACED_KINDS.has(kind) ? `the lease's, ${JSON.stringify(lease.namespace)}` : 'absent (it is cluster-scoped)'}`);
  }
  if (uid !== undefined && !(typeof uid === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(uid))) problems.push(`${where} uid ${JSON.stringify(uid)} is not a uid`);
  return problems;
}

/** A delegated lease's request: a namespace, a name and a uid as the API server gives them, nothing else. */
function requestProblems(request: unknown): string[] {
  if (!isRecord(request)) return ['request is not an object'];
  const { namespace, name, uid, ...rest } = request;
  const problems = Object.keys(rest).map((key) => `request has unknown key "${key}"`);
  const namespaceProblem = typeof namespace === 'string' ? checkDns1123Label(namespace) : 'is not a string';
  if (namespaceProblem) problems.push(`request namespace ${JSON.stringify(namespace)} ${namespaceProblem}`);
  const nameProblem = typeof name === 'string' ? checkDns1123Subdomain(name) : 'is not a string';
  if (nameProblem) problems.push(`request name ${JSON.stringify(name)} ${nameProblem}`);
  if (!(typeof uid === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(uid))) problems.push(`request uid ${JSON.stringify(uid)} is not a uid`);
  return problems;
}

/** Why `value` is not a record issuance could have written under lease id `id`; empty when it is. */
export function leaseRecordProblems(value: unknown, id: string): string[] {
  if (!isRecord(value)) return ['it is not a JSON object'];
  const problems: string[] = [];
  for (const key of Object.keys(value)) if (!REQUIRED_KEYS.includes(key) && !OPTIONAL_KEYS.includes(key)) problems.push(`unknown key "${key}"`);
  for (const key of REQUIRED_KEYS) if (value[key] === undefined) problems.push(`"${key}" is missing`);
  if (problems.length > 0) return problems;
  const { role, suffix } = parseLeaseId(id);
  if (value.id !== id) problems.push(`its id ${JSON.stringify(value.id)} is not ${JSON.stringify(id)}, the id its file name says`);
  if (value.role !== role) problems.push(`its role ${JSON.stringify(value.role)} is not "${role}"`);
  if (typeof value.roleDigest !== 'string' || !/^[0-9a-f]{1,64}$/.test(value.roleDigest)) problems.push('roleDigest is not a hex digest');
  const namespaceProblem = typeof value.namespace === 'string' ? checkDns1123Label(value.namespace) : 'is not a string';
  if (namespaceProblem) problems.push(`namespace ${JSON.stringify(value.namespace)} ${namespaceProblem}`);
  const accountProblem = typeof value.serviceAccountName === 'string' ? checkDns1123Subdomain(value.serviceAccountName) : 'is not a string';
  if (accountProblem) problems.push(`serviceAccountName ${JSON.stringify(value.serviceAccountName)} ${accountProblem}`);
  if (typeof value.serviceAccountCreated !== 'boolean') problems.push('serviceAccountCreated is not true or false');
  if (value.bindingKind !== undefined && value.bindingKind !== 'RoleBinding' && value.bindingKind !== 'ClusterRoleBinding') problems.push(`bindingKind ${JSON.stringify(value.bindingKind)} is not RoleBinding or ClusterRoleBinding`);
  for (const key of ['issuedAt', 'expiresAt']) if (!isIsoDate(value[key])) problems.push(`${key} ${JSON.stringify(value[key])} is not an ISO 8601 time`);
  if (!Number.isSafeInteger(value.ttlSeconds) || (value.ttlSeconds as number) <= 0) problems.push('ttlSeconds is not a positive whole number');
  for (const key of ['context', 'cluster', 'issuedBy']) if (typeof value[key] !== 'string') problems.push(`${key} is not a string`);
  if (value.tokenCacheKey !== undefined && !isTokenCacheKey(value.tokenCacheKey)) problems.push('tokenCacheKey is not a 64-digit hex sha256');
  if (value.kubeconfig !== undefined && (typeof value.kubeconfig !== 'string' || value.kubeconfig === '')) problems.push('kubeconfig is not a path');
  if (value.clusterCaDigest !== undefined && !(typeof value.clusterCaDigest === 'string' && SHA256_HEX.test(value.clusterCaDigest))) problems.push('clusterCaDigest is not a 64-digit hex sha256');
  if (value.request !== undefined) problems.push(...requestProblems(value.request));
  if (!Array.isArray(value.objects)) problems.push('objects is not a list');
  else value.objects.forEach((object, index) => problems.push(...objectProblems(object, index, { namespace: value.namespace, suffix })));
  return problems;
}
