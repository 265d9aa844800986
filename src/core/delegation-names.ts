// The fixed names of the tempcreds.dev API (issues #14 and #15), in one place: the API group and
// version, its resources, the RBAC verb that lets a subject use a role, the admission policy that
// proves a requester's identity, the requester ClusterRole, and the controller's defaults.

export const TEMPCREDS_GROUP = 'tempcreds.dev';
export const TEMPCREDS_VERSION = 'v1alpha1';
/** The apiVersion of CredentialRoles (and of role documents, for `role apply` and `kubectl apply` alike) and CredentialRequests. */
export const TEMPCREDS_API_VERSION = `${TEMPCREDS_GROUP}/${TEMPCREDS_VERSION}`;
export const CREDENTIAL_ROLES = 'credentialroles';
export const CREDENTIAL_ROLE_KIND = 'CredentialRole';
export const CREDENTIAL_REQUESTS = 'credentialrequests';
export const CREDENTIAL_REQUEST_KIND = 'CredentialRequest';
/** The RBAC verb on `credentialroles/NAME` that allows requesting credentials from that role. */
export const USE_VERB = 'use';
/** The ValidatingAdmissionPolicy and its binding (same name) that refuse forged requesters. */
export const REQUESTS_POLICY = 'tempcreds-credentialrequests';
/** The MutatingAdmissionPolicy and its binding (same name) that fill in a request's missing requester, where served. */
export const REQUESTS_STAMP_POLICY = 'tempcreds-credentialrequests-stamp';
/** What a requester needs on CredentialRequests (`use` is granted per role by `role grant`). */
export const REQUESTER_CLUSTER_ROLE = 'tempcreds-requester';
export const CONTROLLER_NAMESPACE = 'tempcreds-system';
/** The controller's ServiceAccount and its leader election Lease. */
export const CONTROLLER_NAME = 'tempcreds-controller';

export const crdName = (plural: string): string => `${plural}.${TEMPCREDS_GROUP}`;
