// Role definitions: create, update (only what is given), apply documents, delete.
// Every write validates first, so nothing invalid is ever stored.

import { invalidInput, invalidInputs } from '../core/errors.js';
import { isExpired, type LeaseRecord } from '../core/lease.js';
import { canonicalJson } from '../core/digest.js';
import { checkClusterRoleContext } from '../core/role-source.js';
import { mergeRoleSpec, unknownRole, validateRoleSpec, type RoleDefinition } from '../core/role-spec.js';
import type { RoleRepository } from './ports.js';

export type RoleReader = Pick<RoleRepository, 'get'>;
export type RoleWriter = Pick<RoleRepository, 'update' | 'delete'>;

/**
 * The chosen repository, checked against the other one for a role of the same name: a clash is
 * an error naming both, never one silently shadowing the other. Without `other` (local roles,
 * which never contact the cluster) nothing is checked.
 */
export function checkedRoles(chosen: RoleRepository, other?: RoleRepository): RoleRepository {
  if (!other) return chosen;
  const clash = async (name: string) => {
    throw invalidInput(`role "${name}" exists both in ${await chosen.where()} and in ${await other.where()}: delete one of them (kubectl tempcreds role delete ${name} --roles local|cluster), so no one gets the other's grants by mistake`);
  };
  return {
    where: () => chosen.where(),
    async get(name) {
      const [role, shadowed] = await Promise.all([chosen.get(name), other.get(name).catch(() => undefined)]);
      if (role && shadowed) await clash(name);
      return role;
    },
    async list() {
      const [listed, others, otherWhere] = await Promise.all([chosen.list(), other.list().catch(() => ({ roles: [] as RoleDefinition[] })), other.where()]);
      const names = new Set(others.roles.map((role) => role.name));
      const clashes = listed.roles.filter((role) => names.has(role.name)).map((role) => `role "${role.name}" exists in ${otherWhere} too: delete one of them`);
      return { roles: listed.roles, unreadable: [...listed.unreadable, ...clashes] };
    },
    async update(name, change) {
      if (await other.get(name).catch(() => undefined)) await clash(name);
      return chosen.update(name, change);
    },
    delete: (name) => chosen.delete(name),
  };
}

/**
 * The cluster's roles as issuance reads them (issue, token, kubeconfig): a role whose
 * issuerContext would choose a local kubeconfig context is refused (core/role-source.ts).
 * `readFrom` is the context the roles were read from; `given` is --context.
 */
export function clusterIssuingRoles(roles: RoleReader, { given, readFrom }: { given: string | undefined; readFrom: () => Promise<string> }): RoleReader {
  return {
    async get(name) {
      const role = await roles.get(name);
      return role && checkClusterRoleContext(role, { given, readFrom: await readFrom() });
    },
  };
}

export async function createRole(store: RoleWriter, name: string, rawSpec: Record<string, unknown>): Promise<RoleDefinition> {
  const role = validateRoleSpec(name, rawSpec);
  return store.update(name, (current) => {
    if (current) throw invalidInput(`role "${name}" already exists; change it with "kubectl tempcreds role update ${name}" or replace it with "role apply"`);
    return role;
  });
}

export async function updateRole(store: RoleWriter, name: string, patch: Record<string, unknown>): Promise<RoleDefinition> {
  if (Object.keys(patch).length === 0) throw invalidInput('nothing to update: give at least one field flag (see kubectl tempcreds role update --help)');
  return store.update(name, (current) => {
    if (!current) throw invalidInput(`role "${name}" does not exist; create it with "kubectl tempcreds role create ${name}"`);
    return validateRoleSpec(name, mergeRoleSpec(current.spec, patch));
  });
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

const EXISTS_ON_IMPORT = (name: string) => `role "${name}" already exists (import with --overwrite to replace it)`;

/**
 * `roles` are already validated; all of them were, before any is stored. Without `replace`, a
 * role created meanwhile by someone else is refused, not overwritten.
 */
export async function applyRoles(store: RoleWriter, roles: RoleDefinition[], { replace = true } = {}): Promise<{ name: string; action: ApplyAction }[]> {
  const names = roles.map((role) => role.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw invalidInput(`role "${duplicate}" is defined more than once in the input`);
  const results: { name: string; action: ApplyAction }[] = [];
  for (const role of roles) {
    let action: ApplyAction = 'created';
    await store.update(role.name, (current) => {
      if (current && !replace) throw invalidInput(EXISTS_ON_IMPORT(role.name));
      if (current) action = canonicalJson(current.spec) === canonicalJson(role.spec) ? 'unchanged' : 'configured';
      return role;
    });
    results.push({ name: role.name, action });
  }
  return results;
}

/**
 * Imported roles (from Vault): their problems and every existing role (unless `overwrite`)
 * are listed together, before anything is stored; a dry run stops there.
 */
export async function importRoles(
  store: RoleWriter & RoleReader,
  imported: { roles: RoleDefinition[]; problems: string[] },
  where: string,
  { overwrite, dryRun }: { overwrite: boolean; dryRun: boolean },
): Promise<{ name: string; action: ApplyAction }[]> {
  const problems = [...imported.problems];
  const planned: { name: string; action: ApplyAction }[] = [];
  for (const role of imported.roles) {
    const current = await store.get(role.name);
    if (current && !overwrite) problems.push(EXISTS_ON_IMPORT(role.name));
    planned.push({ name: role.name, action: !current ? 'created' : canonicalJson(current.spec) === canonicalJson(role.spec) ? 'unchanged' : 'configured' });
  }
  if (problems.length > 0) throw invalidInputs(`${where}: nothing was imported`, problems);
  return dryRun ? planned : applyRoles(store, imported.roles, { replace: overwrite });
}

/** Leases are not revoked (as in Vault); the caller is told how many are still live. */
export async function deleteRole(store: RoleWriter, name: string, leasesOfRole: LeaseRecord[], now: Date): Promise<{ liveLeases: number }> {
  if (!(await store.delete(name))) throw unknownRole(name);
  return { liveLeases: leasesOfRole.filter((lease) => !isExpired(lease, now)).length };
}
