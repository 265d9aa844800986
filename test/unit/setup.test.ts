import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiscoveryPort, IssuerSetupPort } from '../../src/app/ports.ts';
import { applyController, applyIssuer } from '../../src/app/setup.ts';
import { TempcredsError } from '../../src/core/errors.ts';
import type { Manifest } from '../../src/core/grant-plan.ts';
import { issuerManifests } from '../../src/core/issuer-setup.ts';
import { controllerManifests } from '../../src/core/manifests/controller.ts';

/** A cluster of existing objects (by "Kind namespace/name") with their labels, and existing namespaces. */
function fakePort(existing: Record<string, Record<string, string>>, namespaces: string[]) {
  const applied: string[] = [];
  const key = (manifest: Manifest) => `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`;
  const port: IssuerSetupPort = {
    apply: async (manifest) => {
      applied.push(key(manifest));
      return key(manifest) in existing ? 'configured' : 'created';
    },
    labelsOf: async (manifest) => existing[key(manifest)],
    namespaceLabels: async (name) => (namespaces.includes(name) ? {} : undefined),
  };
  return { port, applied };
}

const manifests = issuerManifests({ name: 'admin', subject: { kind: 'ServiceAccount', namespace: 'tempcreds', name: 'issuer' }, withEscalation: true, namespaces: ['team-a'], clusterScoped: false, guard: true, maxTtlSeconds: 86400 });
const refused = (pattern: RegExp) => (error: unknown) => error instanceof TempcredsError && error.exitCode === 2 && pattern.test(error.message);

describe('applyIssuer', () => {
  it('refuses an existing object without the issuer labels, naming it and --force; applies nothing', async () => {
    const { port, applied } = fakePort({ 'ClusterRole admin': { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, 'ServiceAccount tempcreds/issuer': {} }, ['tempcreds', 'team-a']);
    await assert.rejects(applyIssuer(port, manifests, { force: false }), refused(/^ClusterRole admin already exists and was not created by kubectl tempcreds setup; nothing was changed: choose another --name, or pass --force to overwrite it$/));
    assert.deepEqual(applied, []);
    assert.equal((await applyIssuer(port, manifests, { force: true })).length, manifests.length, '--force applies every object');
  });

  it('takes its own objects and an existing ServiceAccount as they are', async () => {
    const own = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'issuer' };
    const { port, applied } = fakePort({ 'ClusterRole admin': own, 'ServiceAccount tempcreds/issuer': {} }, ['tempcreds', 'team-a']);
    await applyIssuer(port, manifests, { force: false });
    assert.equal(applied.length, manifests.length);
  });

  it('refuses namespaces that do not exist before creating anything (bad input changes nothing)', async () => {
    const { port, applied } = fakePort({}, ['team-a']);
    await assert.rejects(applyIssuer(port, manifests, { force: false }), refused(/^namespace tempcreds does not exist: create it first \(kubectl create namespace tempcreds\); nothing was changed$/));
    assert.deepEqual(applied, []);
  });
});

describe('applyIssuer with the controller (setup --controller)', () => {
  const controller = controllerManifests({ namespaces: ['team-a'], clusterScoped: false, withEscalation: true, guard: true, maxTtlSeconds: 86400, image: 'example/controller:1' });

  it('creates its own namespace: only the other namespaces must exist', async () => {
    const { port, applied } = fakePort({}, ['team-a']);
    await applyIssuer(port, controller, { force: false });
    assert.equal(applied.length, controller.length);
    await assert.rejects(applyIssuer(fakePort({}, []).port, controller, { force: false }), refused(/^namespace team-a does not exist/));
  });

  it('an object of the same name with another part\'s labels is not its own: refused without --force', async () => {
    const issuerLabels = { 'app.kubernetes.io/part-of': 'kubectl-tempcreds', 'app.kubernetes.io/component': 'issuer' };
    const { port, applied } = fakePort({ 'ClusterRole tempcreds-controller-requests': issuerLabels, 'Namespace tempcreds-system': {} }, ['team-a']);
    await assert.rejects(applyIssuer(port, controller, { force: false }), refused(/^ClusterRole tempcreds-controller-requests already exists and was not created by kubectl tempcreds setup/));
    assert.deepEqual(applied, []);
  });
});

describe('applyController (setup --controller): the request stamp only where served', () => {
  const setup = { namespaces: ['team-a'] as string[], clusterScoped: false, withEscalation: true, guard: true, maxTtlSeconds: 86400, image: 'example/controller:1' };
  const stamped = (applied: string[]) => applied.filter((entry) => entry.startsWith('MutatingAdmissionPolicy'));

  for (const [served, expected] of [[[], []], [['admissionregistration.k8s.io/v1beta1'], ['admissionregistration.k8s.io/v1beta1']], [['admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1'], ['admissionregistration.k8s.io/v1']]] as [string[], string[]][]) {
    it(`served at ${served.join(' and ') || 'no version'}: ${expected[0] ? `applies it at ${expected[0]}` : 'leaves it out'}, with everything else`, async () => {
      const { port, applied } = fakePort({}, ['team-a']);
      const versions: string[] = [];
      const discovery: DiscoveryPort = { servedApiVersion: async (kind, apiVersions) => (kind === 'MutatingAdmissionPolicy' ? apiVersions.find((version) => served.includes(version)) : undefined) };
      const wrapped = { ...port, apply: async (manifest: Manifest) => (manifest.kind.startsWith('Mutating') && versions.push(manifest.apiVersion), port.apply(manifest)) };
      await applyController({ ...wrapped, ...discovery }, setup, { force: false });
      assert.deepEqual(stamped(applied), expected[0] ? ['MutatingAdmissionPolicy tempcreds-credentialrequests-stamp', 'MutatingAdmissionPolicyBinding tempcreds-credentialrequests-stamp'] : []);
      assert.deepEqual([...new Set(versions)], expected);
      assert.equal(applied.length - stamped(applied).length, controllerManifests(setup).length);
    });
  }
});
