// Printing an issuance preview (`issue --dry-run`): a table by default; -o yaml and -o json print
// the objects as manifests (kubectl apply -f reads both), YAML with the decisions as comments.

import type { GrantPreview, PermissionsPreview } from '../core/grant-preview.js';
import { formatDuration } from '../core/duration.js';
import { describeRef } from '../core/object-ref.js';
import type { PolicyRule } from '../core/policy-rules.js';
import { toYaml } from '../core/structured-text.js';
import { columns, keyValues, structured } from './render.js';
import { previewIssue } from '../app/preview.js';
import { invalidInput } from '../core/errors.js';
import type { IssueDeps } from '../app/issue.js';
import { issueRequest, type IssueArgs } from './issue-options.js';
import { warn, write } from './io.js';

export const previewFormats = ['table', 'json', 'yaml'] as const;
export type PreviewFormat = (typeof previewFormats)[number];

const isPreviewFormat = (format: string): format is PreviewFormat => (previewFormats as readonly string[]).includes(format);

/** `issue --dry-run`: previews the issuance the arguments ask for, in a format without a token. */
export async function printPreview(deps: IssueDeps, args: IssueArgs, format: string): Promise<void> {
  if (!isPreviewFormat(format)) throw invalidInput(`--dry-run prints no token: use -o ${previewFormats.join(', -o ')}`);
  const preview = await previewIssue(deps, issueRequest(args));
  preview.ttl.warnings.forEach(warn);
  write(renderPreview(preview, format));
}

export function renderPreview(preview: GrantPreview, format: PreviewFormat): string {
  switch (format) {
    case 'json':
      return structured({ apiVersion: 'v1', kind: 'List', items: preview.objects }, 'json');
    case 'yaml':
      return [`${summary(preview).map((line) => `# ${line}`).join('\n')}\n`, ...preview.objects.map((object) => `---\n${toYaml(object)}`)].join('');
    case 'table':
      return [
        keyValues([
          ['lease_id', `${preview.leaseId} (a new one for each issuance)`],
          ['namespace', preview.namespace.decision],
          ['ttl', preview.ttl.decision],
          ['token', tokenLine(preview)],
        ]),
        columns(
          ['KIND', 'NAME', 'OWNER', 'LABELS'],
          preview.objects.map(({ kind, metadata }) => [
            kind,
            metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name,
            metadata.ownerReferences?.map((owner) => `${owner.kind} ${owner.name}`).join(', ') ?? (metadata.namespace ? '-' : 'anchor uid annotation'),
            Object.entries(metadata.labels).map(([key, value]) => `${key}=${value}`).join(','),
          ]),
        ),
        `Permissions: ${permissionsLine(preview.permissions)}\n`,
        ...(preview.permissions.binding && Array.isArray(preview.permissions.binding.rules) ? [rulesTable(preview.permissions.binding.rules)] : []),
        ...preview.notes.map((note) => `Note: ${note}\n`),
        'Dry run: the API server checked every object (dryRun=All); nothing was created.\n',
      ].join('\n');
  }
}

function tokenLine({ token }: GrantPreview): string {
  const audiences = token.audiences.length > 0 ? token.audiences.join(', ') : "the API server's";
  return `for ServiceAccount ${token.namespace}/${token.serviceAccount}, ${formatDuration(token.expirationSeconds)}, bound to ${token.boundTo}; audiences: ${audiences}`;
}

function permissionsLine({ subject, binding }: PermissionsPreview): string {
  if (!binding) return `${subject} (existing): what is already bound to it; the lease binds nothing`;
  const { kind, roleRef, generated, namespace, rules } = binding;
  const ref = describeRef({ apiVersion: 'rbac.authorization.k8s.io/v1', ...roleRef });
  const scope = namespace ? `in namespace ${namespace}` : 'cluster-wide (every namespace)';
  const state = rules === 'absent' ? '; it does not exist: the token gets no permissions until it does' : rules === 'forbidden' ? '; the issuer may not read it, so its rules are not shown' : '';
  return `${subject} through a ${kind} to ${ref} (${generated ? 'generated' : 'existing, read from the API server'}), ${scope}${state}`;
}

function rulesTable(rules: PolicyRule[]): string {
  const list = (values: string[] | undefined) => (values && values.length > 0 ? values.join(', ') : '');
  return columns(
    ['API GROUPS', 'RESOURCES', 'VERBS', 'RESOURCE NAMES'],
    rules.map((rule) => [
      list(rule.apiGroups?.map((group) => (group === '' ? '(core)' : group))),
      list(rule.resources) || list(rule.nonResourceURLs),
      list(rule.verbs),
      list(rule.resourceNames),
    ]),
  );
}

/** The decisions, for the YAML header. */
function summary(preview: GrantPreview): string[] {
  const { binding } = preview.permissions;
  return [
    `kubectl tempcreds issue --dry-run: nothing was created; the API server checked every object (dryRun=All)`,
    `owner references and anchor-uid name the uid of the dry-run anchor, which no object has: issue creates these, kubectl apply must not`,
    `lease_id: ${preview.leaseId} (a new one for each issuance)`,
    `namespace: ${preview.namespace.decision}`,
    `ttl: ${preview.ttl.decision}`,
    `token: ${tokenLine(preview)}`,
    `permissions: ${permissionsLine(preview.permissions)}`,
    ...(binding && Array.isArray(binding.rules) ? toYaml(binding.rules).trimEnd().split('\n').map((line) => `  ${line}`) : []),
    ...preview.notes.map((note) => `note: ${note}`),
  ];
}
