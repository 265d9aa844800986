// What `vault read -format=json kubernetes/roles/NAME` prints: the response envelope and the role
// under `data`, with the fields the plugin prints for an unset value (TTLs of 0: the mount's defaults).

export function vaultRead(data: Record<string, unknown>) {
  return {
    request_id: '2b3c1a6e-8a55-6f2e-3a7c-1f1e0d9c2b7a',
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data: {
      allowed_kubernetes_namespace_selector: '',
      allowed_kubernetes_namespaces: null,
      extra_annotations: null,
      extra_labels: null,
      generated_role_rules: '',
      kubernetes_role_name: '',
      kubernetes_role_type: 'Role',
      name_template: '',
      service_account_name: '',
      token_default_audiences: null,
      token_default_ttl: 0,
      token_max_ttl: 0,
      ...data,
    },
    warnings: null,
  };
}
