import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueLease } from '../../src/app/issue.ts';
import { applyRoles, clusterIssuingRoles, createRole, deleteRole, importRoles, updateRole } from '../../src/app/roles.ts';
import { MemoryRoleStore, NOW, RULES, invalid, issueFixture, leaseRecord, role, secondsAfter } from './fakes.ts';

describe('createRole', () => {
  it('validates, normalizes and stores a new role', async () => {
    const store = new MemoryRoleStore();
    const created = await createRole(store, 'reader', { allowedNamespaces: 'Dev,staging', rules: { rules: RULES }, maxTtl: '7200' });
    assert.deepEqual(created, { name: 'reader', spec: { allowedNamespaces: ['dev', 'staging'], rules: RULES, maxTtl: '2h' } });
    assert.deepEqual(store.roles.get('reader'), created);
  });
  it('refuses an existing name and keeps the stored role', async () => {
    const existing = role('reader', { serviceAccount: 'deployer' });
    const store = new MemoryRoleStore([existing]);
    await assert.rejects(
      createRole(store, 'reader', { allowedNamespaces: ['dev'], kubernetesRole: 'view' }),
      invalid('role "reader" already exists; change it with "kubectl tempcreds role update reader" or replace it with "role apply"'),
    );
    assert.equal(store.roles.get('reader'), existing);
  });
  it('refuses an invalid role without touching the store', async () => {
    const store = new MemoryRoleStore();
    await assert.rejects(createRole(store, 'reader', { allowedNamespaces: ['dev'] }), invalid(/^invalid role "reader": exactly one of/));
    assert.equal(store.writes, 0);
  });
});

describe('updateRole', () => {
  const existing = role('reader', { rules: RULES, defaultTtl: '30m', extraLabels: { team: 'a' } });

  it('changes only the given fields', async () => {
    const store = new MemoryRoleStore([existing]);
    const updated = await updateRole(store, 'reader', { maxTtl: '2h', allowedNamespaces: ['dev', 'prod'] });
    assert.deepEqual(updated.spec, { ...existing.spec, maxTtl: '2h', allowedNamespaces: ['dev', 'prod'] });
    assert.deepEqual(store.roles.get('reader'), updated);
  });
  it('a new mode replaces the old one', async () => {
    const store = new MemoryRoleStore([existing]);
    const updated = await updateRole(store, 'reader', { kubernetesRole: 'view' });
    assert.deepEqual(updated.spec, { allowedNamespaces: ['dev'], defaultTtl: '30m', kubernetesRole: 'view', extraLabels: { team: 'a' } });
  });
  it('validates the merged role (e.g. default TTL over a new max)', async () => {
    const store = new MemoryRoleStore([existing]);
    await assert.rejects(updateRole(store, 'reader', { maxTtl: '20m' }), invalid('invalid role "reader": defaultTtl 30m cannot be greater than maxTtl 20m'));
    assert.equal(store.roles.get('reader'), existing);
  });
  it('refuses an empty patch', async () => {
    await assert.rejects(
      updateRole(new MemoryRoleStore([existing]), 'reader', {}),
      invalid('nothing to update: give at least one field flag (see kubectl tempcreds role update --help)'),
    );
  });
  it('refuses a role that does not exist', async () => {
    await assert.rejects(
      updateRole(new MemoryRoleStore(), 'ghost', { maxTtl: '1h' }),
      invalid('role "ghost" does not exist; create it with "kubectl tempcreds role create ghost"'),
    );
  });

  // `role update reader --service-account deployer` on a role that generated a ClusterRole:
  // the new mode replaces the old one, but the old mode's roleType stays behind, so the
  // update is refused for a field the user never gave.
  it('switching a ClusterRole-typed role to serviceAccount mode drops the role type', async () => {
    const store = new MemoryRoleStore([role('reader', { rules: RULES, roleType: 'ClusterRole' })]);
    const updated = await updateRole(store, 'reader', { serviceAccount: 'deployer' });
    assert.deepEqual(updated.spec, { allowedNamespaces: ['dev'], serviceAccount: 'deployer' });
  });
});

describe('applyRoles', () => {
  const reader = role('reader', { rules: RULES });
  const writer = role('writer', { kubernetesRole: 'edit' });
  const viewer = role('viewer', { kubernetesRole: 'view' });

  it('reports created, configured and unchanged', async () => {
    const store = new MemoryRoleStore([reader, role('writer', { kubernetesRole: 'admin' })]);
    const reorderedReader = { name: 'reader', spec: { rules: RULES, allowedNamespaces: ['dev'] } };
    const results = await applyRoles(store, [reorderedReader, writer, viewer]);
    assert.deepEqual(results, [
      { name: 'reader', action: 'unchanged' },
      { name: 'writer', action: 'configured' },
      { name: 'viewer', action: 'created' },
    ]);
    assert.deepEqual(store.roles.get('writer'), writer);
    assert.deepEqual(store.roles.get('viewer'), viewer);
  });
  it('refuses duplicates before storing anything', async () => {
    const store = new MemoryRoleStore();
    await assert.rejects(applyRoles(store, [reader, writer, role('reader', { kubernetesRole: 'view' })]), invalid('role "reader" is defined more than once in the input'));
    assert.equal(store.writes, 0);
  });
  it('applies nothing for an empty input', async () => assert.deepEqual(await applyRoles(new MemoryRoleStore(), []), []));
});

describe('deleteRole', () => {
  it('deletes the role and counts its live leases (they are not revoked)', async () => {
    const store = new MemoryRoleStore([role('reader', { rules: RULES })]);
    const leases = [
      leaseRecord({ expiresAt: secondsAfter(NOW, 60).toISOString() }),
      leaseRecord({ expiresAt: secondsAfter(NOW, 3600).toISOString() }),
      leaseRecord({ expiresAt: NOW.toISOString() }),
      leaseRecord({ expiresAt: secondsAfter(NOW, -60).toISOString() }),
    ];
    assert.deepEqual(await deleteRole(store, 'reader', leases, NOW), { liveLeases: 2 });
    assert.equal(store.roles.has('reader'), false);
  });
  it('refuses a role that does not exist', async () => {
    await assert.rejects(deleteRole(new MemoryRoleStore(), 'ghost', [], NOW), invalid('role "ghost" does not exist (see: kubectl tempcreds role list)'));
  });
});

describe('importRoles', () => {
  const existing = role('reader', { serviceAccount: 'deployer' });
  const imported = { roles: [role('reader', { kubernetesRole: 'view' }), role('writer', { kubernetesRole: 'edit' })], problems: [] };

  it('lists every problem and every existing role before storing anything', async () => {
    const store = new MemoryRoleStore([existing]);
    await assert.rejects(
      importRoles(store, { ...imported, problems: ['role "x": allowedNamespaces is empty'] }, 'roles.json', { overwrite: false, dryRun: false }),
      invalid('roles.json: nothing was imported:\n  - role "x": allowedNamespaces is empty\n  - role "reader" already exists (import with --overwrite to replace it)'),
    );
    assert.deepEqual([store.writes, store.roles.get('reader')], [0, existing]);
  });
  it('a dry run says what would happen and stores nothing', async () => {
    const store = new MemoryRoleStore([existing]);
    assert.deepEqual(await importRoles(store, imported, 'roles.json', { overwrite: true, dryRun: true }), [
      { name: 'reader', action: 'configured' },
      { name: 'writer', action: 'created' },
    ]);
    assert.equal(store.writes, 0);
    await assert.rejects(importRoles(store, imported, 'roles.json', { overwrite: false, dryRun: true }), invalid(/already exists/));
  });
  it('stores them all, replacing existing ones only with overwrite', async () => {
    const store = new MemoryRoleStore([existing]);
    assert.deepEqual(await importRoles(store, imported, 'roles.json', { overwrite: true, dryRun: false }), [
      { name: 'reader', action: 'configured' },
      { name: 'writer', action: 'created' },
    ]);
    assert.deepEqual(store.roles.get('reader'), imported.roles[0]);
  });
  it('refuses a role created meanwhile instead of overwriting it', async () => {
    const store = new MemoryRoleStore([existing]);
    await assert.rejects(applyRoles(store, imported.roles, { replace: false }), invalid('role "reader" already exists (import with --overwrite to replace it)'));
    assert.equal(store.roles.get('reader'), existing);
  });
});

describe('clusterIssuingRoles: a role from the cluster never chooses a local kubeconfig context', () => {
  const hostile = role('deploy', { allowedNamespaces: ['demo'], kubernetesRole: 'admin', issuerContext: 'cluster-b-admin' });
  const REFUSED = 'role "deploy" comes from the cluster: its issuerContext "cluster-b-admin" cannot choose a local kubeconfig context; use --context';
  const reading = (given: string | undefined, readFrom = 'cluster-a') => clusterIssuingRoles(new MemoryRoleStore([hostile, role('plain', { allowedNamespaces: ['demo'], kubernetesRole: 'view' })]), { given, readFrom: async () => readFrom });

  it('issue with --roles cluster and no --context: refused (exit 2) before any connection, nothing created or recorded', async () => {
    const { deps, kube, saved, connected } = issueFixture([hostile]);
    const roles = reading(undefined);
    await assert.rejects(issueLease({ ...deps, getRole: (name) => roles.get(name) }, { role: 'deploy', namespace: 'demo' }), invalid(REFUSED));
    assert.deepEqual(connected, []);
    assert.equal(kube.objects.size, 0);
    assert.deepEqual(saved, []);
  });
  it('allows it when --context is given (the issuerContext is not used), or when it names the context the roles were read from', async () => {
    assert.equal((await reading('cluster-a').get('deploy'))?.name, 'deploy');
    assert.equal((await reading(undefined, 'cluster-b-admin').get('deploy'))?.name, 'deploy');
  });
  it('a role without issuerContext, and a missing role, pass through', async () => {
    assert.equal((await reading(undefined).get('plain'))?.name, 'plain');
    assert.equal(await reading(undefined).get('missing'), undefined);
  });
});
