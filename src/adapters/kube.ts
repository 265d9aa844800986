// The Kubernetes API for the use cases, one client per issuer: callers import this module
// lazily, only when the API is really needed (it loads @kubernetes/client-node, ~650 ms). The
// requests live by what they serve: ./kube-issuance.ts, ./kube-setup.ts, ./kube-doctor.ts;
// the kubeconfig in ./kube-config.ts, error messages in ./kube-errors.ts.

import type { Manifest } from '../core/grant-plan.js';
import type { ResourceAccess } from '../core/issuer-checks.js';
import type { DiscoveryPort, IssuerCheckPort, IssuerSetupPort } from '../app/ports.js';
import { canI, namespaceNames, supportsTokenRequest, whoAmI } from './kube-doctor.js';
import { KubeIssuanceApi } from './kube-issuance.js';
import { applyManifest, labelsOf, servedApiVersion, serverSideApply } from './kube-setup.js';

export { kubeconfigSource, loadKubeConfig, type KubeTarget } from './kube-config.js';
export { KubeConnection } from './kube-connections.js';
export { toKubeError } from './kube-errors.js';

export class KubeClient extends KubeIssuanceApi implements IssuerSetupPort, IssuerCheckPort {
  apply(manifest: Manifest): Promise<'created' | 'configured' | 'unchanged'> {
    return applyManifest(this, manifest);
  }

  labelsOf(manifest: Manifest): Promise<Record<string, string> | undefined> {
    return labelsOf(this, manifest);
  }

  /** The same port, applying with server-side apply (`setup --controller`), and discovery. */
  serverSide(): IssuerSetupPort & DiscoveryPort {
    return {
      apply: (manifest) => serverSideApply(this, manifest),
      labelsOf: (manifest) => this.labelsOf(manifest),
      namespaceLabels: (name) => this.namespaceLabels(name),
      servedApiVersion: (kind, apiVersions) => servedApiVersion(this, kind, apiVersions),
    };
  }

  supportsTokenRequest(): Promise<boolean> {
    return supportsTokenRequest(this);
  }

  whoAmI(): Promise<string | undefined> {
    return whoAmI(this);
  }

  namespaceNames(): Promise<string[]> {
    return namespaceNames(this);
  }

  canI(access: ResourceAccess): Promise<boolean> {
    return canI(this, access);
  }
}
