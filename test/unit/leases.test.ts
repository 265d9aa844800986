// Where lease lookup searches when the issuer may not list across all namespaces (app/leases.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchNamespaces } from '../../src/app/leases.ts';
import { role } from './fakes.ts';

describe('searchNamespaces', () => {
  const roles = [
    role('here', { serviceAccount: 'sa', allowedNamespaces: 'team-a,team-b' }),
    role('everywhere', { serviceAccount: 'sa', allowedNamespaces: '*' }),
    role('other-issuer', { serviceAccount: 'sa', allowedNamespaces: 'team-c', issuerContext: 'other' }),
    role('this-issuer', { serviceAccount: 'sa', allowedNamespaces: 'team-d', issuerContext: 'admin' }),
  ];
  const stores = { roles: { list: async () => ({ roles }) } };

  it("-n first, then the allowed namespaces of the roles that issue through this context; never '*'", async () => {
    assert.deepEqual(await searchNamespaces(stores, 'dev')('admin'), ['dev', 'team-a', 'team-b', 'team-d']);
  });

  it("another context's roles are not searched", async () => {
    assert.deepEqual(await searchNamespaces(stores, undefined)('other'), ['team-a', 'team-b', 'team-c']);
  });
});
