// `setup`: applies the issuer identity's objects in order (its ServiceAccount before the
// binding that names it), reporting each like kubectl apply — but never takes over an object
// it did not create (no issuer labels) unless forced: `--name admin` must not rewrite the
// admin ClusterRole.

import { invalidInput } from '../core/errors.js';
import type { Manifest } from '../core/grant-plan.js';
import { isSetupObject } from '../core/issuer-setup.js';
import { describeManifest } from '../core/object-ref.js';
import { controllerManifests, type ControllerSetup } from '../core/manifests/controller.js';
import { STAMP_API_VERSIONS, STAMP_POLICY_KIND } from '../core/manifests/request-stamp.js';
import type { DiscoveryPort, IssuerSetupPort } from './ports.js';

export interface AppliedObject {
  manifest: Manifest;
  result: 'created' | 'configured' | 'unchanged';
}

export async function applyIssuer(port: IssuerSetupPort, manifests: Manifest[], { force }: { force: boolean }): Promise<AppliedObject[]> {
  // Every check before the first change: bad input leaves the cluster as it was.
  const created = new Set(manifests.filter((manifest) => manifest.kind === 'Namespace').map((manifest) => manifest.metadata.name));
  const namespaces = [...new Set(manifests.flatMap((manifest) => manifest.metadata.namespace ?? []))].filter((namespace) => !created.has(namespace));
  const present = await Promise.all(namespaces.map((namespace) => port.namespaceLabels(namespace)));
  const missing = namespaces.filter((_, index) => present[index] === undefined);
  if (missing.length > 0) {
    const many = missing.length > 1;
    throw invalidInput(`namespace${many ? 's' : ''} ${missing.join(', ')} ${many ? 'do' : 'does'} not exist: create ${many ? 'them' : 'it'} first (kubectl create namespace ${missing[0]}); nothing was changed`);
  }
  if (!force) {
    // An existing ServiceAccount or Namespace only gains labels: only the others are checked.
    const checked = manifests.filter((manifest) => manifest.kind !== 'ServiceAccount' && manifest.kind !== 'Namespace');
    const labels = await Promise.all(checked.map((manifest) => port.labelsOf(manifest)));
    const foreign = checked.filter((manifest, index) => labels[index] !== undefined && !isSetupObject(manifest, labels[index]));
    if (foreign.length > 0) {
      throw invalidInput(
        `${foreign.map(describeManifest).join(', ')} already exist${foreign.length === 1 ? 's' : ''} and ${foreign.length === 1 ? 'was' : 'were'} not created by kubectl tempcreds setup; nothing was changed: choose another --name, or pass --force to overwrite ${foreign.length === 1 ? 'it' : 'them'}`,
      );
    }
  }
  const applied: AppliedObject[] = [];
  for (const manifest of manifests) applied.push({ manifest, result: await port.apply(manifest) });
  return applied;
}

/**
 * `setup --controller`: everything the controller needs, plus the request stamp (a
 * MutatingAdmissionPolicy) where the API server serves that kind, at the version it serves;
 * elsewhere requests carry their requester and the validating policy checks it as always.
 */
export async function applyController(port: IssuerSetupPort & DiscoveryPort, setup: Omit<ControllerSetup, 'stamp'>, options: { force: boolean }): Promise<AppliedObject[]> {
  const stamp = await port.servedApiVersion(STAMP_POLICY_KIND, STAMP_API_VERSIONS);
  return applyIssuer(port, controllerManifests({ ...setup, stamp }), options);
}
