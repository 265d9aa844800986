// Where the API server serves MutatingAdmissionPolicy (GA in Kubernetes 1.36; beta behind the
// MutatingAdmissionPolicy feature gate in 1.34 and 1.35), it stamps a CredentialRequest created
// without spec.requester with the identity it authenticated (request.userInfo), as it does for
// CertificateSigningRequests (#15). It fills in, it never overwrites: a stated requester is left
// as it is, forged or not, for the ValidatingAdmissionPolicy (request-admission.ts), which runs
// after every mutation and stays the check on every cluster. Mutating admission also runs before
// the CRD's schema validation, so the schema's required requester sees the stamped one. Optional:
// `setup --controller` applies it only where discovery shows the kind. Pure data.

import type { Manifest } from '../grant-plan.js';
import { CREDENTIAL_REQUESTS, REQUESTS_STAMP_POLICY, TEMPCREDS_GROUP } from '../delegation-names.js';
import { DELEGATION_LABELS } from './credential-request-crd.js';

const ADMISSION = 'admissionregistration.k8s.io';

/** The API versions that serve the kind, preferred first (v1beta1 has the same fields). */
export const STAMP_API_VERSIONS = [`${ADMISSION}/v1`, `${ADMISSION}/v1beta1`] as const;
export type StampApiVersion = (typeof STAMP_API_VERSIONS)[number];
export const STAMP_POLICY_KIND = 'MutatingAdmissionPolicy';

const metadata = (): Manifest['metadata'] => ({ name: REQUESTS_STAMP_POLICY, labels: { ...DELEGATION_LABELS }, annotations: {} });

// Absent, not empty, when the authenticator sets none (client certificates have no uid): left out
// then, so the stamp reads exactly as the validating policy compares it.
const ifPresent = (field: string) => `has(request.userInfo.${field}) ? optional.of(request.userInfo.${field}) : optional.none()`;

/** The requester, from the authenticated user; an apply configuration (merged like server-side apply). */
const STAMP = `Object{spec: Object.spec{requester: Object.spec.requester{username: request.userInfo.username, ?uid: ${ifPresent('uid')}, ?groups: ${ifPresent('groups')}}}}`;

export function requestStampPolicy(apiVersion: StampApiVersion = STAMP_API_VERSIONS[0]): Manifest {
  return {
    apiVersion,
    kind: STAMP_POLICY_KIND,
    metadata: metadata(),
    spec: {
      // A stamp that could not be made leaves nothing unchecked (the schema requires a requester), but says why.
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [TEMPCREDS_GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [CREDENTIAL_REQUESTS] }] },
      // Only a request that states no requester: one without spec is left to the schema's refusal.
      matchConditions: [{ name: 'requester-absent', expression: 'has(object.spec) && !has(object.spec.requester)' }],
      reinvocationPolicy: 'Never',
      mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: STAMP } }],
    },
  };
}

export function requestStampBinding(apiVersion: StampApiVersion = STAMP_API_VERSIONS[0]): Manifest {
  return { apiVersion, kind: `${STAMP_POLICY_KIND}Binding`, metadata: metadata(), spec: { policyName: REQUESTS_STAMP_POLICY } };
}

/** The policy and its binding, at the API version the server serves. */
export function requestStampManifests(apiVersion: StampApiVersion = STAMP_API_VERSIONS[0]): Manifest[] {
  return [requestStampPolicy(apiVersion), requestStampBinding(apiVersion)];
}
