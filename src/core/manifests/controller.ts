// The delegated-issuance controller as a service (#15): everything `setup --controller` applies
// (or prints), in apply order — the request API (its admission policy first), the CredentialRole
// CRD, the namespace, the controller's ServiceAccount with the issuer's least-privilege RBAC and guard (issuer-setup.ts,
// the same --namespaces/--all-namespaces/--cluster-scoped choices), the few rights only the
// controller needs (its requests, its roles, its Lease), and the Deployment last, so its
// replicas start with everything in place. Pure data.

import type { Manifest } from '../grant-plan.js';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE, CREDENTIAL_REQUESTS, CREDENTIAL_ROLES, REQUESTS_POLICY, TEMPCREDS_GROUP } from '../delegation-names.js';
import { issuerManifests, type IssuerSetup, type IssuerSubject } from '../issuer-setup.js';
import type { PolicyRule } from '../policy-rules.js';
import { CREDENTIAL_ROLE_CRD } from './credential-role-crd.js';
import { requestApiManifests } from './request-admission.js';
import { requestStampManifests, type StampApiVersion } from './request-stamp.js';

/** What `setup --controller` chooses: the issuer's scope and guard, and the image to run. */
/** `stamp`: the API version of MutatingAdmissionPolicy the server serves, if any (request-stamp.ts). */
export type ControllerSetup = Pick<IssuerSetup, 'namespaces' | 'clusterScoped' | 'withEscalation' | 'guard' | 'maxTtlSeconds'> & { image: string; stamp?: StampApiVersion };

/** Where release images are published; the tag is the package version (`setup --image` overrides). */
export const CONTROLLER_IMAGE_REPOSITORY = 'ghcr.io/kubectl-tempcreds/controller';
export const controllerImage = (version: string): string => `${CONTROLLER_IMAGE_REPOSITORY}:${version}`;

/** The controller acts as this ServiceAccount: it is the issuer, and the only holder of its rights. */
export const CONTROLLER_SUBJECT: IssuerSubject = { kind: 'ServiceAccount', namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME };

/** `/healthz`, `/readyz` and `/metrics` (the controller's --health-addr). */
export const CONTROLLER_HEALTH_PORT = 8081;

const RBAC = 'rbac.authorization.k8s.io';
const CONTROLLER_LABELS = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'controller' };
const POD_LABELS = { 'app.kubernetes.io/name': CONTROLLER_NAME, ...CONTROLLER_LABELS };
const REQUESTS_ROLE = `${CONTROLLER_NAME}-requests`;
const ELECTION_ROLE = `${CONTROLLER_NAME}-leader-election`;

const metadata = (name: string, namespace?: string): Manifest['metadata'] => ({ name, ...(namespace ? { namespace } : {}), labels: { ...CONTROLLER_LABELS }, annotations: {} });
const subject = { kind: 'ServiceAccount', namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME };

/**
 * Beyond the issuer's rights, cluster-wide: watch requests and write their finalizers (update)
 * and answers (status), delete finished ones (the cleaner); read a role by name (never list
 * them, never write them); read its own admission policy (it refuses to start without it); ask
 * RBAC whether a requester may still `use` its role (a SubjectAccessReview; reads nothing stored).
 */
export const CONTROLLER_REQUEST_RULES: PolicyRule[] = [
  { apiGroups: [TEMPCREDS_GROUP], resources: [CREDENTIAL_REQUESTS], verbs: ['get', 'list', 'watch', 'update', 'delete'] },
  { apiGroups: [TEMPCREDS_GROUP], resources: [`${CREDENTIAL_REQUESTS}/status`], verbs: ['update'] },
  { apiGroups: [TEMPCREDS_GROUP], resources: [CREDENTIAL_ROLES], verbs: ['get'] },
  { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'], resourceNames: [REQUESTS_POLICY], verbs: ['get'] },
  // Whether a requester may still use its role, asked again before issuing (cannot be narrowed: reviews have no names).
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

/** Its Lease only: create cannot be limited by name (RBAC), get and update can. */
export const CONTROLLER_ELECTION_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [CONTROLLER_NAME], verbs: ['get', 'update'] },
];

function controllerRbac(): Manifest[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: metadata(REQUESTS_ROLE), rules: CONTROLLER_REQUEST_RULES },
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: metadata(REQUESTS_ROLE), roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: REQUESTS_ROLE }, subjects: [subject] },
    { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: metadata(ELECTION_ROLE, CONTROLLER_NAMESPACE), rules: CONTROLLER_ELECTION_RULES },
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: metadata(ELECTION_ROLE, CONTROLLER_NAMESPACE), roleRef: { apiGroup: RBAC, kind: 'Role', name: ELECTION_ROLE }, subjects: [subject] },
  ];
}

/**
 * Two replicas (one leads, the other takes over within the Lease's duration), on different nodes
 * when there are several; probes on the controller's own endpoints; a container that can write
 * nothing but /tmp, runs as a non-root user without privileges or capabilities, under the
 * runtime's default seccomp profile.
 */
export function controllerDeployment(image: string): Manifest {
  const port = 'http-metrics';
  const probe = (path: string, periodSeconds: number) => ({ httpGet: { path, port }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(CONTROLLER_NAME, CONTROLLER_NAMESPACE),
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': CONTROLLER_NAME } },
      // One replica at a time: the other keeps (or takes) the Lease meanwhile.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: { ...POD_LABELS }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(CONTROLLER_HEALTH_PORT) } },
        spec: {
          serviceAccountName: CONTROLLER_NAME,
          // SIGTERM: the current item finishes (10 s at most), then the Lease is released.
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': CONTROLLER_NAME } } } }],
            },
          },
          containers: [
            {
              name: 'controller',
              image,
              args: ['controller', '--namespace', CONTROLLER_NAMESPACE, '--lease-name', CONTROLLER_NAME, '--health-addr', `:${CONTROLLER_HEALTH_PORT}`],
              // The root file system is read-only: any path the tool derives from HOME lands in /tmp.
              env: [{ name: 'HOME', value: '/tmp' }],
              ports: [{ name: port, containerPort: CONTROLLER_HEALTH_PORT, protocol: 'TCP' }],
              livenessProbe: probe('/healthz', 10),
              readinessProbe: probe('/readyz', 5),
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

/** Everything `setup --controller` applies, in the order it must: nothing runs before what guards it exists. */
export function controllerManifests(setup: ControllerSetup): Manifest[] {
  return [
    ...requestApiManifests(),
    ...(setup.stamp ? requestStampManifests(setup.stamp) : []),
    CREDENTIAL_ROLE_CRD,
    { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(CONTROLLER_NAMESPACE) },
    ...issuerManifests({ ...setup, name: CONTROLLER_NAME, subject: CONTROLLER_SUBJECT }),
    ...controllerRbac(),
    controllerDeployment(setup.image),
  ];
}

/**
 * The controller image (deploy/controller/Dockerfile, rendered from here): the released npm
 * package on Node's slim image, without build tools or the keychain addon (the controller caches
 * no tokens), run as the same non-root user the Deployment asks for.
 */
export const CONTROLLER_DOCKERFILE = `# The kubectl-tempcreds controller image, run by the Deployment of \`kubectl tempcreds setup --controller\`.
# deploy/controller/Dockerfile is generated from src/core/manifests/controller.ts by scripts/render-manifests.ts: do not edit.
#   docker build --build-arg VERSION=0.1.0 -t ${CONTROLLER_IMAGE_REPOSITORY}:0.1.0 deploy/controller
# (then setup --controller --image YOUR/IMAGE:TAG, or the release's image by default)
ARG NODE_VERSION=24
FROM node:\${NODE_VERSION}-bookworm-slim AS install
ARG VERSION
RUN test -n "\${VERSION}" && npm install --global --omit=dev --omit=optional --ignore-scripts "kubectl-tempcreds@\${VERSION}" && npm cache clean --force

FROM node:\${NODE_VERSION}-bookworm-slim
COPY --from=install /usr/local/lib/node_modules/kubectl-tempcreds /opt/kubectl-tempcreds
ENV NODE_ENV=production HOME=/tmp
USER 65532:65532
EXPOSE ${CONTROLLER_HEALTH_PORT}
ENTRYPOINT ["node", "/opt/kubectl-tempcreds/bin/kubectl-tempcreds"]
CMD ["controller"]
`;
