// What `setup --controller` applies: in an order where nothing is ever unguarded, the issuer's
// rights exactly as `setup` makes them for the same choices, the controller's own few rights, and
// a Deployment that is hardened and probed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '../../src/core/grant-plan.ts';
import { issuerManifests } from '../../src/core/issuer-setup.ts';
import { CONTROLLER_SUBJECT, controllerManifests, type ControllerSetup } from '../../src/core/manifests/controller.ts';
import { deployFiles } from '../../src/core/manifests/deploy.ts';
import { requestStampManifests, STAMP_API_VERSIONS } from '../../src/core/manifests/request-stamp.ts';

const setup = (extra: Partial<ControllerSetup> = {}): ControllerSetup => ({ namespaces: ['team-a', 'team-b'], clusterScoped: false, withEscalation: true, guard: true, maxTtlSeconds: 86400, image: 'example/controller:1', ...extra });
const id = (manifest: Manifest) => `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`;
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

describe('controllerManifests', () => {
  it('applies the check before what it checks: the request policy before the CRD, the guard before the rights, the Deployment last', () => {
    const order = controllerManifests(setup()).map(id);
    const at = (name: string) => order.indexOf(name);
    assert.ok(at('ValidatingAdmissionPolicyBinding tempcreds-credentialrequests') < at('CustomResourceDefinition credentialrequests.tempcreds.dev'));
    assert.ok(at('Namespace tempcreds-system') < at('ServiceAccount tempcreds-system/tempcreds-controller'));
    assert.ok(at('ValidatingAdmissionPolicyBinding tempcreds-controller') < at('ClusterRoleBinding tempcreds-controller'));
    assert.ok(at('ValidatingAdmissionPolicyBinding tempcreds-controller-accounts.team-a') < at('RoleBinding team-a/tempcreds-controller'));
    assert.equal(order.at(-1), 'Deployment tempcreds-system/tempcreds-controller');
    assert.equal(new Set(order).size, order.length, 'no object twice');
  });

  it('gives the controller the issuer\'s rights exactly as setup would for the same choices', () => {
    for (const choice of [{}, { namespaces: 'all' as const }, { clusterScoped: true, withEscalation: false }, { guard: false }]) {
      const { image: _, ...issuer } = setup(choice);
      const expected = issuerManifests({ ...issuer, name: 'tempcreds-controller', subject: CONTROLLER_SUBJECT }).map((manifest) => JSON.stringify(manifest));
      const actual = new Set(controllerManifests(setup(choice)).map((manifest) => JSON.stringify(manifest)));
      assert.deepEqual(expected.filter((manifest) => !actual.has(manifest)), [], JSON.stringify(choice));
    }
  });

  it('is least privilege: no wildcards, Secrets and tokens only where it serves, its Lease and policy by name, no requests created', () => {
    const manifests = controllerManifests(setup());
    // Every rule of a role bound to the controller's ServiceAccount, with the namespace it applies in.
    const rules = manifests
      .filter((binding) => binding.kind.endsWith('Binding') && JSON.stringify(binding.subjects) === JSON.stringify([{ kind: 'ServiceAccount', namespace: 'tempcreds-system', name: 'tempcreds-controller' }]))
      .flatMap((binding) => {
        const ref = binding.roleRef as { kind: string; name: string };
        const role = manifests.find((manifest) => manifest.kind === ref.kind && manifest.metadata.name === ref.name && manifest.metadata.namespace === binding.metadata.namespace)!;
        return (role.rules as Rule[]).map((rule) => ({ ...rule, in: binding.metadata.namespace ?? 'cluster-wide' }));
      });
    assert.ok(rules.length > 0);
    assert.ok(rules.every((rule) => ![...rule.verbs, ...rule.resources, ...rule.apiGroups].includes('*')), 'no wildcard');
    const granted = (resource: string) => rules.filter((rule) => rule.resources.includes(resource));
    assert.deepEqual([...new Set(granted('secrets').map((rule) => rule.in))], ['team-a', 'team-b']);
    assert.deepEqual([...new Set(granted('serviceaccounts/token').map((rule) => rule.in))], ['team-a', 'team-b']);
    assert.ok(granted('leases').every((rule) => rule.in === 'tempcreds-system' && (rule.verbs.join() === 'create' || rule.resourceNames?.join() === 'tempcreds-controller')));
    assert.ok(granted('validatingadmissionpolicies').every((rule) => rule.resourceNames?.join() === 'tempcreds-credentialrequests' && rule.verbs.join() === 'get'));
    assert.deepEqual(granted('credentialroles').map((rule) => rule.verbs), [['get']]);
    assert.ok(granted('credentialrequests').every((rule) => !rule.verbs.includes('create')), 'it answers requests, never makes them');
    assert.deepEqual(granted('credentialrequests/status').map((rule) => rule.verbs), [['update']]);
  });

  it('runs two hardened replicas: non-root, read-only root, no privilege escalation or capabilities, RuntimeDefault seccomp, probes, resources', () => {
    const deployment = controllerManifests(setup()).at(-1)! as unknown as { spec: { replicas: number; template: { spec: Record<string, any> } } };
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(pod.serviceAccountName, 'tempcreds-controller');
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    assert.equal(container.image, 'example/controller:1');
    assert.deepEqual([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path], ['/healthz', '/readyz']);
    assert.deepEqual(container.ports, [{ name: 'http-metrics', containerPort: 8081, protocol: 'TCP' }]);
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
    assert.deepEqual(container.args, ['controller', '--namespace', 'tempcreds-system', '--lease-name', 'tempcreds-controller', '--health-addr', ':8081']);
  });
});

describe('deploy/ for the controller', () => {
  it('together the deploy files hold every object setup --controller --all-namespaces applies, each once, and the Dockerfile', () => {
    const files = deployFiles('1.2.3');
    // The request stamp has files of its own, one per API version (applied only where served).
    const stamp = (file: (typeof files)[number]) => file.path.startsWith('deploy/credential-requests-stamp.');
    const objects = files.filter((file) => !stamp(file)).flatMap((file) => ('manifests' in file ? file.manifests : [])).map(id);
    assert.deepEqual([...objects].sort(), controllerManifests(setup({ namespaces: 'all', image: 'ghcr.io/kubectl-tempcreds/controller:1.2.3' })).map(id).sort());
    const deployment = files.find((file) => file.path === 'deploy/controller/controller.yaml') as { manifests: Manifest[] };
    assert.equal((deployment.manifests.at(-1)!.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image, 'ghcr.io/kubectl-tempcreds/controller:1.2.3');
    assert.ok(files.some((file) => file.path === 'deploy/controller/Dockerfile' && 'text' in file && file.text.includes('ENTRYPOINT')));
    assert.deepEqual(files.filter(stamp).map((file) => ('manifests' in file ? file.manifests : [])), STAMP_API_VERSIONS.map((version) => requestStampManifests(version)));
  });
});
