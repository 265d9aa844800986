// `setup`: applies the issuer identity's objects in order (its ServiceAccount before the
// binding that names it), reporting each like kubectl apply.

import type { Manifest } from '../core/grant-plan.js';
import type { IssuerSetupPort } from './ports.js';

export interface AppliedObject {
  manifest: Manifest;
  result: 'created' | 'configured' | 'unchanged';
}

export async function applyIssuer(port: IssuerSetupPort, manifests: Manifest[]): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  for (const manifest of manifests) applied.push({ manifest, result: await port.apply(manifest) });
  return applied;
}
