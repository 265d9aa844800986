// The repo's deploy/ YAML files, rendered from the manifest modules beside this one: one table,
// so `setup` applies and `kubectl apply -f deploy/…` installs the same objects
// (scripts/render-manifests.ts writes them; a unit test checks the files match). Pure.

import type { Manifest } from '../grant-plan.js';
import { toYaml } from '../structured-text.js';
import { CREDENTIAL_ROLE_CRD } from './credential-role-crd.js';
import { requestApiManifests } from './request-admission.js';

/** Each file under deploy/ and the objects it holds, in apply order. */
export const DEPLOY_FILES: { path: string; manifests: Manifest[] }[] = [
  { path: 'deploy/crds/credentialroles.tempcreds.dev.yaml', manifests: [CREDENTIAL_ROLE_CRD] },
  // One file: its admission policy must be in place before the CRD serves the first request.
  { path: 'deploy/credential-requests.yaml', manifests: requestApiManifests() },
];

/** Manifests as a multi-document YAML file; empty labels and annotations are left out. */
export function renderManifests(manifests: Manifest[], header = 'Generated from src/core/manifests/ by scripts/render-manifests.ts: do not edit.'): string {
  const documents = manifests.map((manifest) => toYaml(withoutEmptyMaps(manifest)));
  return `# ${header}\n---\n${documents.join('---\n')}`;
}

function withoutEmptyMaps(manifest: Manifest): Manifest {
  const { labels, annotations, ...metadata } = manifest.metadata;
  return {
    ...manifest,
    metadata: { ...metadata, ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
  } as Manifest;
}
