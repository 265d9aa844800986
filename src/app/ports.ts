// What the use cases need from the outside world, as small interfaces: the adapters
// implement them for real, tests with in-memory fakes.

import type { Manifest, TokenSpec } from '../core/grant-plan.js';
import type { ObjectRef } from '../core/lease.js';

export type CreatedRef = ObjectRef & { uid: string };

/** A labelled object found in the cluster (for `lease list`, `revoke` without records, `gc`). */
export interface ManagedObject extends ObjectRef {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface KubernetesPort {
  /** The issuer: its kubeconfig context, cluster and user. */
  readonly issuer: IssuerIdentity;
  create(manifest: Manifest): Promise<CreatedRef>;
  requestToken(spec: TokenSpec, boundTo: CreatedRef): Promise<IssuedToken>;
  /** A plain background delete; 'absent' when it was already gone. */
  delete(ref: ObjectRef): Promise<'deleted' | 'absent'>;
  /** The namespace's labels, or undefined when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
}

export interface IssuerIdentity {
  context: string;
  cluster: string;
  server: string;
  user: string;
}
