// The cluster role repository's answers for a cluster without the CRD, and for a role that the
// validator refuses, over a fake connection (the real API server is in the integration tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterRoleStore, type ClusterTarget } from '../../src/adapters/cluster-roles.ts';
import type { KubeConnection, KubeRequest } from '../../src/adapters/kube-connections.ts';
import { ApiError } from '../../src/core/errors.ts';

function store(answer: (request: KubeRequest) => unknown, requests: KubeRequest[] = []): ClusterRoleStore {
  const connection = {
    request: async (request: KubeRequest) => {
      requests.push(request);
      const result = answer(request);
      if (result instanceof ApiError) throw result;
      return result;
    },
  } as unknown as KubeConnection;
  const target: ClusterTarget = { connection, context: 'team', toError: (action, error) => new ApiError(`cannot ${action}: ${(error as ApiError).message}`, (error as ApiError).status) };
  return new ClusterRoleStore(async () => target);
}

const notFound = () => new ApiError('404 the server could not find the requested resource', 404);

describe('ClusterRoleStore', () => {
  it('without the CRD, every command says so and how to install it', async () => {
    const roles = store(notFound);
    for (const attempt of [() => roles.get('app'), () => roles.list(), () => roles.delete('app'), () => roles.update('app', () => ({ name: 'app', spec: { allowedNamespaces: ['demo'], serviceAccount: 'app' } }))]) {
      await assert.rejects(attempt, /the CredentialRole CRD \(credentialroles\.tempcreds\.dev\) is not installed in this cluster: an admin installs it with "kubectl tempcreds setup"/);
    }
  });

  it('a missing role is undefined, not an error, when the CRD is served', async () => {
    const roles = store((request) => (request.path === '/apis/tempcreds.dev/v1alpha1' ? { resources: [{ name: 'credentialroles' }] } : notFound()));
    assert.equal(await roles.get('app'), undefined);
    assert.equal(await roles.delete('app'), false);
  });

  it('a role the validator refuses is an error naming the problem, and its Ready=False status is written; a bad name is exit 2', async () => {
    const requests: KubeRequest[] = [];
    const object = { metadata: { name: 'app', generation: 2, resourceVersion: '9' }, spec: { allowedNamespaces: ['demo'], serviceAccount: 'app', nameTemplate: 'x' } };
    const roles = store((request) => (request.method === 'PATCH' ? {} : object), requests);
    await assert.rejects(() => roles.get('app'), /^TempcredsError: CredentialRole "app" in the cluster of context "team" is not valid \(nameTemplate must contain \{\{lease\}\}/);
    const patch = requests.find((request) => request.method === 'PATCH')!;
    assert.equal(patch.path, '/apis/tempcreds.dev/v1alpha1/credentialroles/app/status');
    assert.deepEqual((patch.body as { status: { conditions: { status: string; reason: string }[] } }).status.conditions.map(({ status, reason }) => [status, reason]), [['False', 'Invalid']]);
    await assert.rejects(() => roles.get('../x'), (error: Error & { exitCode?: number }) => error.exitCode === 2);
  });
});
