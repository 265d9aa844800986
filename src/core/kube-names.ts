// Kubernetes' own syntax rules for names, label keys/values and annotation keys
// (apimachinery's validation), so bad input is refused before any API call.

export const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** undefined when valid, else why not. Namespaces and our own role names are labels. */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (it has ${value.length})`;
  if (!dns1123Label.test(value)) return 'must consist of lower case letters, digits and "-", and start and end with a letter or digit';
  return undefined;
}

/** ServiceAccount names. */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters (it has ${value.length})`;
  if (!dns1123Subdomain.test(value)) return 'must consist of lower case letters, digits, "-" and ".", and start and end with a letter or digit';
  return undefined;
}

/** Role and ClusterRole names are path segments: `system:aggregate-to-view` is valid. */
export function checkPathSegmentName(value: string): string | undefined {
  if (value === '' ) return 'must not be empty';
  if (value === '.' || value === '..') return `may not be "${value}"`;
  if (/[/%]/.test(value)) return 'may not contain "/" or "%"';
  if (value.length > 253) return `must be at most 253 characters (it has ${value.length})`;
  return undefined;
}

/** Label and annotation keys: an optional DNS subdomain prefix, "/", a name of at most 63 characters. */
export function checkQualifiedName(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'may contain at most one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  if (prefix !== undefined) {
    const problem = prefix === '' ? 'must not be empty' : checkDns1123Subdomain(prefix);
    if (problem) return `prefix "${prefix}" ${problem}`;
  }
  if (name === undefined || name.length === 0) return 'name part must not be empty';
  if (name.length > 63) return `name part must be at most 63 characters (it has ${name.length})`;
  if (!qualifiedNamePart.test(name)) return 'name part must consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit';
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (it has ${value.length})`;
  if (value !== '' && !qualifiedNamePart.test(value)) return 'must be empty or consist of letters, digits, "-", "_" or ".", and start and end with a letter or digit';
  return undefined;
}

/** Problems of a label map, one line each, prefixed with `what`. */
export function labelMapProblems(what: string, labels: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = checkQualifiedName(key);
    if (keyProblem) problems.push(`${what} key "${key}" ${keyProblem}`);
    const valueProblem = checkLabelValue(value);
    if (valueProblem) problems.push(`${what} "${key}" value "${value}" ${valueProblem}`);
  }
  return problems;
}

/** Annotation values are free text; keys follow label key syntax; the total is bounded by the API. */
export function annotationMapProblems(what: string, annotations: Record<string, string>): string[] {
  const problems: string[] = [];
  let totalBytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const keyProblem = checkQualifiedName(key);
    if (keyProblem) problems.push(`${what} key "${key}" ${keyProblem}`);
    totalBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (totalBytes > 256 * 1024) problems.push(`${what} total ${totalBytes} bytes; Kubernetes allows at most 256 KiB`);
  return problems;
}
