// A CredentialRole read from the cluster: the tool's validator's judgement becomes its Ready
// condition (written only when it changed); --roles / KUBECTL_TEMPCREDS_ROLES choose the source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeRoleObject } from '../../src/core/role-condition.ts';
import { parseRoleSource } from '../../src/core/role-source.ts';

describe('judgeRoleObject', () => {
  const now = new Date('2026-01-02T03:04:05.678Z');
  const object = (spec: unknown, status?: unknown) => ({ metadata: { name: 'app', generation: 3, resourceVersion: '7' }, spec, ...(status ? { status } : {}) }) as Parameters<typeof judgeRoleObject>[0];

  it('a valid role is Ready=True with its mode, for this generation', () => {
    const judged = judgeRoleObject(object({ allowedNamespaces: ['demo'], serviceAccount: 'app' }), now);
    assert.equal(judged.role?.spec.serviceAccount, 'app');
    assert.deepEqual(judged.status, {
      observedGeneration: 3,
      mode: 'ServiceAccount',
      conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'the role is valid and can be issued', observedGeneration: 3, lastTransitionTime: '2026-01-02T03:04:05Z' }],
    });
    assert.equal(judged.statusChanged, true);
  });

  it('what only the validator catches is Ready=False with every problem; unchanged status is not rewritten', () => {
    const judged = judgeRoleObject(object({ allowedNamespaces: ['demo'], serviceAccount: 'app', nameTemplate: 'x-{{nope}}' }), now);
    assert.equal(judged.role, undefined);
    assert.equal(judged.status.conditions[0]!.status, 'False');
    assert.equal(judged.status.conditions[0]!.reason, 'Invalid');
    assert.match(judged.status.conditions[0]!.message, /nameTemplate has unknown placeholder \{\{nope\}\}/);
    const again = judgeRoleObject(object({ allowedNamespaces: ['demo'], serviceAccount: 'app', nameTemplate: 'x-{{nope}}' }, judged.status), new Date('2026-02-01T00:00:00Z'));
    assert.equal(again.statusChanged, false);
    assert.equal(again.status.conditions[0]!.lastTransitionTime, '2026-01-02T03:04:05Z');
  });

  it('a new generation is observed again, and a fixed role transitions to True', () => {
    const invalid = judgeRoleObject(object({ allowedNamespaces: ['demo'], serviceAccount: 'app', nameTemplate: 'x' }), now);
    const fixed = judgeRoleObject({ ...object({ allowedNamespaces: ['demo'], serviceAccount: 'app' }, invalid.status), metadata: { name: 'app', generation: 4 } }, new Date('2026-03-01T00:00:00Z'));
    assert.equal(fixed.statusChanged, true);
    assert.deepEqual([fixed.status.observedGeneration, fixed.status.conditions[0]!.status, fixed.status.conditions[0]!.lastTransitionTime], [4, 'True', '2026-03-01T00:00:00Z']);
  });
});

describe('parseRoleSource', () => {
  it('takes --roles, else KUBECTL_TEMPCREDS_ROLES, else local; anything else is exit 2 naming where it came from', () => {
    assert.equal(parseRoleSource(undefined, {}), 'local');
    assert.equal(parseRoleSource(undefined, { KUBECTL_TEMPCREDS_ROLES: 'cluster' }), 'cluster');
    assert.equal(parseRoleSource('local', { KUBECTL_TEMPCREDS_ROLES: 'cluster' }), 'local');
    assert.throws(() => parseRoleSource('etcd', {}), (error: Error & { exitCode?: number }) => error.exitCode === 2 && /--roles "etcd" is not a role source/.test(error.message));
    assert.throws(() => parseRoleSource(undefined, { KUBECTL_TEMPCREDS_ROLES: 'x' }), /KUBECTL_TEMPCREDS_ROLES "x"/);
  });
});
