// The fixed names of delegated issuance (issue #15): API group, resources, the admission policy
// that proves a requester's identity, and the controller's defaults.

export const TEMPCREDS_GROUP = 'tempcreds.dev';
export const TEMPCREDS_VERSION = 'v1alpha1';
export const CREDENTIAL_ROLES = 'credentialroles';
export const CREDENTIAL_REQUESTS = 'credentialrequests';
/** The ValidatingAdmissionPolicy and its binding (same name) that refuse forged requesters. */
export const REQUESTS_POLICY = 'tempcreds-credentialrequests';
export const CONTROLLER_NAMESPACE = 'tempcreds-system';
/** The controller's ServiceAccount and its leader election Lease. */
export const CONTROLLER_NAME = 'tempcreds-controller';

export const crdName = (plural: string): string => `${plural}.${TEMPCREDS_GROUP}`;
