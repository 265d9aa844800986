// The cluster's certificates and keys, made with the openssl CLI: a CA, the API server's serving
// cert, one client cert per identity, and the RSA key service-account tokens are signed with.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Client identities: the cert subject is what the API server authenticates them as. */
export const CLIENTS = {
  admin: { commonName: 'admin', organization: 'system:masters' },
  issuer: { commonName: 'tempcreds-issuer' },
  'issuer-noescalate': { commonName: 'tempcreds-issuer-noescalate' },
  'kube-controller-manager': { commonName: 'system:kube-controller-manager' },
} as const satisfies Record<string, { commonName: string; organization?: string }>;
export type ClientName = keyof typeof CLIENTS;

export interface KeyPair {
  cert: string;
  key: string;
}

export function pkiPaths(clusterDir: string) {
  const pki = path.join(clusterDir, 'pki');
  const pair = (name: string): KeyPair => ({ cert: path.join(pki, `${name}.crt`), key: path.join(pki, `${name}.key`) });
  return {
    dir: pki,
    ca: pair('ca'),
    serving: pair('kube-apiserver'),
    client: (name: ClientName) => pair(name),
    serviceAccountKey: path.join(pki, 'service-account.key'),
    serviceAccountPublicKey: path.join(pki, 'service-account.pub'),
  };
}

// Sections named by -extensions; [req] needs a distinguished_name even though -subj supplies it.
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

const opensslConfig = (paths: ReturnType<typeof pkiPaths>) => path.join(paths.dir, 'openssl.cnf');

// EC P-256 for TLS: key generation is instant, unlike RSA.
function newCert(paths: ReturnType<typeof pkiPaths>, pair: KeyPair, subject: string, extensions: string, signWithCa: boolean): void {
  openssl(['req', '-x509', '-config', opensslConfig(paths), '-extensions', extensions, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', pair.key, '-out', pair.cert, '-days', '365', '-subj', subject,
    ...(signWithCa ? ['-CA', paths.ca.cert, '-CAkey', paths.ca.key] : [])]);
}

export function createPki(clusterDir: string): void {
  const paths = pkiPaths(clusterDir);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(opensslConfig(paths), OPENSSL_CONFIG);

  newCert(paths, paths.ca, '/CN=kubectl-tempcreds-test-ca', 'ca', false);
  newCert(paths, paths.serving, '/CN=kube-apiserver', 'server', true);
  for (const [name, client] of Object.entries(CLIENTS) as [ClientName, (typeof CLIENTS)[ClientName]][]) {
    const organization = 'organization' in client ? `/O=${client.organization}` : '';
    newCert(paths, paths.client(name), `${organization}/CN=${client.commonName}`, 'client', true);
  }
  // Service-account tokens are RS256 JWTs.
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', paths.serviceAccountKey]);
  openssl(['pkey', '-in', paths.serviceAccountKey, '-pubout', '-out', paths.serviceAccountPublicKey]);
}

/**
 * A user a test makes (a person with their own identity): CN = user name, one O per group,
 * signed by the cluster's CA. Files go beside the cluster's own, named after the user.
 */
export function createUserCert(clusterDir: string, user: string, groups: string[] = []): KeyPair {
  const paths = pkiPaths(clusterDir);
  const pair = { cert: path.join(paths.dir, `user-${user}.crt`), key: path.join(paths.dir, `user-${user}.key`) };
  newCert(paths, pair, `${groups.map((group) => `/O=${group}`).join('')}/CN=${user}`, 'client', true);
  return pair;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const error = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (error.code === 'ENOENT') throw new Error('`openssl` was not found: install it (apt-get install -y openssl)');
    throw new Error(`openssl ${args[0]} failed: ${error.stderr?.toString().trim() ?? error.message}`);
  }
}
