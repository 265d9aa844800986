// `role create|update|get|list|delete|apply|import|grant|revoke-grant|who-can`: what shell completion and help know of them.

import type { Options } from 'yargs';
import { grantName } from '../../core/role-grants.js';
import { outputOption, spec } from '../command-spec.js';

/** The role's fields as flags (role-flags.ts turns them into a spec patch). */
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

export const roleCreateSpec = spec({
  command: 'create <name>',
  describe: 'Create a role: what a lease grants, where, for how long',
  builder: (cli) =>
    cli
      .positional('name', { type: 'string', demandOption: true, describe: 'Role name (a DNS-1123 label)' })
      .options(roleFieldOptions)
      .option('output', outputOption)
      .example('$0 role create sample-app --service-account sample-app --allowed-namespaces demo --max-ttl 80h --default-ttl 1h', 'tokens for an existing ServiceAccount')
      .example('$0 role create existing-role --kubernetes-role demo-role-list-pods --allowed-namespaces demo', 'a new ServiceAccount bound to an existing Role per lease')
      .example(`$0 role create rules --allowed-namespaces default,demo --role-type ClusterRole --allow-cluster-role-binding --rules '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get"]}]}'`, 'a generated ClusterRole per lease, which requests may also bind cluster-wide'),
});

export const roleUpdateSpec = spec({
  command: 'update <name>',
  describe: 'Change the given fields of a role; a new mode (--service-account, --kubernetes-role, --rules) replaces the old one',
  builder: (cli) =>
    cli
      .positional('name', { type: 'string', demandOption: true })
      .options(roleFieldOptions)
      .option('output', outputOption)
      .example(`$0 role update rules --rules '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get","delete"]}]}'`, 'replace the generated rules'),
});

export const roleGetSpec = spec({
  command: 'get <name>',
  describe: 'Show a role',
  builder: (cli) => cli.positional('name', { type: 'string', demandOption: true }).option('output', outputOption).example('$0 role get rules -o yaml', 'the role as an applyable document'),
});

export const roleListSpec = spec({
  command: 'list',
  aliases: ['ls'],
  describe: 'List roles',
  builder: (cli) => cli.option('output', outputOption).example('$0 role list -o yaml', 'every role as a document'),
});

export const roleDeleteSpec = spec({
  command: 'delete <name>',
  describe: 'Delete a role; its leases stay valid until revoked or expired (as in Vault)',
  builder: (cli) => cli.positional('name', { type: 'string', demandOption: true }).example('$0 role delete rules && $0 revoke --role rules', 'delete a role and revoke its leases'),
});

export const roleApplySpec = spec({
  command: 'apply',
  describe: `Create or replace roles from YAML/JSON documents (apiVersion, kind, metadata.name, spec)`,
  builder: (cli) =>
    cli
      .option('filename', { alias: 'f', type: 'string', demandOption: true, describe: 'File with one or more role documents ("-" for stdin)' })
      .example('$0 role get rules -o yaml > rules.yaml && $0 role apply -f rules.yaml', 'edit a role as a file'),
});

export const roleImportSpec = spec({
  command: 'import',
  describe: 'Create roles from Vault Kubernetes secrets engine roles (what vault read -format=json kubernetes/roles/NAME prints)',
  builder: (cli) =>
    cli
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
      ),
});

const subjectOptions = {
  user: { type: 'string', array: true, describe: 'A user, as the cluster authenticates it (repeatable)' },
  group: { type: 'string', array: true, describe: 'A group (repeatable)' },
  serviceaccount: { type: 'string', array: true, describe: 'A ServiceAccount, NAMESPACE/NAME (repeatable)' },
} as const satisfies Record<string, Options>;

export const roleGrantSpec = spec({
  command: 'grant <name>',
  describe: 'Let users, groups or ServiceAccounts use a role in the cluster (RBAC verb "use" on credentialroles/NAME)',
  builder: (cli) =>
    cli
      .positional('name', { type: 'string', demandOption: true })
      .options(subjectOptions)
      .example('$0 role grant sample-app --group team-a --serviceaccount ci/deployer --context admin', 'a team and its pipeline may request tokens from sample-app')
      .epilog(`Writes a ClusterRole ${grantName('NAME')} (verb use on credentialroles/NAME) and a ClusterRoleBinding of the same name listing the subjects, labelled app.kubernetes.io/component=role-grant; needs a cluster admin. Check with: kubectl auth can-i use credentialroles/NAME --as USER`),
});

export const roleRevokeGrantSpec = spec({
  command: 'revoke-grant <name>',
  describe: "Take back what role grant gave (the role's ClusterRole goes with its last subject)",
  builder: (cli) =>
    cli
      .positional('name', { type: 'string', demandOption: true })
      .options(subjectOptions)
      .example('$0 role revoke-grant sample-app --serviceaccount ci/deployer --context admin', 'the pipeline may no longer request tokens'),
});

export const roleWhoCanSpec = spec({
  command: 'who-can <name>',
  describe: "List who RBAC lets use a role (every ClusterRoleBinding, not only role grant's)",
  builder: (cli) => cli.positional('name', { type: 'string', demandOption: true }).option('output', outputOption).example('$0 role who-can sample-app', 'subjects, and the binding that lets them'),
});
