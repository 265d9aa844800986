// The bad-input catalogue: every case gives one clear line (what is wrong, what to do),
// exit code 2, no stack trace, and creates nothing in the cluster or in the role store.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNamespace, createServiceAccount, objectsLabelled, testCluster, uniqueName } from '../helpers/fixtures.ts';
import { tempcreds, type Tempcreds } from '../helpers/tempcreds.ts';

const ns = uniqueName('badinput');
const otherNs = uniqueName('badinput-other');
// Every role this file names carries the run id: the cluster check below selects by it.
const run = uniqueName('b').slice(2);
const r = (name: string) => `${name}-${run}`;
const RULE = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}';
let tool: Tempcreds;

interface Case {
  name: string;
  args: string[];
  message: RegExp;
  input?: string;
  /** A role that must not exist after the case. */
  notStored?: string;
}

const roleCases: Case[] = [
  { name: 'no mode', args: ['role', 'create', r('c1'), '--allowed-namespaces', 'x'], message: /exactly one of serviceAccount, kubernetesRole or rules must be set/, notStored: r('c1') },
  { name: 'two modes', args: ['role', 'create', r('c2'), '--allowed-namespaces', 'x', '--service-account', 'a', '--kubernetes-role', 'b'], message: /got serviceAccount and kubernetesRole/, notStored: r('c2') },
  { name: 'default TTL over max TTL', args: ['role', 'create', r('c3'), '--service-account', 'a', '--allowed-namespaces', 'x', '--default-ttl', '11h', '--max-ttl', '5h'], message: /defaultTtl 11h cannot be greater than maxTtl 5h/, notStored: r('c3') },
  { name: 'TTL under 10 minutes', args: ['role', 'create', r('c4'), '--service-account', 'a', '--allowed-namespaces', 'x', '--default-ttl', '5m'], message: /defaultTtl 5m is under 10m/, notStored: r('c4') },
  { name: 'TTL that is no duration', args: ['role', 'create', r('c5'), '--service-account', 'a', '--allowed-namespaces', 'x', '--max-ttl', 'forever'], message: /maxTtl "forever" is not a duration/, notStored: r('c5') },
  { name: 'TTL over 2^32 seconds', args: ['role', 'create', r('c6'), '--service-account', 'a', '--allowed-namespaces', 'x', '--max-ttl', '5000000000'], message: /over 4294967296s/, notStored: r('c6') },
  { name: 'invalid namespace name', args: ['role', 'create', r('c7'), '--service-account', 'a', '--allowed-namespaces', 'demo_1'], message: /allowedNamespaces entry "demo_1" must consist of lower case letters/, notStored: r('c7') },
  { name: 'no namespace at all', args: ['role', 'create', r('c8'), '--service-account', 'a'], message: /allowedNamespaces is empty and there is no namespaceSelector/, notStored: r('c8') },
  { name: 'empty selector', args: ['role', 'create', r('c9'), '--service-account', 'a', '--namespace-selector', '{}'], message: /namespaceSelector is empty and would match every namespace/, notStored: r('c9') },
  { name: 'selector syntax', args: ['role', 'create', r('c10'), '--service-account', 'a', '--namespace-selector', 'env in dev'], message: /cannot parse selector term "env in dev"/, notStored: r('c10') },
  { name: 'selector with a misspelt key', args: ['role', 'create', r('c11'), '--service-account', 'a', '--namespace-selector', '{"matchLabel":{"env":"dev"}}'], message: /namespaceSelector unknown key "matchLabel"/, notStored: r('c11') },
  { name: 'selector operator needing values', args: ['role', 'create', r('c12'), '--service-account', 'a', '--namespace-selector', '{"matchExpressions":[{"key":"env","operator":"In"}]}'], message: /operator In needs at least one value/, notStored: r('c12') },
  { name: 'rules with a misspelt key', args: ['role', 'create', r('c13'), '--allowed-namespaces', 'x', '--rules', '{"rules":[{"apiGroup":[""],"resources":["pods"],"verbs":["get"]}]}'], message: /rules\[0\] has unknown key "apiGroup"/, notStored: r('c13') },
  { name: 'empty rules', args: ['role', 'create', r('c14'), '--allowed-namespaces', 'x', '--rules', '{"rules":[]}'], message: /rules must hold at least one PolicyRule/, notStored: r('c14') },
  { name: 'rules that are neither JSON nor YAML', args: ['role', 'create', r('c15'), '--allowed-namespaces', 'x', '--rules', '{"rules": ['], message: /--rules is neither valid JSON nor YAML/, notStored: r('c15') },
  { name: 'rule without verbs', args: ['role', 'create', r('c16'), '--allowed-namespaces', 'x', '--rules', '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":[]}]}'], message: /rules\[0\] needs at least one verb/, notStored: r('c16') },
  { name: 'nonResourceURLs in a Role', args: ['role', 'create', r('c17'), '--allowed-namespaces', 'x', '--rules', '{"rules":[{"nonResourceURLs":["/healthz"],"verbs":["get"]}]}'], message: /nonResourceURLs are only allowed in a ClusterRole/, notStored: r('c17') },
  { name: 'unknown role type', args: ['role', 'create', r('c18'), '--allowed-namespaces', 'x', '--kubernetes-role', 'view', '--role-type', 'Foo'], message: /roleType must be either Role or ClusterRole \(got "Foo"\)/, notStored: r('c18') },
  { name: 'role type with a service account', args: ['role', 'create', r('c19'), '--allowed-namespaces', 'x', '--service-account', 'a', '--role-ref-type', 'ClusterRole'], message: /apply only with kubernetesRole or rules/, notStored: r('c19') },
  { name: 'role-ref type differing for generated rules', args: ['role', 'create', r('c20'), '--allowed-namespaces', 'x', '--rules', RULE, '--role-ref-type', 'ClusterRole'], message: /roleRefType ClusterRole must match roleType Role/, notStored: r('c20') },
  { name: 'bad label key', args: ['role', 'create', r('c21'), '--allowed-namespaces', 'x', '--service-account', 'a', '--extra-labels', 'bad key=x'], message: /extraLabels key "bad key"/, notStored: r('c21') },
  { name: 'label value too long', args: ['role', 'create', r('c22'), '--allowed-namespaces', 'x', '--service-account', 'a', '--extra-labels', `team=${'a'.repeat(64)}`], message: /must be at most 63 characters \(it has 64\)/, notStored: r('c22') },
  { name: 'reserved label prefix', args: ['role', 'create', r('c23'), '--allowed-namespaces', 'x', '--service-account', 'a', '--extra-labels', 'tempcreds.dev/lease=x'], message: /reserves for its own labels/, notStored: r('c23') },
  { name: 'label without =', args: ['role', 'create', r('c24'), '--allowed-namespaces', 'x', '--service-account', 'a', '--extra-labels', 'team'], message: /--extra-labels "team" is not key=value/, notStored: r('c24') },
  { name: 'bad annotation key', args: ['role', 'create', r('c25'), '--allowed-namespaces', 'x', '--service-account', 'a', '--extra-annotations', '/x=y'], message: /extraAnnotations key "\/x" prefix "" must not be empty/, notStored: r('c25') },
  { name: 'name template without {{lease}}', args: ['role', 'create', r('c26'), '--allowed-namespaces', 'x', '--rules', RULE, '--name-template', 'ci-{{role}}'], message: /nameTemplate must contain \{\{lease\}\}/, notStored: r('c26') },
  { name: 'name template with an unknown placeholder', args: ['role', 'create', r('c27'), '--allowed-namespaces', 'x', '--rules', RULE, '--name-template', '{{lease}}-{{user}}'], message: /unknown placeholder \{\{user\}\}/, notStored: r('c27') },
  { name: 'invalid role name', args: ['role', 'create', 'Bad_Name', '--allowed-namespaces', 'x', '--service-account', 'a'], message: /role name "Bad_Name" must consist of lower case letters/, notStored: 'bad-name' },
  { name: 'role name too long', args: ['role', 'create', 'a'.repeat(64), '--allowed-namespaces', 'x', '--service-account', 'a'], message: /must be at most 63 characters/ },
  { name: 'invalid service account name', args: ['role', 'create', r('c30'), '--allowed-namespaces', 'x', '--service-account', 'Sample_App'], message: /serviceAccount "Sample_App" must consist/, notStored: r('c30') },
  { name: 'invalid Kubernetes role name', args: ['role', 'create', r('c31'), '--allowed-namespaces', 'x', '--kubernetes-role', 'a/b'], message: /kubernetesRole "a\/b" may not contain "\/" or "%"/, notStored: r('c31') },
  { name: 'rules given twice', args: ['role', 'create', r('c32'), '--allowed-namespaces', 'x', '--rules', RULE, '--rules-file', '/dev/null'], message: /give the rules once/, notStored: r('c32') },
  { name: 'a missing rules file', args: ['role', 'create', r('c33'), '--allowed-namespaces', 'x', '--rules-file', '/nonexistent/rules.yaml'], message: /cannot read --rules-file \/nonexistent\/rules.yaml/, notStored: r('c33') },
  { name: 'creating an existing role', args: ['role', 'create', r('sa'), '--allowed-namespaces', 'x', '--service-account', 'a'], message: /role "[^"]+" already exists; change it with/ },
  { name: 'updating a missing role', args: ['role', 'update', r('c35'), '--max-ttl', '2h'], message: /role "[^"]+" does not exist; create it with/, notStored: r('c35') },
  { name: 'an update with nothing to change', args: ['role', 'update', r('sa')], message: /nothing to update/ },
  { name: 'an update making the role invalid', args: ['role', 'update', r('sa'), '--default-ttl', '100h'], message: /defaultTtl 100h cannot be greater than maxTtl 2h/ },
  { name: 'getting a missing role', args: ['role', 'get', r('c38')], message: /role "[^"]+" does not exist/ },
  { name: 'deleting a missing role', args: ['role', 'delete', r('c39')], message: /role "[^"]+" does not exist/ },
  { name: 'apply: wrong apiVersion (and nothing applied)', args: ['role', 'apply', '-f', '-'], input: `apiVersion: tempcreds.dev/v1alpha1\nkind: CredentialRole\nmetadata: {name: ${r('c40a')}}\nspec: {serviceAccount: a, allowedNamespaces: [x]}\n---\napiVersion: v1\nkind: CredentialRole\nmetadata: {name: ${r('c40b')}}\nspec: {serviceAccount: a, allowedNamespaces: [x]}\n`, message: /nothing was applied[\s\S]*apiVersion must be tempcreds.dev\/v1alpha1/, notStored: r('c40a') },
  { name: 'apply: a misspelt spec field', args: ['role', 'apply', '-f', '-'], input: `apiVersion: tempcreds.dev/v1alpha1\nkind: CredentialRole\nmetadata: {name: ${r('c41')}}\nspec: {serviceAccount: a, allowedNamespace: [x]}\n`, message: /unknown field "allowedNamespace"/, notStored: r('c41') },
  { name: 'apply: not YAML', args: ['role', 'apply', '-f', '-'], input: 'spec: [\n', message: /stdin is not valid YAML/ },
  { name: 'apply: empty input', args: ['role', 'apply', '-f', '-'], input: '', message: /holds no role documents/ },
  { name: 'apply: a missing file', args: ['role', 'apply', '-f', '/nonexistent.yaml'], message: /cannot read \/nonexistent.yaml/ },
];

const issueCases: Case[] = [
  { name: 'an unknown role', args: ['issue', r('missing'), '-n', 'x'], message: /role "[^"]+" does not exist \(see: kubectl tempcreds role list\)/ },
  { name: 'a TTL under 10 minutes', args: ['issue', r('sa'), '-n', '$NS', '--ttl', '5m'], message: /TTL 5m is too short: Kubernetes tokens live at least 10m/ },
  { name: 'a TTL that is no duration', args: ['issue', r('sa'), '-n', '$NS', '--ttl', 'soon'], message: /--ttl "soon" is not a duration/ },
  { name: 'a namespace the role does not allow', args: ['issue', r('sa'), '-n', '$OTHER'], message: /is not in role "[^"]+"'s allowed namespaces/ },
  { name: 'an invalid namespace name', args: ['issue', r('sa'), '--namespace=-bad'], message: /namespace "-bad" must consist of lower case letters/ },
  { name: 'omitting -n when several namespaces are allowed', args: ['issue', r('role')], message: /allows more than one namespace: choose one with -n NAMESPACE/ },
  { name: '--cluster-role-binding for a Role', args: ['issue', r('role'), '-n', '$NS', '--cluster-role-binding'], message: /a ClusterRoleBinding cannot ref a Role/ },
  { name: '--cluster-role-binding that the role does not allow', args: ['issue', r('crole'), '-n', '$NS', '--cluster-role-binding'], message: /^error: role "[^"]+" does not allow --cluster-role-binding: .*; to allow it: kubectl tempcreds role update \S+ --allow-cluster-role-binding$/m },
  { name: 'kubeconfig: --cluster-role-binding that the role does not allow', args: ['kubeconfig', r('crole'), '-n', '$NS', '--cluster-role-binding', '--kubeconfig', '/nonexistent/kubeconfig'], message: /does not allow --cluster-role-binding/ },
  { name: '--cluster-role-binding for an existing ServiceAccount', args: ['issue', r('sa'), '-n', '$NS', '--cluster-role-binding'], message: /--cluster-role-binding does not apply to role/ },
  { name: 'a namespace not matching the selector', args: ['issue', r('sel'), '-n', '$OTHER'], message: /does not match its selector/ },
  { name: 'a missing namespace for a selector role', args: ['issue', r('sel'), '-n', 'no-such-namespace'], message: /namespace "no-such-namespace" does not exist/ },
  { name: 'an empty audience', args: ['issue', r('sa'), '-n', '$NS', '--audience', ' '], message: /--audience must not be empty/ },
  { name: 'an unknown output format', args: ['issue', r('sa'), '-n', '$NS', '-o', 'xml'], message: /Invalid values:[\s\S]*xml/ },
  { name: 'an unknown flag', args: ['issue', r('sa'), '-n', '$NS', '--bogus'], message: /Unknown argument: bogus/ },
  { name: 'no role', args: ['issue'], message: /Not enough non-option arguments/ },
  { name: 'a bad request timeout', args: ['issue', r('sa'), '-n', '$NS', '--request-timeout', 'never'], message: /--request-timeout "never" is not a duration/ },
  { name: 'an unknown context', args: ['issue', r('sa'), '-n', '$NS', '--context', 'nowhere'], message: /context "nowhere" is not in the kubeconfig/ },
];

const otherCases: Case[] = [
  { name: 'revoke without a target', args: ['revoke'], message: /say what to revoke: a LEASE_ID, --role ROLE or --all/ },
  { name: 'revoke with two targets', args: ['revoke', '--all', '--role', 'x'], message: /exactly one/ },
  { name: 'revoke a malformed lease id', args: ['revoke', 'not-a-lease'], message: /"not-a-lease" is not a lease id \(expected ROLE\/ID/ },
  { name: 'revoke an unknown lease', args: ['revoke', 'x/aaaaaaaaaaaa'], message: /lease "x\/aaaaaaaaaaaa" is neither recorded here nor found in the cluster/ },
  { name: 'lease get of a malformed id', args: ['lease', 'get', 'x/y'], message: /is not a lease id/ },
  { name: 'an unknown command', args: ['frobnicate'], message: /Unknown argument: frobnicate/ },
  { name: 'no command', args: [], message: /give a command/ },
];

before(async () => {
  tool = tempcreds(testCluster().kubeconfig);
  await createNamespace(ns, { env: 'dev' });
  await createNamespace(otherNs, { env: 'prod' });
  await createServiceAccount(ns, 'app');
  const setup = [
    ['role', 'create', r('sa'), '--service-account', 'app', '--allowed-namespaces', ns, '--max-ttl', '2h'],
    ['role', 'create', r('role'), '--kubernetes-role', 'reader', '--allowed-namespaces', `${ns},${otherNs}`],
    ['role', 'create', r('sel'), '--service-account', 'app', '--namespace-selector', 'env=dev'],
    ['role', 'create', r('crole'), '--kubernetes-role', 'view', '--role-type', 'ClusterRole', '--allowed-namespaces', ns],
  ];
  for (const args of setup) assert.equal((await tool.run(args)).status, 0, args.join(' '));
});

describe('bad input', () => {
  for (const [group, cases] of [
    ['role definitions', roleCases],
    ['issue requests', issueCases],
    ['other commands', otherCases],
  ] as const) {
    describe(group, () => {
      for (const testCase of cases) {
        it(testCase.name, async () => {
          const args = testCase.args.map((arg) => (arg === '$NS' ? ns : arg === '$OTHER' ? otherNs : arg));
          const result = await tool.run(args, { input: testCase.input });
          assert.equal(result.status, 2, `exit code of ${args.join(' ')}: ${result.stderr}`);
          assert.match(result.stderr, testCase.message);
          assert.match(result.stderr, /^error: /);
          assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
          assert.equal(result.stdout.length, 0, 'nothing on stdout'); // the length only: stdout may hold a token
          if (testCase.notStored) assert.equal((await tool.run(['role', 'get', testCase.notStored])).status, 2, `${testCase.notStored} was stored`);
        });
      }
    });
  }
  it(`counts at least 40 cases (${roleCases.length + issueCases.length + otherCases.length})`, () => {
    assert.ok(roleCases.length + issueCases.length + otherCases.length >= 40);
  });
});

/**
 * Rules that pass validation and hold 10^8 strings once YAML's aliases are expanded: 10,000
 * aliases of one rule whose resourceNames (an anchor of their own) are 10,000 names. 120 KB.
 */
const ALIAS_BOMB_RULES = [
  `- &rule {apiGroups: [""], resources: [pods], verbs: [get], resourceNames: &names [${Array.from({ length: 10_000 }, (_, index) => `n${index}`).join(', ')}]}`,
  ...Array<string>(9_999).fill('- *rule'),
].join('\n');
const roleDocument = (name: string, rulesYaml: string) => `apiVersion: tempcreds.dev/v1alpha1\nkind: CredentialRole\nmetadata: {name: ${name}}\nspec:\n  allowedNamespaces: [x]\n  rules:\n${rulesYaml.replace(/^/gm, '  ')}\n`;

describe('hostile input files: exit 2 within seconds, nothing stored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tempcreds-hostile-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const ANCHORS = 'uses YAML anchors or aliases \\(&name, \\*name\\), which are not accepted: write the values out';
  const hostile: Case[] = [
    { name: 'role apply -f - with an alias bomb', args: ['role', 'apply', '-f', '-'], input: roleDocument(r('h1'), ALIAS_BOMB_RULES), message: new RegExp(`^error: stdin ${ANCHORS}$`, 'm'), notStored: r('h1') },
    { name: '--rules-file with an alias bomb', args: ['role', 'create', r('h2'), '--allowed-namespaces', 'x', '--rules-file', file('bomb.yaml', ALIAS_BOMB_RULES)], message: new RegExp(`^error: --rules-file \\S+bomb\\.yaml ${ANCHORS}$`, 'm'), notStored: r('h2') },
    {
      name: 'role apply -f with a 2 MiB file',
      args: ['role', 'apply', '-f', file('big.yaml', `${roleDocument(r('h3'), '- {apiGroups: [""], resources: [pods], verbs: [get]}')}# ${'x'.repeat(2 * 1024 * 1024)}\n`)],
      message: /^error: \S+big\.yaml is larger than 1 MiB, far more than any role definition needs: check that it is the right file$/m,
      notStored: r('h3'),
    },
    { name: '--rules-file reading an endless stream', args: ['role', 'create', r('h4'), '--allowed-namespaces', 'x', '--rules-file', '/dev/zero'], message: /^error: --rules-file \/dev\/zero is larger than 1 MiB/m, notStored: r('h4') },
  ];
  for (const testCase of hostile) {
    it(testCase.name, async () => {
      const started = Date.now();
      const result = await tool.run(testCase.args, { input: testCase.input });
      assert.equal(result.status, 2, `exit code: ${result.stderr.slice(0, 500)}`);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.match(result.stderr, testCase.message);
      assert.equal((await tool.run(['role', 'get', testCase.notStored!])).status, 2, `${testCase.notStored} was stored`);
    });
  }
});

after(async () => {
  // Nothing the catalogue ran may have created anything in the cluster.
  const created = (await objectsLabelled('app.kubernetes.io/managed-by=kubectl-tempcreds')).filter((object) => object.includes(run));
  assert.deepEqual(created, []);
});
