import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/core/duration.ts';
import { credentialRequestCrd } from '../../src/core/manifests/credential-request-crd.ts';
import { requestAdmissionPolicy, requestApiManifests, requesterClusterRole } from '../../src/core/manifests/request-admission.ts';
import { controllerManifests } from '../../src/core/manifests/controller.ts';
import { requestStampManifests, STAMP_API_VERSIONS } from '../../src/core/manifests/request-stamp.ts';

type Schema = { type?: string; enum?: string[]; format?: string; maxLength?: number; maxItems?: number; pattern?: string; properties?: Record<string, Schema>; items?: Schema };
const crd = credentialRequestCrd() as unknown as { spec: { versions: { subresources: unknown; schema: { openAPIV3Schema: Schema } }[] } };
const root = crd.spec.versions[0]!.schema.openAPIV3Schema;

/** Every string without maxLength (an enum or a timestamp is bounded) and every array without maxItems under `schema`, by path. */
function unbounded(schema: Schema, path: string): string[] {
  const own = (schema.type === 'string' && schema.maxLength === undefined && !schema.enum && schema.format !== 'date-time') || (schema.type === 'array' && schema.maxItems === undefined) ? [path] : [];
  const children = Object.entries(schema.properties ?? {}).flatMap(([name, child]) => unbounded(child, `${path}.${name}`));
  return [...own, ...children, ...(schema.items ? unbounded(schema.items, `${path}[]`) : [])];
}

describe('the CredentialRequest CRD', () => {
  it('bounds every string and list of spec and status, so an oversize request is refused by the API server', () => {
    assert.deepEqual(unbounded(root.properties!.spec!, 'spec'), []);
    assert.deepEqual(unbounded(root.properties!.status!, 'status'), []);
  });

  it('has a status subresource: requesters cannot write the answer with the request', () => {
    assert.deepEqual(crd.spec.versions[0]!.subresources, { status: {} });
  });

  it('accepts as ttl exactly the durations the tool reads', () => {
    const ttl = new RegExp(root.properties!.spec!.properties!.ttl!.pattern!);
    for (const text of ['1h', '90s', '1h30m', '3600', '1.5h', '2d']) assert.ok(ttl.test(text) && parseDuration(text) !== undefined, text);
    for (const text of ['forever', '1h ', '', '-1h', '1w', '1.5']) assert.ok(!ttl.test(text), text);
  });
});

describe('the request admission manifests', () => {
  it('install the check before the resource, so no request is ever created unchecked', () => {
    assert.deepEqual(requestApiManifests().map((manifest) => `${manifest.kind}/${manifest.metadata.name}`), [
      'ValidatingAdmissionPolicy/tempcreds-credentialrequests',
      'ValidatingAdmissionPolicyBinding/tempcreds-credentialrequests',
      'CustomResourceDefinition/credentialrequests.tempcreds.dev',
      'ClusterRole/tempcreds-requester',
    ]);
  });

  it('fail closed and look at creates and deletes (the spec is immutable between)', () => {
    const spec = requestAdmissionPolicy().spec as { failurePolicy: string; matchConstraints: { resourceRules: { operations: string[]; resources: string[] }[] } };
    assert.equal(spec.failurePolicy, 'Fail');
    assert.deepEqual(spec.matchConstraints.resourceRules.map((rule) => [rule.operations, rule.resources]), [[['CREATE', 'DELETE'], ['credentialrequests']]]);
  });

  it('give requesters their requests only: no update, no status, nothing else', () => {
    assert.deepEqual(requesterClusterRole().rules, [{ apiGroups: ['tempcreds.dev'], resources: ['credentialrequests'], verbs: ['create', 'get', 'list', 'watch', 'delete'] }]);
  });
});

describe('the request stamp manifests (MutatingAdmissionPolicy)', () => {
  type StampSpec = { failurePolicy: string; reinvocationPolicy: string; matchConstraints: { resourceRules: { operations: string[]; resources: string[] }[] }; matchConditions: { expression: string }[]; mutations: { patchType: string; applyConfiguration: { expression: string } }[] };

  it('fill in only: on CREATE, only when the request states no requester, once', () => {
    const spec = requestStampManifests()[0]!.spec as StampSpec;
    assert.deepEqual(spec.matchConstraints.resourceRules.map((rule) => [rule.operations, rule.resources]), [[['CREATE'], ['credentialrequests']]]);
    assert.deepEqual(spec.matchConditions.map((condition) => condition.expression), ['has(object.spec) && !has(object.spec.requester)']);
    assert.equal(spec.reinvocationPolicy, 'Never');
    assert.equal(spec.failurePolicy, 'Fail');
    assert.deepEqual(spec.mutations.map((mutation) => mutation.patchType), ['ApplyConfiguration']);
    assert.match(spec.mutations[0]!.applyConfiguration.expression, /requester: Object\.spec\.requester\{username: request\.userInfo\.username, \?uid: .*, \?groups: .*\}/);
  });

  it('are the same objects at each served version, the binding naming the policy', () => {
    const [v1, v1beta1] = STAMP_API_VERSIONS.map((version) => requestStampManifests(version));
    assert.deepEqual(v1!.map((manifest) => manifest.apiVersion), ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1']);
    assert.deepEqual(v1beta1!.map(({ apiVersion: _, ...rest }) => rest), v1!.map(({ apiVersion: _, ...rest }) => rest));
    assert.deepEqual(v1![1]!.spec, { policyName: 'tempcreds-credentialrequests-stamp' });
  });

  it('go with setup --controller only when asked (where served): after the request API and its validating policy, before the controller', () => {
    const setup = { namespaces: ['team-a'] as string[], clusterScoped: false, withEscalation: true, guard: true, maxTtlSeconds: 86400, image: 'example/controller:1' };
    const kinds = (stamp?: (typeof STAMP_API_VERSIONS)[number]) => controllerManifests({ ...setup, stamp }).map((manifest) => manifest.kind);
    assert.ok(!kinds().some((kind) => kind.startsWith('Mutating')));
    const order = kinds(STAMP_API_VERSIONS[1]);
    assert.ok(order.indexOf('ValidatingAdmissionPolicyBinding') < order.indexOf('MutatingAdmissionPolicy'));
    assert.ok(order.indexOf('MutatingAdmissionPolicyBinding') < order.indexOf('Namespace'));
  });
});
