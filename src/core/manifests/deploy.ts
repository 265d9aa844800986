// The repo's deploy/ YAML files, rendered from the manifest modules beside this one: one table,
// so `setup` applies and `kubectl apply -f deploy/…` installs the same objects
// (scripts/render-manifests.ts writes them; a unit test checks the files match). Pure.

import type { Manifest } from '../grant-plan.js';
import { toYaml } from '../structured-text.js';
import { CREDENTIAL_ROLE_CRD } from './credential-role-crd.js';
import { requestApiManifests } from './request-admission.js';
import { requestStampManifests, STAMP_API_VERSIONS } from './request-stamp.js';
import { CONTROLLER_DOCKERFILE, controllerImage, controllerManifests } from './controller.js';
import { parseDuration } from '../duration.js';
import { DEFAULT_GUARD_MAX_TTL } from '../issuer-setup.js';
import { describeManifest } from '../object-ref.js';

/** A file under deploy/: objects in apply order (with its own header comment, if any), or (the controller's Dockerfile) text. */
export type DeployFile = { path: string; manifests: Manifest[]; header?: string } | { path: string; text: string };

const GENERATED = 'Generated from src/core/manifests/ by scripts/render-manifests.ts: do not edit.';
const STAMP_HEADER = (where: string) =>
  `${GENERATED}\n# Optional, ${where}: fills in a CredentialRequest's missing spec.requester (never overwrites it; the validating policy stays the check).`;

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
    // Apart: a cluster that does not serve the kind would refuse the file whole.
    { path: 'deploy/credential-requests-stamp.yaml', manifests: requestStampManifests(STAMP_API_VERSIONS[0]), header: STAMP_HEADER('where MutatingAdmissionPolicy is served (Kubernetes 1.36 and later)') },
    { path: 'deploy/credential-requests-stamp.v1beta1.yaml', manifests: requestStampManifests(STAMP_API_VERSIONS[1]), header: STAMP_HEADER('Kubernetes 1.34-1.35 with the MutatingAdmissionPolicy feature gate and admissionregistration.k8s.io/v1beta1 enabled') },
    { path: 'deploy/controller/controller.yaml', manifests: controller.filter((manifest) => !elsewhere.has(describeManifest(manifest))) },
    { path: 'deploy/controller/Dockerfile', text: CONTROLLER_DOCKERFILE },
  ];
}

/** Manifests as a multi-document YAML file; empty labels and annotations are left out. */
export function renderManifests(manifests: Manifest[], header = GENERATED): string {
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
