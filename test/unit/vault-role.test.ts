// Vault role import: real-shaped `vault read -format=json kubernetes/roles/NAME` outputs (the
// field set and defaults of vault-plugin-secrets-kubernetes' toResponseData: TTLs in seconds,
// 0 when unset, null lists and maps, "" strings, kubernetes_role_type always set).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolesFromVault } from '../../src/core/vault-role.ts';
import { translateVaultNameTemplate } from '../../src/core/vault-name-template.ts';
import { vaultRead } from '../helpers/vault-read.ts';


const JSON_RULES = '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list","get"]}]}';
const YAML_RULES = 'rules:\n- apiGroups: [""]\n  resources: ["pods"]\n  verbs: ["list", "get"]\n';
const POD_READER = [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] }];

function problemsOf(input: unknown, options = {}): string[] {
  const { roles, problems } = rolesFromVault(input, options);
  assert.ok(problems.length > 0, `expected problems, got roles ${JSON.stringify(roles)}`);
  return problems;
}

describe('rolesFromVault: a table of vault read outputs', () => {
  const table: { name: string; data: Record<string, unknown>; spec: Record<string, unknown> }[] = [
    {
      name: 'every field set (existing Role)',
      data: {
        name: 'full',
        allowed_kubernetes_namespaces: ['dev', 'test'],
        allowed_kubernetes_namespace_selector: '{"matchLabels":{"stage":"dev"}}',
        token_default_ttl: 3600,
        token_max_ttl: 28800,
        token_default_audiences: ['vault', 'ci'],
        kubernetes_role_name: 'reader',
        kubernetes_role_type: 'Role',
        name_template: '{{ printf "ci-%s-%s" (.RoleName | truncate 20) (random 20) | lowercase }}',
        extra_labels: { team: 'a' },
        extra_annotations: { owner: 'ops@example.com' },
      },
      spec: {
        allowedNamespaces: ['dev', 'test'],
        namespaceSelector: { matchLabels: { stage: 'dev' } },
        defaultTtl: '1h',
        maxTtl: '8h',
        defaultAudiences: ['vault', 'ci'],
        kubernetesRole: 'reader',
        roleType: 'Role',
        nameTemplate: 'ci-{{role}}-{{lease}}',
        extraLabels: { team: 'a' },
        extraAnnotations: { owner: 'ops@example.com' },
      },
    },
    {
      name: 'defaults: an existing ServiceAccount, TTLs 0, null lists and maps',
      data: { name: 'sa', allowed_kubernetes_namespaces: ['demo'], service_account_name: 'sample-app' },
      spec: { allowedNamespaces: ['demo'], serviceAccount: 'sample-app' },
    },
    {
      name: 'empty lists and maps',
      data: { name: 'empty', allowed_kubernetes_namespaces: ['demo'], token_default_audiences: [], extra_labels: {}, extra_annotations: {}, service_account_name: 'app' },
      spec: { allowedNamespaces: ['demo'], serviceAccount: 'app' },
    },
    {
      name: 'a selector role (YAML selector, no namespace list)',
      data: { name: 'selector', allowed_kubernetes_namespace_selector: 'matchLabels:\n  env: dev\n', kubernetes_role_name: 'edit', kubernetes_role_type: 'ClusterRole' },
      spec: { allowedNamespaces: [], namespaceSelector: { matchLabels: { env: 'dev' } }, kubernetesRole: 'edit', roleType: 'ClusterRole' },
    },
    {
      name: 'generated rules in JSON',
      data: { name: 'json-rules', allowed_kubernetes_namespaces: ['*'], generated_role_rules: JSON_RULES },
      spec: { allowedNamespaces: ['*'], rules: POD_READER, roleType: 'Role' },
    },
    {
      name: 'generated rules in YAML, ClusterRole, role type in lower case',
      data: { name: 'yaml-rules', allowed_kubernetes_namespaces: ['Dev', 'dev'], generated_role_rules: YAML_RULES, kubernetes_role_type: 'clusterrole' },
      spec: { allowedNamespaces: ['dev'], rules: POD_READER, roleType: 'ClusterRole' },
    },
  ];
  for (const { name, data, spec } of table) {
    it(name, () => {
      const { roles } = rolesFromVault(vaultRead(data));
      assert.deepEqual(roles, [{ name: data.name, spec }]);
    });
  }

  it('imports several roles from {NAME: output}, named by the keys', () => {
    const { roles } = rolesFromVault({ a: vaultRead(table[1]!.data), b: vaultRead(table[4]!.data) });
    assert.deepEqual(roles.map((role) => [role.name, role.spec]), [['a', table[1]!.spec], ['b', table[4]!.spec]]);
  });

  it('takes the name from --name when the output has none, and --name wins', () => {
    const { name: _, ...unnamed } = table[1]!.data;
    assert.equal(rolesFromVault(vaultRead(unnamed), { name: 'given' }).roles[0]!.name, 'given');
    assert.equal(rolesFromVault(vaultRead(table[1]!.data), { name: 'renamed' }).roles[0]!.name, 'renamed');
  });
});

describe('rolesFromVault: differences are warnings', () => {
  const warnings = (data: Record<string, unknown>, options = {}) => rolesFromVault(vaultRead({ name: 'w', ...data }), options).warnings;

  it('TTL 0 meaning the mount defaults', () => {
    const said = warnings({ allowed_kubernetes_namespaces: ['demo'], service_account_name: 'app' });
    assert.match(said.join('\n'), /^Vault role "w": token_default_ttl is 0, which in Vault means the mount's default lease TTL .* here a request without --ttl gets 1h/m);
    assert.match(said.join('\n'), /^Vault role "w": token_max_ttl is 0/m);
    assert.deepEqual(warnings({ allowed_kubernetes_namespaces: ['demo'], service_account_name: 'app', token_default_ttl: 3600, token_max_ttl: 7200 }), []);
  });

  it('Vault\'s "*" namespace', () => {
    assert.match(warnings({ allowed_kubernetes_namespaces: ['*'], service_account_name: 'app', token_default_ttl: 3600, token_max_ttl: 7200 })[0]!, /"\*" allows every namespace, as in Vault: the issuer must serve them all \(setup --all-namespaces\)/);
  });

  it('a ClusterRole role: cluster role bindings are not allowed unless asked for', () => {
    const data = { allowed_kubernetes_namespaces: ['demo'], kubernetes_role_name: 'view', kubernetes_role_type: 'ClusterRole', token_default_ttl: 3600, token_max_ttl: 7200 };
    const refused = rolesFromVault(vaultRead({ name: 'w', ...data }));
    assert.equal(refused.roles[0]!.spec.allowClusterRoleBinding, undefined);
    assert.match(refused.warnings[0]!, /Vault lets any request for a ClusterRole role ask for cluster_role_binding=true .* role update w --allow-cluster-role-binding/);
    const allowed = rolesFromVault(vaultRead({ name: 'w', ...data }), { allowClusterRoleBinding: true });
    assert.equal(allowed.roles[0]!.spec.allowClusterRoleBinding, true);
    assert.match(allowed.warnings[0]!, /imported with allowClusterRoleBinding, as Vault behaves/);
    // A Role role cannot be bound cluster-wide in Vault either: nothing to say, nothing set.
    const role = rolesFromVault(vaultRead({ name: 'w', ...data, kubernetes_role_type: 'Role' }), { allowClusterRoleBinding: true });
    assert.deepEqual([role.roles[0]!.spec.allowClusterRoleBinding, role.warnings], [undefined, []]);
  });
});

describe('rolesFromVault: every problem of every role, at once', () => {
  it('lists the problems of all roles before returning any', () => {
    const problems = problemsOf(
        {
          good: vaultRead({ allowed_kubernetes_namespaces: ['demo'], service_account_name: 'app' }),
          bad: vaultRead({ allowed_kubernetes_namespaces: [], service_account_name: 'app', kubernetes_role_name: 'r', token_ttl: 60 }),
          worse: vaultRead({ allowed_kubernetes_namespaces: ['demo'], generated_role_rules: 'rules: [', name_template: '{{ .DisplayName }}-{{ random 8 }}' }),
        },
    );
    assert.deepEqual(problems, [
      'role "bad": unknown field "token_ttl" (not a field of the Kubernetes secrets engine\'s roles: is this the output of vault read kubernetes/roles/NAME?)',
      'role "bad": allowedNamespaces is empty and there is no namespaceSelector: no namespace could ever be used (use --allowed-namespaces NS[,NS…], "*" for all, or --namespace-selector)',
      'role "bad": exactly one of serviceAccount, kubernetesRole or rules must be set (flags --service-account, --kubernetes-role, --rules); got serviceAccount and kubernetesRole',
      'role "worse": generated_role_rules is neither valid JSON nor YAML: unexpected end of the stream within a flow collection (2:1)',
      'role "worse": name_template "{{ .DisplayName }}-{{ random 8 }}" uses .DisplayName (the Vault token\'s display name), which has no equivalent here: there is no Vault token; use literal text instead',
      'role "worse": ' + "exactly one of serviceAccount, kubernetesRole or rules must be set (flags --service-account, --kubernetes-role, --rules)",
    ]);
  });

  it('says what is missing or wrong in the input as a whole', () => {
    const unnamed = { allowed_kubernetes_namespaces: ['demo'], service_account_name: 'app' };
    assert.deepEqual(problemsOf(vaultRead(unnamed)), ['the output of vault read does not name its role: give it with --name NAME']);
    assert.deepEqual(problemsOf({ a: vaultRead(unnamed) }, { name: 'x' }), ['--name applies to the output of one vault read; in {NAME: output} the keys name the roles']);
    assert.match(problemsOf([])[0]!, /^expected what "vault read -format=json kubernetes\/roles\/NAME" prints/);
    assert.match(problemsOf({})[0]!, /^expected what "vault read/);
    assert.deepEqual(problemsOf(vaultRead({ ...unnamed, token_max_ttl: '1h' }), { name: 'x' }), ['role "x": token_max_ttl must be a whole number of seconds (got "1h")']);
  });
});

describe('translateVaultNameTemplate', () => {
  const table: [string, string][] = [
    ['{{ printf "v-%s-%s-%s" (.RoleName | truncate 8) (unix_time) (random 24) | truncate 62 | lowercase }}', 'v-{{role}}-{{unix}}-{{lease}}'],
    ['{{.RoleName}}-{{random 10}}', '{{role}}-{{lease}}'],
    ['ci-{{- .RoleName -}}-{{ uuid }}', 'ci-{{role}}-{{lease}}'],
    ['{{ random 20 | lowercase }}', '{{lease}}'],
    ['{{ printf "100%%-%v" (random 5) }}', '100%-{{lease}}'],
  ];
  for (const [vault, ours] of table) it(`translates ${vault}`, () => assert.equal(translateVaultNameTemplate(vault).template, ours));

  it('warns when a truncate shorter than a name is dropped', () => {
    assert.deepEqual(translateVaultNameTemplate('{{ printf "%s-%s" .RoleName (random 20) | truncate 62 }}').warnings, [
      'truncate 62 is dropped: names here are cut at 63 characters, keeping the unique part, so some may be longer than in Vault',
    ]);
    assert.deepEqual(translateVaultNameTemplate('{{ printf "%s-%s" .RoleName (random 20) | truncate 63 }}').warnings, []);
  });

  const refused: [string, string][] = [
    ['{{ .DisplayName }}-{{ random 8 }}', 'uses .DisplayName'],
    ['{{ .RoleName | uppercase }}-{{ random 8 }}', 'uses the function "uppercase", which has no equivalent'],
    ['{{ timestamp "2006" }}-{{ random 8 }}', 'uses the function "timestamp"'],
    ['{{ if .RoleName }}x{{ end }}{{ random 8 }}', 'uses the Go template action "if"'],
    ['{{ printf "%d-%s" 5 (random 8) }}', 'calls printf with the verb %d'],
    ['{{ $x := 1 }}{{ random 8 }}', 'uses $x'],
    ['{{ .RoleName }}', 'has no random part'],
    ['{{ .RoleName ', 'has an unclosed {{'],
    ['{{ (random 8 }}', 'has an unbalanced ('],
  ];
  for (const [vault, problem] of refused) {
    it(`refuses ${vault}, naming the construct`, () => {
      const translated = translateVaultNameTemplate(vault);
      assert.equal(translated.template, undefined);
      assert.match(translated.problems.join(), new RegExp(problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }
});
