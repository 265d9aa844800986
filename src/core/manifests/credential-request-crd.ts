// The CredentialRequest custom resource (#15): what a requester asks the controller for, and
// the controller's answer in its status. The API server enforces the shape (bounded sizes, an
// immutable spec, a public key without its private part, a status token that can only be a
// compact JWE), so what reaches the controller and the client is never oversize or ambiguous.
// Who may create a request, and for which role, is request-admission.ts's. Pure data.

import { CREDENTIAL_REQUEST_KIND, CREDENTIAL_REQUESTS, crdName, TEMPCREDS_GROUP, TEMPCREDS_VERSION } from '../delegation-names.js';
import { goDuration } from '../duration.js';
import type { Manifest } from '../grant-plan.js';
import { dns1123Label } from '../kube-names.js';
import { JWK_COORDINATE, type RequestPublicKey } from '../request-public-key.js';


/** Labels of every object the delegation manifests install (not the lease label: these are no lease's). */
export const DELEGATION_LABELS = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'delegation' };

export interface CredentialRequestSpec {
  /** A CredentialRole's name; admission checks the requester may `use` it. */
  role: string;
  /** Where the lease is issued: the request's own namespace (admission and the controller refuse another). */
  namespace: string;
  ttl?: string;
  audiences?: string[];
  clusterRoleBinding?: boolean;
  /** Exactly the creating user as the API server authenticated it (admission checks). */
  requester: { username: string; uid?: string; groups?: string[] };
  publicKey: RequestPublicKey;
}

/**
 * The controller's answer: at most one condition is True (the printer column shows it). `Denied`,
 * `Failed` and `Revoked` are final; `Revoked` follows `Issued`, which then turns False with the
 * same reason. A token is usable while Issued is True. The controller's first write is
 * Issued=Unknown (reason `Issuing`), so a request with no conditions has not been seen by any
 * controller (the client says so after a bounded wait).
 */
export const REQUEST_CONDITIONS = {
  /** True: the token is in `status.token` (sealed), with `leaseId` and `expiresAt`; reason `Issued`. Unknown: reason `Issuing`. */
  Issued: 'Issued',
  /** The role does not allow what the spec asks; nothing was created. Reason says what (REQUEST_DENIALS). */
  Denied: 'Denied',
  /** Issuing failed and was rolled back; reason `IssuanceFailed`, the message says what and what to do. */
  Failed: 'Failed',
  /** The lease is gone: reason `Expired` (revoked by the controller at its expiry; the only reason written). The token no longer works. */
  Revoked: 'Revoked',
} as const;
export type RequestConditionType = keyof typeof REQUEST_CONDITIONS;

/** Reasons of a `Denied` condition: each names what the requester can change. */
export const REQUEST_DENIALS = ['RoleNotFound', 'RoleNotReady', 'RoleNotAllowed', 'NamespaceNotAllowed', 'TtlTooLong', 'AudienceNotAllowed', 'ClusterRoleBindingNotAllowed', 'InvalidSpec', 'InvalidPublicKey'] as const;

export interface RequestCondition {
  type: RequestConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface CredentialRequestStatus {
  conditions?: RequestCondition[];
  observedGeneration?: number;
  leaseId?: string;
  /** RFC 3339, by the API server's clock. */
  expiresAt?: string;
  /** The token, sealed (sealed-token.ts) to `spec.publicKey` for this request's uid. */
  token?: string;
  /** The uid of the lease's anchor Secret as the controller created it: revocation goes by it, so a copied anchor cannot block it. */
  anchorUid?: string;
}

const string = (maxLength: number, extra: Record<string, unknown> = {}) => ({ type: 'string', maxLength, ...extra });
const dnsLabel = string(63, { minLength: 1, pattern: dns1123Label.source });
const coordinate = string(43, { pattern: JWK_COORDINATE.source });
const TTL_PATTERN = `^(?:[0-9]+|${goDuration.source.replace(/^\^|\$$/g, '')})$`;
// ECDH-ES (direct key agreement) leaves the encrypted-key part empty: header..iv.ciphertext.tag.
// A plaintext token (a JWT has three parts) cannot match, so it can never be stored in status.
const COMPACT_JWE_PATTERN = '^[A-Za-z0-9_-]+[.][.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+$';

const specSchema = {
  type: 'object',
  required: ['role', 'namespace', 'requester', 'publicKey'],
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'spec is immutable: delete the request and create a new one' }],
  properties: {
    role: { ...dnsLabel, description: 'The CredentialRole to issue from; the requester needs RBAC verb "use" on credentialroles/ROLE.' },
    namespace: { ...dnsLabel, description: 'The namespace the credentials are for.' },
    ttl: string(32, { pattern: TTL_PATTERN, description: 'Token lifetime (e.g. 1h, 30m, 3600); the role\'s default when absent, capped by its maximum.' }),
    audiences: { type: 'array', maxItems: 16, 'x-kubernetes-list-type': 'set', items: string(253, { minLength: 1 }) },
    clusterRoleBinding: { type: 'boolean' },
    requester: {
      type: 'object',
      description: 'Exactly the user creating the request, as a SelfSubjectReview returns it; admission refuses anything else.',
      required: ['username'],
      properties: {
        username: string(512, { minLength: 1 }),
        uid: string(256),
        groups: { type: 'array', maxItems: 256, 'x-kubernetes-list-type': 'set', items: string(512, { minLength: 1 }) },
      },
    },
    publicKey: {
      type: 'object',
      description: 'The public JWK the token is sealed to (OKP/X25519 or EC/P-256).',
      required: ['kty', 'crv', 'x'],
      properties: {
        kty: { type: 'string', enum: ['OKP', 'EC'] },
        crv: { type: 'string', enum: ['X25519', 'P-256'] },
        x: coordinate,
        y: coordinate,
        // Declared only to be refused: a dropped unknown field would hide that the key leaked.
        d: string(512),
      },
      'x-kubernetes-validations': [
        { rule: '!has(self.d)', message: 'publicKey contains the private key "d": this key is no longer secret; generate a new key pair and send only its public part' },
        {
          rule: "self.kty == 'OKP' ? self.crv == 'X25519' && !has(self.y) : self.crv == 'P-256' && has(self.y)",
          message: 'publicKey must be {kty: OKP, crv: X25519, x} or {kty: EC, crv: P-256, x, y}',
        },
      ],
    },
  },
};

const statusSchema = {
  type: 'object',
  // On status, not on the token: an error about a string field quotes its value, which might be a token.
  'x-kubernetes-validations': [
    { rule: `!has(self.token) || self.token.matches('${COMPACT_JWE_PATTERN}')`, fieldPath: '.token', message: 'must be a compact JWE (ECDH-ES, A256GCM) sealed to spec.publicKey: a token is never stored in plaintext' },
  ],
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    conditions: {
      type: 'array',
      maxItems: 8,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      // metav1.Condition's schema.
      items: {
        type: 'object',
        required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
        properties: {
          type: string(316, { pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: string(1024, { minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
          message: string(32768),
          observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
          lastTransitionTime: { type: 'string', format: 'date-time' },
        },
      },
    },
    leaseId: string(128),
    expiresAt: { type: 'string', format: 'date-time' },
    anchorUid: string(128, { description: 'The uid of the lease\'s anchor Secret: the controller revokes by it and leaves copies alone.' }),
    token: string(16384, { description: 'The token as a compact JWE (ECDH-ES, A256GCM) to spec.publicKey, bound to this request\'s uid.' }),
  },
};

export function credentialRequestCrd(): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(CREDENTIAL_REQUESTS), labels: { ...DELEGATION_LABELS }, annotations: {} },
    spec: {
      group: TEMPCREDS_GROUP,
      scope: 'Namespaced',
      names: { plural: CREDENTIAL_REQUESTS, singular: 'credentialrequest', kind: CREDENTIAL_REQUEST_KIND, listKind: `${CREDENTIAL_REQUEST_KIND}List`, shortNames: ['credreq'], categories: ['tempcreds'] },
      versions: [
        {
          name: TEMPCREDS_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Role', type: 'string', jsonPath: '.spec.role' },
            { name: 'Target', type: 'string', description: 'The namespace the credentials are for', jsonPath: '.spec.namespace' },
            { name: 'Status', type: 'string', description: 'The condition that is True (none: pending)', jsonPath: '.status.conditions[?(@.status=="True")].type' },
            { name: 'Expires', type: 'string', jsonPath: '.status.expiresAt' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            { name: 'Requester', type: 'string', priority: 1, jsonPath: '.spec.requester.username' },
            { name: 'Reason', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.status=="True")].reason' },
            { name: 'Lease', type: 'string', priority: 1, jsonPath: '.status.leaseId' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A request for short-lived credentials from a CredentialRole, issued by the kubectl-tempcreds controller.',
              required: ['spec'],
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: specSchema, status: statusSchema },
            },
          },
        },
      ],
    },
  };
}
