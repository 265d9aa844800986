// Who may ask for credentials, checked by the API server itself with no webhook to run (#15):
// a ValidatingAdmissionPolicy refuses a CredentialRequest whose stated requester is not the
// user creating it (custom resources do not record their creator; without this anyone could
// ask in another's name), one for another namespace than its own (so RBAC on requests limits
// where tokens are issued), and one whose creator may not `use` the role (RBAC, per role name,
// granted by `role grant`); and the deletion (a revocation) of another's request. The
// requester ClusterRole gives what a requester needs and nothing more. Pure data.
//
// Where MutatingAdmissionPolicy is served (GA in 1.36; a feature gate before), request-stamp.ts
// fills in a missing spec.requester from request.userInfo first (mutating admission runs before
// validating); it never overwrites one, so this validating policy stays the check everywhere.

import type { Manifest } from '../grant-plan.js';
import { CREDENTIAL_REQUESTS, CREDENTIAL_ROLES, REQUESTER_CLUSTER_ROLE, REQUESTS_POLICY, TEMPCREDS_GROUP, USE_VERB } from '../delegation-names.js';
import { credentialRequestCrd, DELEGATION_LABELS } from './credential-request-crd.js';

const ADMISSION = 'admissionregistration.k8s.io';
const RBAC = 'rbac.authorization.k8s.io';

const metadata = (name: string): Manifest['metadata'] => ({ name, labels: { ...DELEGATION_LABELS }, annotations: {} });

// Absent, not empty, when the authenticator sets none (client certificates have no uid).
const orEmpty = (field: string, empty: string) => `has(${field}) ? ${field} : ${empty}`;

/** How `role grant` names the creator: --serviceaccount NS/NAME for a ServiceAccount, else --user NAME. */
const GRANT_FLAG =
  "request.userInfo.username.startsWith('system:serviceaccount:') ? '--serviceaccount ' + request.userInfo.username.substring(22).replace(':', '/') : '--user ' + request.userInfo.username";

const STATUS_WRITER = `authorizer.group('${TEMPCREDS_GROUP}').resource('${CREDENTIAL_REQUESTS}').subresource('status').namespace(request.namespace).check('update').allowed()`;
const COLLECTION_DELETER = `authorizer.group('${TEMPCREDS_GROUP}').resource('${CREDENTIAL_REQUESTS}').namespace(request.namespace).check('deletecollection').allowed()`;

export function requestAdmissionPolicy(): Manifest {
  return {
    apiVersion: `${ADMISSION}/v1`,
    kind: 'ValidatingAdmissionPolicy',
    metadata: metadata(REQUESTS_POLICY),
    spec: {
      // Without the check a requester's identity could be forged: never let a request through unchecked.
      failurePolicy: 'Fail',
      // The spec is immutable (the CRD's rule), so what CREATE admitted stays true; DELETE revokes a lease.
      matchConstraints: { resourceRules: [{ apiGroups: [TEMPCREDS_GROUP], apiVersions: ['*'], operations: ['CREATE', 'DELETE'], resources: [CREDENTIAL_REQUESTS] }] },
      variables: [
        // The request being created, or the one being deleted (object is null on DELETE).
        { name: 'requester', expression: "request.operation == 'DELETE' ? oldObject.spec.requester : object.spec.requester" },
        { name: 'uid', expression: orEmpty('request.userInfo.uid', "''") },
        { name: 'groups', expression: orEmpty('request.userInfo.groups', '[]') },
        { name: 'statedUid', expression: orEmpty('variables.requester.uid', "''") },
        { name: 'statedGroups', expression: orEmpty('variables.requester.groups', '[]') },
        { name: 'isRequester', expression: 'variables.requester.username == request.userInfo.username && variables.statedUid == variables.uid' },
        { name: 'grantFlag', expression: GRANT_FLAG },
      ],
      // Each rule is about one operation; `||` short-circuits, so the other's variables are never read.
      validations: [
        {
          expression: "request.operation != 'CREATE' || (variables.isRequester && sets.equivalent(variables.statedGroups, variables.groups))",
          messageExpression:
            "'spec.requester must be exactly the user creating the request (' + request.userInfo.username + ', with the uid and groups a SelfSubjectReview returns): a request in the name of another user is refused; let kubectl tempcreds fill it in'",
          reason: 'Forbidden',
        },
        {
          // Tokens only for the request's own namespace: then RBAC on requests (the requester
          // ClusterRole, bound by a RoleBinding in A) limits a requester's tokens to A.
          expression: "request.operation != 'CREATE' || object.spec.namespace == request.namespace",
          messageExpression:
            "'spec.namespace ' + object.spec.namespace + ' is not the namespace the request is created in (' + request.namespace + '): a request gets tokens for its own namespace only; create it in namespace ' + object.spec.namespace + ' (kubectl tempcreds does)'",
          reason: 'Forbidden',
        },
        {
          expression: `request.operation != 'CREATE' || authorizer.group('${TEMPCREDS_GROUP}').resource('${CREDENTIAL_ROLES}').name(object.spec.role).check('${USE_VERB}').allowed()`,
          messageExpression:
            `request.userInfo.username + ' may not use CredentialRole ' + object.spec.role + ' (RBAC verb ${USE_VERB} on ${CREDENTIAL_ROLES}/' + object.spec.role + '): ask an admin to run kubectl tempcreds role grant ' + object.spec.role + ' ' + variables.grantFlag`,
          reason: 'Forbidden',
        },
        {
          // Deleting a request revokes its lease: its requester may, and so may the controller (it
          // writes status) and whoever may delete them all (admins, the namespace controller).
          expression: `request.operation != 'DELETE' || variables.isRequester || ${STATUS_WRITER} || ${COLLECTION_DELETER}`,
          messageExpression:
            "request.userInfo.username + ' may delete only its own CredentialRequests (deleting one revokes its lease); this one belongs to ' + oldObject.spec.requester.username",
          reason: 'Forbidden',
        },
      ],
    },
  };
}

export function requestAdmissionBinding(): Manifest {
  return { apiVersion: `${ADMISSION}/v1`, kind: 'ValidatingAdmissionPolicyBinding', metadata: metadata(REQUESTS_POLICY), spec: { policyName: REQUESTS_POLICY, validationActions: ['Deny'] } };
}

/**
 * What every requester needs: create its requests, watch for the answer, delete them (which
 * revokes the lease; the policy allows deleting one's own only). RBAC cannot limit get/list to
 * one's own requests: names are unguessable and status holds only ciphertext. Bind it where requesters may ask; `use` comes per role from `role grant`.
 */
export function requesterClusterRole(): Manifest {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: metadata(REQUESTER_CLUSTER_ROLE),
    rules: [{ apiGroups: [TEMPCREDS_GROUP], resources: [CREDENTIAL_REQUESTS], verbs: ['create', 'get', 'list', 'watch', 'delete'] }],
  };
}

/** The request API, in the order it must be applied: the check before the resource, so no request is ever unchecked. */
export function requestApiManifests(): Manifest[] {
  return [requestAdmissionPolicy(), requestAdmissionBinding(), credentialRequestCrd(), requesterClusterRole()];
}
