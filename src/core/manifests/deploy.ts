// The repo's deploy/ YAML files, rendered from the manifest modules beside this one: one table,
// so `setup` applies and `kubectl apply -f deploy/…` installs the same objects
// (scripts/render-manifests.ts writes them; a unit test checks the files match). Pure.

import type { Manifest } from '../grant-plan.js';
import { toYaml } from '../structured-text.js';
import { CREDENTIAL_ROLE_CRD } from './credential-role-crd.js';
import { requestApiManifests } from './request-admission.js';
import { CONTROLLER_DOCKERFILE, controllerImage, controllerManifests } from './controller.js';
import { parseDuration } from '../duration.js';
import { DEFAULT_GUARD_MAX_TTL } from '../issuer-setup.js';
import { describeManifest } from '../object-ref.js';

/** A file under deploy/: objects in apply order, or (the controller's Dockerfile) text. */
export type DeployFile = { path: string; manifests: Manifest[] } | { path: string; text: string };

/**
 * Each file under deploy/. The controller's file is `setup --controller --all-namespaces` without
 * what the files before it hold; its image is this version's release (`version`: package.json).
 */
export function deployFiles(version: string): DeployFile[] {
  const controller = controllerManifests({ namespaces: 'all', clusterScoped: false, withEscalation: true, guard: true, maxTtlSeconds: parseDuration(DEFAULT_GUARD_MAX_TTL)!, image: controllerImage(version) });
  const elsewhere = new Set([CREDENTIAL_ROLE_CRD, ...requestApiManifests()].map(describeManifest));
  return [
    { path: 'deploy/crds/credentialroles.tempcreds.dev.yaml', manifests: [CREDENTIAL_ROLE_CRD] },
    // One file: its admission policy must be in place before the CRD serves the first request.
    { path: 'deploy/credential-requests.yaml', manifests: requestApiManifests() },
    { path: 'deploy/controller/controller.yaml', manifests: controller.filter((manifest) => !elsewhere.has(describeManifest(manifest))) },
    { path: 'deploy/controller/Dockerfile', text: CONTROLLER_DOCKERFILE },
  ];
}

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
