// The CredentialRole CRD: deploy/ holds exactly what src/core/manifests renders (setup applies
// the same objects), named as the team agreed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderedFiles, staleFiles } from '../../scripts/render-manifests.ts';
import { CREDENTIAL_ROLE_CRD } from '../../src/core/manifests/credential-role-crd.ts';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

describe('deploy/ manifests', () => {
  it('match what src/core/manifests renders (run: npx tsx scripts/render-manifests.ts)', () => {
    assert.deepEqual(staleFiles(), []);
  });

  it('a changed file is reported as stale', () => {
    const root = mkdtempSync(join(tmpdir(), 'render-'));
    for (const { path, text } of renderedFiles()) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    assert.deepEqual(staleFiles(root), []);
    writeFileSync(join(root, 'deploy/crds/credentialroles.tempcreds.dev.yaml'), 'edited\n');
    assert.deepEqual(staleFiles(root), ['deploy/crds/credentialroles.tempcreds.dev.yaml']);
  });

  it('renders the request API too (admission policy and binding before the CRD, then the requester ClusterRole)', () => {
    const file = renderedFiles().find(({ path }) => path === 'deploy/credential-requests.yaml');
    assert.deepEqual(
      file?.text.match(/^kind: \w+$/gm),
      ['kind: ValidatingAdmissionPolicy', 'kind: ValidatingAdmissionPolicyBinding', 'kind: CustomResourceDefinition', 'kind: ClusterRole'],
    );
  });

  it('names the CRD as the team agreed: cluster-scoped, v1alpha1, short names cr and credrole, a status subresource', () => {
    const spec = CREDENTIAL_ROLE_CRD.spec as { scope: string; names: { shortNames: string[]; kind: string }; versions: { name: string; subresources: unknown }[] };
    assert.equal(CREDENTIAL_ROLE_CRD.metadata.name, 'credentialroles.tempcreds.dev');
    assert.equal(spec.scope, 'Cluster');
    assert.deepEqual(spec.names.shortNames, ['cr', 'credrole']);
    assert.deepEqual(spec.versions.map(({ name, subresources }) => [name, subresources]), [['v1alpha1', { status: {} }]]);
  });
});
