// `role create|update|get|list|delete|apply|import`: role definitions.

import type { Argv, CommandModule } from 'yargs';
import { readInputFile } from '../../adapters/files.js';
import { grantRole, revokeGrant, whoCan } from '../../app/role-grants.js';
import { applyRoles, createRole, deleteRole, importRoles, updateRole } from '../../app/roles.js';
import { describeSubject, grantName, parseGrantSubjects } from '../../core/role-grants.js';
import { invalidInput, invalidInputs } from '../../core/errors.js';
import { formatSelector } from '../../core/label-selector.js';
import { roleFromDocument, roleMode, roleRefKind, roleToDocument, type RoleDefinition } from '../../core/role-spec.js';
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
    ['default_ttl', spec.defaultTtl ?? '1h (global default)'],
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
    const role = await createRole(runtimeFor(args).roleSource, args.name, await roleSpecPatch(args));
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
    const role = await updateRole(runtimeFor(args).roleSource, args.name, await roleSpecPatch(args));
    print(args.output === 'table' ? `role "${role.name}" updated` : renderRole(role, args.output));
  },
};

const get: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'get <name>',
  describe: 'Show a role',
  builder: (cli) => (cli as Argv<GlobalArgs>).positional('name', { type: 'string', demandOption: true }).option('output', outputOption).example('$0 role get rules -o yaml', 'the role as an applyable document') as never,
  handler: async (args) => {
    const role = await runtimeFor(args).roleSource.get(args.name);
    if (!role) throw invalidInput(`role "${args.name}" does not exist (see: kubectl tempcreds role list)`);
    print(renderRole(role, args.output));
  },
};

const list: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'List roles',
  builder: (cli) => (cli as Argv<GlobalArgs>).option('output', outputOption).example('$0 role list -o yaml', 'every role as a document') as never,
  handler: async (args) => {
    const { roles, unreadable } = await runtimeFor(args).roleSource.list();
    unreadable.forEach(warn);
    if (args.output === 'table' && roles.length === 0) print('No roles yet. Create one with: kubectl tempcreds role create NAME --help');
    else print(renderRoles(roles, args.output));
  },
};

function renderRoles(roles: RoleDefinition[], format: OutputFormat, actions?: string[]): string {
  if (format !== 'table') return structured({ apiVersion: 'v1', kind: 'List', items: roles.map(roleToDocument) }, format);
  const headers = ['NAME', 'GRANTS', 'NAMESPACES', 'DEFAULT TTL', 'MAX TTL', ...(actions ? ['ACTION'] : [])];
  return columns(headers, roles.map((role, index) => [role.name, grants(role), namespaces(role), role.spec.defaultTtl ?? '1h', role.spec.maxTtl ?? '-', ...(actions ? [actions[index]!] : [])]));
}

const remove: CommandModule<GlobalArgs, RoleArgs> = {
  command: 'delete <name>',
  describe: 'Delete a role; its leases stay valid until revoked or expired (as in Vault)',
  builder: (cli) => (cli as Argv<GlobalArgs>).positional('name', { type: 'string', demandOption: true }).example('$0 role delete rules && $0 revoke --role rules', 'delete a role and revoke its leases') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const { leases } = await runtime.leases.list(args.name);
    const { liveLeases } = await deleteRole(runtime.roleSource, args.name, leases, runtime.now());
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
    const results = await applyRoles(runtimeFor(args).roleSource, await rolesFromInput(args.filename!));
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
    const results = await importRoles(runtimeFor(args).roleSource, imported, where, { overwrite: args.overwrite, dryRun: args['dry-run'] });
    if (args['dry-run']) return print(renderRoles(imported.roles, args.output, results.map(({ action }) => `would be ${action}`)));
    print(args.output === 'table' ? results.map(({ name, action }) => `role "${name}" ${action}`).join('\n') : renderRoles(imported.roles, args.output));
  },
};

type GrantArgs = GlobalArgs & { name: string; user?: string[]; group?: string[]; serviceaccount?: string[]; output: OutputFormat };

const subjectOptions = {
  user: { type: 'string', array: true, describe: 'A user, as the cluster authenticates it (repeatable)' },
  group: { type: 'string', array: true, describe: 'A group (repeatable)' },
  serviceaccount: { type: 'string', array: true, describe: 'A ServiceAccount, NAMESPACE/NAME (repeatable)' },
} as const;

const grant: CommandModule<GlobalArgs, GrantArgs> = {
  command: 'grant <name>',
  describe: 'Let users, groups or ServiceAccounts use a role in the cluster (RBAC verb "use" on credentialroles/NAME)',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('name', { type: 'string', demandOption: true })
      .options(subjectOptions)
      .example('$0 role grant sample-app --group team-a --serviceaccount ci/deployer --context admin', 'a team and its pipeline may request tokens from sample-app')
      .epilog(`Writes a ClusterRole ${grantName('NAME')} (verb use on credentialroles/NAME) and a ClusterRoleBinding of the same name listing the subjects, labelled app.kubernetes.io/component=role-grant; needs a cluster admin. Check with: kubectl auth can-i use credentialroles/NAME --as USER`) as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const subjects = parseGrantSubjects(args);
    const granted = await grantRole(runtime.roleGrants, runtime.clusterRoles, args.name, subjects);
    print(subjects.map((subject) => `${describeSubject(subject)} ${granted.includes(subject) ? 'may now use' : 'could already use'} role "${args.name}"`).join('\n'));
  },
};

const revokeGrantCommand: CommandModule<GlobalArgs, GrantArgs> = {
  command: 'revoke-grant <name>',
  describe: 'Take back what role grant gave (the role\'s ClusterRole goes with its last subject)',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('name', { type: 'string', demandOption: true })
      .options(subjectOptions)
      .example('$0 role revoke-grant sample-app --serviceaccount ci/deployer --context admin', 'the pipeline may no longer request tokens') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const revoked = await revokeGrant(runtime.roleGrants, args.name, parseGrantSubjects(args));
    print(revoked.map((subject) => `${describeSubject(subject)} may no longer use role "${args.name}"`).join('\n'));
  },
};

const whoCanCommand: CommandModule<GlobalArgs, GrantArgs> = {
  command: 'who-can <name>',
  describe: 'List who RBAC lets use a role (every ClusterRoleBinding, not only role grant\'s)',
  builder: (cli) => (cli as Argv<GlobalArgs>).positional('name', { type: 'string', demandOption: true }).option('output', outputOption).example('$0 role who-can sample-app', 'subjects, and the binding that lets them') as never,
  handler: async (args) => {
    const runtime = runtimeFor(args);
    const rows = await whoCan(runtime.roleGrants, args.name);
    const subjectOf = ({ subject }: (typeof rows)[number]) => ({ kind: subject.kind, name: subject.name, ...(subject.kind === 'ServiceAccount' ? { namespace: subject.namespace } : {}) });
    if (args.output !== 'table') return print(structured(rows.map((row) => ({ ...subjectOf(row), clusterRoleBinding: row.binding, clusterRole: row.clusterRole })), args.output));
    if (rows.length === 0) return print(`No one may use role "${args.name}" (grant it with: kubectl tempcreds role grant ${args.name} --user NAME)`);
    print(columns(['SUBJECT', 'CLUSTERROLEBINDING', 'CLUSTERROLE'], rows.map((row) => [describeSubject(row.subject), row.binding, row.clusterRole])));
  },
};

export const roleCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'role <command>',
  describe: 'Manage role definitions (create, update, get, list, delete, apply, import) and who may use them (grant, revoke-grant, who-can)',
  builder: (cli) => cli.command([create, update, get, list, remove, apply, importVault, grant, revokeGrantCommand, whoCanCommand] as CommandModule<GlobalArgs, never>[]).demandCommand(1, 'give a role subcommand') as never,
  handler: () => undefined,
};
