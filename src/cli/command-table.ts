// The command table: every command's spec, and where its handler is imported from when it
// runs. Help and completion read the specs; nothing here loads a handler or yargs.

import { group, leaf, type Command } from './command-spec.js';
import { completionSpec } from './specs/completion.js';
import { controllerSpec } from './specs/controller.js';
import { doctorSpec } from './specs/doctor.js';
import { gcSpec } from './specs/gc.js';
import { issueSpec } from './specs/issue.js';
import { kubeconfigSpec } from './specs/kubeconfig.js';
import { leaseGetSpec, leaseListSpec } from './specs/lease.js';
import { revokeSpec } from './specs/revoke.js';
import { roleApplySpec, roleCreateSpec, roleDeleteSpec, roleGetSpec, roleGrantSpec, roleImportSpec, roleListSpec, roleRevokeGrantSpec, roleUpdateSpec, roleWhoCanSpec } from './specs/role.js';
import { runSpec } from './specs/run.js';
import { setupSpec } from './specs/setup.js';
import { versionSpec } from './specs/version.js';

const role = () => import('./commands/role.js');
const lease = () => import('./commands/lease.js');

export const commandTable: readonly Command[] = [
  group({ command: 'role <command>', describe: 'Manage role definitions (create, update, get, list, delete, apply, import) and who may use them (grant, revoke-grant, who-can)', demand: 'give a role subcommand' }, [
    leaf(roleCreateSpec, async () => (await role()).create.handler),
    leaf(roleUpdateSpec, async () => (await role()).update.handler),
    leaf(roleGetSpec, async () => (await role()).get.handler),
    leaf(roleListSpec, async () => (await role()).list.handler),
    leaf(roleDeleteSpec, async () => (await role()).remove.handler),
    leaf(roleApplySpec, async () => (await role()).apply.handler),
    leaf(roleImportSpec, async () => (await role()).importVault.handler),
    leaf(roleGrantSpec, async () => (await role()).grant.handler),
    leaf(roleRevokeGrantSpec, async () => (await role()).revokeGrantCommand.handler),
    leaf(roleWhoCanSpec, async () => (await role()).whoCanCommand.handler),
  ]),
  leaf(issueSpec, async () => (await import('./commands/issue.js')).issueCommand.handler),
  group({ command: 'lease <command>', describe: 'Inspect leases (list, get)', demand: 'give a lease subcommand' }, [
    leaf(leaseListSpec, async () => (await lease()).list.handler),
    leaf(leaseGetSpec, async () => (await lease()).get.handler),
  ]),
  leaf(revokeSpec, async () => (await import('./commands/revoke.js')).revokeCommand.handler),
  leaf(kubeconfigSpec, async () => (await import('./commands/kubeconfig.js')).kubeconfigCommand.handler),
  leaf(gcSpec, async () => (await import('./commands/gc.js')).gcCommand.handler),
  leaf(runSpec, async () => (await import('./commands/run.js')).runCommand.handler),
  leaf(setupSpec, async () => (await import('./commands/setup.js')).setupCommand.handler),
  leaf(doctorSpec, async () => (await import('./commands/doctor.js')).doctorCommand.handler),
  leaf(controllerSpec, async () => (await import('./commands/controller.js')).controllerCommand.handler),
  leaf(versionSpec, async () => (await import('./commands/version.js')).versionCommand.handler),
  leaf(completionSpec, async () => (await import('./commands/completion.js')).completionCommand.handler),
];
