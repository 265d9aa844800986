// `role create|update|get|list|delete|apply|import`: role definitions.

import type { Argv, CommandModule } from 'yargs';
import { readInputFile } from '../../adapters/files.js';
import { applyRoles, createRole, deleteRole, importRoles, updateRole } from '../../app/roles.js';
import { invalidInput, invalidInputs } from '../../core/errors.js';
import { formatSelector } from '../../core/label-selector.js';
import { roleFromDocument, roleMode, roleRefKind, roleToDocument, unknownRole, type RoleDefinition } from '../../core/role-spec.js';
import { GLOBAL_DEFAULT_TTL } from '../../core/ttl.js';
import { parseDocuments, parseStructured } from '../../core/structured-text.js';
import { rolesFromVault } from '../../core/vault-role.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { print, warn } from '../io.js';
import { columns, keyValues, structured, type OutputFormat } from '../render.js';
import { roleFieldOptions, roleSpecPatch, type RoleFieldArgs } from '../role-flags.js';

type RoleArgs = GlobalArgs & RoleFieldArgs & { name: string; output: OutputFormat; filename?: string };

const outputOption = { alias: 'o', choices: ['table', 'json', 'yaml'] as const, default: 'table' as const, describe: 'Output format' };

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

const create: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'create <name>',
  describe: 'Create a role: what a lease grants, where, for how long',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('name', { type: 'string', demandOption: true, describe: 'Role name (a DNS-1123 label)' })
      .options(roleFieldOptions)
      .option('output', outputOption)
      .example('$0 role create sample-app --service-account sample-app --allowed-namespaces demo --max-ttl 80h --default-ttl 1h', 'tokens for an existing ServiceAccount')
      .example('$0 role create existing-role --kubernetes-role demo-role-list-pods --allowed-namespaces demo', 'a new ServiceAccount bound to an existing Role per lease')
      .example(`$0 role create rules --allowed-namespaces default,demo --role-type ClusterRole --allow-cluster-role-binding --rules '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get"]}]}'`, 'a generated ClusterRole per lease, which requests may also bind cluster-wide') as never,
  handler: async (args) => {
    const role = await createRole(runtimeFor(args).roles, args.name, await roleSpecPatch(args));
    print(args.output === 'table' ? `role "${role.name}" created` : renderRole(role, args.output));
  },
};

const update: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'update <name>',
  describe: 'Change the given fields of a role; a new mode (--service-account, --kubernetes-role, --rules) replaces the old one',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('name', { type: 'string', demandOption: true })
      .options(roleFieldOptions)
      .option('output', outputOption)
      .example(`$0 role update rules --rules '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get","delete"]}]}'`, 'replace the generated rules') as never,
  handler: async (args) => {
    const role = await updateRole(runtimeFor(args).roles, args.name, await roleSpecPatch(args));
    print(args.output === 'table' ? `role "${role.name}" updated` : renderRole(role, args.output));
  },
};

const get: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'get <name>',
  describe: 'Show a role',
  builder: (cli) => (cli as Argv<GlobalArgs>).positional('name', { type: 'string', demandOption: true }).option('output', outputOption).example('$0 role get rules -o yaml', 'the role as an applyable document') as never,
  handler: async (args) => {
    const role = await runtimeFor(args).roles.get(args.name);
    if (!role) throw unknownRole(args.name);
    print(renderRole(role, args.output));
  },
};

const list: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'List roles',
  builder: (cli) => (cli as Argv<GlobalArgs>).option('output', outputOption).example('$0 role list -o yaml', 'every role as a document') as never,
  handler: async (args) => {
    const { roles, unreadable } = await runtimeFor(args).roles.list();
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

const remove: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'delete <name>',
  describe: 'Delete a role; its leases stay valid until revoked or expired (as in Vault)',
  builder: (cli) => (cli as Argv<GlobalArgs>).positional('name', { type: 'string', demandOption: true }).example('$0 role delete rules && $0 revoke --role rules', 'delete a role and revoke its leases') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const { leases } = await runtime.leases.list(args.name);
    const { liveLeases } = await deleteRole(runtime.roles, args.name, leases, runtime.now());
    print(`role "${args.name}" deleted`);
    if (liveLeases > 0) warn(`${liveLeases} lease(s) of role "${args.name}" are still live; revoke them with: kubectl tempcreds revoke --role ${args.name}`);
  },
};

const apply: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'apply',
  describe: `Create or replace roles from YAML/JSON documents (apiVersion, kind, metadata.name, spec)`,
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('filename', { alias: 'f', type: 'string', demandOption: true, describe: 'File with one or more role documents ("-" for stdin)' })
      .example('$0 role get rules -o yaml > rules.yaml && $0 role apply -f rules.yaml', 'edit a role as a file') as never,
  handler: async (args) => {
    const results = await applyRoles(runtimeFor(args).roles, await rolesFromInput(args.filename!));
    print(results.map(({ name, action }) => `role "${name}" ${action}`).join('\n'));
  },
};

type ImportArgs = GlobalArgs & { 'from-vault': string; name?: string; 'dry-run': boolean; overwrite: boolean; 'allow-cluster-role-binding': boolean; output: OutputFormat };

const importVault: CommandModule<GlobalArgs, ImportArgs> = {
  command: 'import',
  describe: 'Create roles from Vault Kubernetes secrets engine roles (what vault read -format=json kubernetes/roles/NAME prints)',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('from-vault', { type: 'string', nargs: 1, demandOption: true, describe: 'File ("-" for stdin) with one vault read -format=json output, or an object of them keyed by role name' })
      .option('name', { type: 'string', describe: 'The role name, for one output that does not name its role' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show the roles it would create; store nothing' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'Replace roles that exist (default: refused, nothing imported)' })
      .option('allow-cluster-role-binding', {
        type: 'boolean',
        default: false,
        describe: "Keep Vault's rule for ClusterRole roles: any request may ask for --cluster-role-binding (its rights in every namespace). Default: not allowed, with a warning",
      })
      .option('output', outputOption)
      .example('vault read -format=json kubernetes/roles/my-role | $0 role import --from-vault - --name my-role', 'one role, straight from Vault')
      .example(
        `for r in $(vault list -format=json kubernetes/roles | jq -r '.[]'); do vault read -format=json kubernetes/roles/$r | jq --arg r $r '{($r): .}'; done | jq -s add > roles.json && $0 role import --from-vault roles.json --dry-run`,
        'every role of the mount: preview, then import without --dry-run',
      )
      .epilog(
        'Every field maps (TTLs are seconds in Vault; 0, the mount default there, means unset here: 1h default, no max — said as a warning). name_template is translated (.RoleName, random N, uuid, unix_time, truncate, lowercase, printf) or refused naming what does not map. Every problem of every role, and every role that exists already, is listed before anything is stored (exit 2).',
      ) as never,
  handler: async (args) => {
    const where = args['from-vault'] === '-' ? 'stdin' : args['from-vault'];
    const input = parseStructured(await readInputFile(args['from-vault'], where), where);
    const imported = rolesFromVault(input, { name: args.name, allowClusterRoleBinding: args['allow-cluster-role-binding'] });
    imported.warnings.forEach(warn);
    const results = await importRoles(runtimeFor(args).roles, imported, where, { overwrite: args.overwrite, dryRun: args['dry-run'] });
    if (args['dry-run']) return print(renderRoles(imported.roles, args.output, results.map(({ action }) => `would be ${action}`)));
    print(args.output === 'table' ? results.map(({ name, action }) => `role "${name}" ${action}`).join('\n') : renderRoles(imported.roles, args.output));
  },
};

export const roleCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'role <command>',
  describe: 'Manage role definitions (create, update, get, list, delete, apply, import)',
  builder: (cli) => cli.command([create, update, get, list, remove, apply, importVault] as CommandModule<GlobalArgs, never>[]).demandCommand(1, 'give a role subcommand') as never,
  handler: () => undefined,
};
