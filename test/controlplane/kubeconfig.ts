// Kubeconfig files with certificates embedded (*-data), so they stay valid wherever they are copied.
import fs from 'node:fs';
import yaml from 'js-yaml';
import type { KeyPair } from './pki.ts';

export const CLUSTER_NAME = 'local';

const base64File = (file: string): string => fs.readFileSync(file).toString('base64');

/** One user and one context of the same name per client cert. */
export function writeKubeconfig(file: string, { server, caFile, users, currentContext }: {
  server: string;
  caFile: string;
  users: Record<string, KeyPair>;
  currentContext: string;
}): void {
  const names = Object.keys(users);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster: { server, 'certificate-authority-data': base64File(caFile) } }],
    users: names.map((name) => ({
      name,
      user: { 'client-certificate-data': base64File(users[name]!.cert), 'client-key-data': base64File(users[name]!.key) },
    })),
    contexts: names.map((name) => ({ name, context: { cluster: CLUSTER_NAME, user: name } })),
    'current-context': currentContext,
  };
  fs.writeFileSync(file, yaml.dump(config, { lineWidth: -1 }), { mode: 0o600 });
}
