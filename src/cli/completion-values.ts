// Values for shell completion (complete.ts): role names, lease ids, namespaces (the role's
// own, else the cluster's), contexts, and each option's choices. Loaded only when a value is
// being completed: completing a command or flag name reads the specs alone.

import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { kubeconfigPaths } from '../adapters/kubeconfig.js';
import type { RoleDefinition } from '../core/role-spec.js';
import { compose, type Composition } from '../compose.js';
import { FILES, NO_FILES, type Completion, type ParsedWords } from './completion-engine.js';

const LIVE_LOOKUP_TIMEOUT_MS = 2000;

/** Context names of the kubeconfig files kubectl would read. */
function contextNames(kubeconfig: string | undefined): string[] {
  return kubeconfigPaths(kubeconfig, process.env).flatMap((path) => {
    try {
      const config = yaml.load(readFileSync(path, 'utf8')) as { contexts?: { name?: string }[] } | undefined;
      return (config?.contexts ?? []).map((context) => context.name).filter((name): name is string => typeof name === 'string');
    } catch {
      return [];
    }
  });
}

async function namespaces(root: Composition, parsed: ParsedWords, roles: RoleDefinition[]): Promise<string[]> {
  const { given, path } = parsed;
  const roleName = given.role ?? (path[0] === 'role' ? given.name : undefined);
  const role = roles.find((candidate) => candidate.name === roleName);
  const listed = (role ? [role] : roles).flatMap((candidate) => candidate.spec.allowedNamespaces).filter((namespace) => namespace !== '*');
  const open = !role || role.spec.allowedNamespaces.includes('*') || role.spec.namespaceSelector !== undefined;
  if (!open) return listed;
  // The role allows namespaces by pattern: ask the cluster, briefly; no answer is no candidates.
  const live = await root.connectDirect({ kubeconfig: given.kubeconfig, context: given.context ?? role?.spec.issuerContext }, LIVE_LOOKUP_TIMEOUT_MS)
    .then((client) => client.namespaceNames())
    .catch(() => [] as string[]);
  return [...listed, ...live];
}

export async function valueCandidates(parsed: ParsedWords): Promise<Completion> {
  const { slot, path } = parsed;
  if (slot.kind === 'none') return { candidates: [], directive: NO_FILES };
  const choices = slot.kind === 'flag' ? slot.flag.choices : slot.choices;
  if (choices) return { candidates: choices.map((value) => ({ value })), directive: NO_FILES };
  const name = slot.kind === 'flag' ? slot.flag.names[0]! : slot.name;
  if (slot.kind === 'flag' && ['kubeconfig', 'filename'].includes(name)) return { candidates: [], directive: FILES };
  // Role names come from the source the command line (or $KUBECTL_TEMPCREDS_ROLES) chose; a cluster is asked briefly.
  const root = compose({ kubeconfig: parsed.given.kubeconfig, context: parsed.given.context, roles: parsed.given.roles, requestTimeout: `${LIVE_LOOKUP_TIMEOUT_MS / 1000}s` });
  const roleNames = async () => (await root.roles.list()).roles.map((role) => role.name);
  let values: string[] = [];
  if (slot.kind === 'flag' && name === 'namespace') values = await namespaces(root, parsed, (await root.roles.list()).roles);
  else if (slot.kind === 'flag' && name.endsWith('context')) values = contextNames(parsed.given.kubeconfig);
  else if (name === 'role' || (slot.kind === 'positional' && name === 'name' && path[0] === 'role' && path[1] !== 'create')) values = await roleNames();
  else if (slot.kind === 'positional' && name === 'id') values = (await root.leases.list(parsed.given.role)).leases.map((lease) => lease.id);
  return { candidates: [...new Set(values)].map((value) => ({ value })), directive: NO_FILES };
}
