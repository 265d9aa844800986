// `role create|update|get|list|delete|apply|import`: role definitions; `role grant|revoke-grant|who-can`: who may use them.

import { readInputFile } from '../../adapters/files.js';
import { grantRole, revokeGrant, whoCan } from '../../app/role-grants.js';
import { applyRoles, createRole, deleteRole, importRoles, updateRole } from '../../app/roles.js';
import { describeSubject, parseGrantSubjects } from '../../core/role-grants.js';
import { invalidInput, invalidInputs } from '../../core/errors.js';
import { formatSelector } from '../../core/label-selector.js';
import { roleFromDocument, roleMode, roleRefKind, roleToDocument, unknownRole, type RoleDefinition } from '../../core/role-spec.js';
import { GLOBAL_DEFAULT_TTL } from '../../core/ttl.js';
import { parseDocuments, parseStructured } from '../../core/structured-text.js';
import { rolesFromVault } from '../../core/vault-role.js';
import type { CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print, warn } from '../io.js';
import { columns, keyValues, structured, type OutputFormat } from '../render.js';
import { roleSpecPatch } from '../role-flags.js';
import type { roleApplySpec, roleCreateSpec, roleDeleteSpec, roleGetSpec, roleGrantSpec, roleImportSpec, roleListSpec, roleRevokeGrantSpec, roleUpdateSpec, roleWhoCanSpec } from '../specs/role.js';

function grants(role: RoleDefinition): string {
  const { spec } = role;
  switch (roleMode(spec)) {
    case 'serviceAccount':
      return `ServiceAccount ${spec.serviceAccount}`;
    case 'kubernetesRole':
      return `${roleRefKind(spec)} ${spec.kubernetesRole}`;
    case 'rules':
      return `generated ${spec.roleType ?? 'Role'} (${spec.rules!.length} rule${spec.rules!.length === 1 ? '' : 's'})`;
  }
}

function namespaces(role: RoleDefinition): string {
  const { allowedNamespaces, namespaceSelector, allowClusterRoleBinding } = role.spec;
  return [allowedNamespaces.join(','), namespaceSelector ? `selector ${formatSelector(namespaceSelector)}` : '', allowClusterRoleBinding ? 'cluster-wide on request' : ''].filter(Boolean).join(' + ');
}

function renderRole(role: RoleDefinition, format: OutputFormat): string {
  if (format !== 'table') return structured(roleToDocument(role), format);
  const { spec } = role;
  const entries: [string, string | undefined][] = [
    ['name', role.name],
    ['grants', grants(role)],
    ['allowed_namespaces', namespaces(role)],
    ['default_ttl', spec.defaultTtl ?? `${GLOBAL_DEFAULT_TTL} (global default)`],
    ['max_ttl', spec.maxTtl ?? 'none'],
    ['default_audiences', spec.defaultAudiences?.join(',')],
    ['rules', spec.rules ? JSON.stringify(spec.rules) : undefined],
    ['name_template', spec.nameTemplate],
    ['extra_labels', spec.extraLabels ? Object.entries(spec.extraLabels).map(([key, value]) => `${key}=${value}`).join(',') : undefined],
    ['extra_annotations', spec.extraAnnotations ? Object.entries(spec.extraAnnotations).map(([key, value]) => `${key}=${value}`).join(',') : undefined],
    ['issuer_context', spec.issuerContext ?? '(current context)'],
  ];
  return keyValues(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Every document is validated before any is stored: a bad one stores nothing. */
async function rolesFromInput(filename: string): Promise<RoleDefinition[]> {
  const where = filename === '-' ? 'stdin' : filename;
  const documents = parseDocuments(await readInputFile(filename, where), where);
  if (documents.length === 0) throw invalidInput(`${where} holds no role documents`);
  const roles: RoleDefinition[] = [];
  const problems: string[] = [];
  documents.forEach((document, index) => {
    try {
      roles.push(roleFromDocument(document, `${where} document ${index + 1}`));
    } catch (error) {
      problems.push((error as Error).message);
    }
  });
  if (problems.length > 0) throw invalidInputs(`${where}: nothing was applied`, problems);
  return roles;
}

export const create: CommandHandler<typeof roleCreateSpec> = {
  handler: async (args) => {
    const role = await createRole(composeFor(args).roles, args.name, await roleSpecPatch(args));
    print(args.output === 'table' ? `role "${role.name}" created` : renderRole(role, args.output));
  },
};

export const update: CommandHandler<typeof roleUpdateSpec> = {
  handler: async (args) => {
    const role = await updateRole(composeFor(args).roles, args.name, await roleSpecPatch(args));
    print(args.output === 'table' ? `role "${role.name}" updated` : renderRole(role, args.output));
  },
};

export const get: CommandHandler<typeof roleGetSpec> = {
  handler: async (args) => {
    const role = await composeFor(args).roles.get(args.name);
    if (!role) throw unknownRole(args.name);
    print(renderRole(role, args.output));
  },
};

export const list: CommandHandler<typeof roleListSpec> = {
  handler: async (args) => {
    const { roles, unreadable } = await composeFor(args).roles.list();
    unreadable.forEach(warn);
    if (args.output === 'table' && roles.length === 0) print('No roles yet. Create one with: kubectl tempcreds role create NAME --help');
    else print(renderRoles(roles, args.output));
  },
};

function renderRoles(roles: RoleDefinition[], format: OutputFormat, actions?: string[]): string {
  if (format !== 'table') return structured({ apiVersion: 'v1', kind: 'List', items: roles.map(roleToDocument) }, format);
  const headers = ['NAME', 'GRANTS', 'NAMESPACES', 'DEFAULT TTL', 'MAX TTL', ...(actions ? ['ACTION'] : [])];
  return columns(headers, roles.map((role, index) => [role.name, grants(role), namespaces(role), role.spec.defaultTtl ?? GLOBAL_DEFAULT_TTL, role.spec.maxTtl ?? '-', ...(actions ? [actions[index]!] : [])]));
}

export const remove: CommandHandler<typeof roleDeleteSpec> = {
  handler: async (args) => {
    const root = composeFor(args);
    const { leases } = await root.leases.list(args.name);
    const { liveLeases } = await deleteRole(root.roles, args.name, leases, root.now());
    print(`role "${args.name}" deleted`);
    if (liveLeases > 0) warn(`${liveLeases} lease(s) of role "${args.name}" are still live; revoke them with: kubectl tempcreds revoke --role ${args.name}`);
  },
};

export const apply: CommandHandler<typeof roleApplySpec> = {
  handler: async (args) => {
    const results = await applyRoles(composeFor(args).roles, await rolesFromInput(args.filename!));
    print(results.map(({ name, action }) => `role "${name}" ${action}`).join('\n'));
  },
};

export const importVault: CommandHandler<typeof roleImportSpec> = {
  handler: async (args) => {
    const where = args['from-vault'] === '-' ? 'stdin' : args['from-vault'];
    const input = parseStructured(await readInputFile(args['from-vault'], where), where);
    const imported = rolesFromVault(input, { name: args.name, allowClusterRoleBinding: args['allow-cluster-role-binding'] });
    imported.warnings.forEach(warn);
    const results = await importRoles(composeFor(args).roles, imported, where, { overwrite: args.overwrite, dryRun: args['dry-run'] });
    if (args['dry-run']) return print(renderRoles(imported.roles, args.output, results.map(({ action }) => `would be ${action}`)));
    print(args.output === 'table' ? results.map(({ name, action }) => `role "${name}" ${action}`).join('\n') : renderRoles(imported.roles, args.output));
  },
};


export const grant: CommandHandler<typeof roleGrantSpec> = {
  handler: async (args) => {
    const root = composeFor(args);
    const subjects = parseGrantSubjects(args);
    const granted = await grantRole(root.roleGrants, root.clusterRoles, args.name, subjects);
    print(subjects.map((subject) => `${describeSubject(subject)} ${granted.includes(subject) ? 'may now use' : 'could already use'} role "${args.name}"`).join('\n'));
  },
};

export const revokeGrantCommand: CommandHandler<typeof roleRevokeGrantSpec> = {
  handler: async (args) => {
    const revoked = await revokeGrant(composeFor(args).roleGrants, args.name, parseGrantSubjects(args));
    print(revoked.map((subject) => `${describeSubject(subject)} may no longer use role "${args.name}"`).join('\n'));
  },
};

export const whoCanCommand: CommandHandler<typeof roleWhoCanSpec> = {
  handler: async (args) => {
    const rows = await whoCan(composeFor(args).roleGrants, args.name);
    const subjectOf = ({ subject }: (typeof rows)[number]) => ({ kind: subject.kind, name: subject.name, ...(subject.kind === 'ServiceAccount' ? { namespace: subject.namespace } : {}) });
    if (args.output !== 'table') return print(structured(rows.map((row) => ({ ...subjectOf(row), clusterRoleBinding: row.binding, clusterRole: row.clusterRole })), args.output));
    if (rows.length === 0) return print(`No one may use role "${args.name}" (grant it with: kubectl tempcreds role grant ${args.name} --user NAME)`);
    print(columns(['SUBJECT', 'CLUSTERROLEBINDING', 'CLUSTERROLE'], rows.map((row) => [describeSubject(row.subject), row.binding, row.clusterRole])));
  },
};
