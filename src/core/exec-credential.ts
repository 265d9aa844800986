// The exec credential protocol (client-go): which apiVersion kubectl asked for in
// KUBERNETES_EXEC_INFO, and the ExecCredential to print back. stdout carries only this.

import { invalidInput } from './errors.js';
import { kubeTime } from './kube-time.js';

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** kubectl always sets KUBERNETES_EXEC_INFO; run by hand, v1 is assumed. */
export function execApiVersion(execInfo: string | undefined): ExecApiVersion {
  if (execInfo === undefined || execInfo.trim() === '') return EXEC_API_VERSIONS[0];
  let apiVersion: unknown;
  try {
    apiVersion = (JSON.parse(execInfo) as { apiVersion?: unknown } | null)?.apiVersion;
  } catch {
    throw invalidInput('KUBERNETES_EXEC_INFO is not valid JSON; it is set by kubectl, unset it to run this command by hand');
  }
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecApiVersion)) {
    throw invalidInput(`KUBERNETES_EXEC_INFO asks for apiVersion ${JSON.stringify(apiVersion)}; supported: ${EXEC_API_VERSIONS.join(', ')} (set one in the kubeconfig's exec entry)`);
  }
  return apiVersion as ExecApiVersion;
}

export function renderExecCredential(apiVersion: ExecApiVersion, token: string, expirationTimestamp: Date): string {
  return `${JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: {}, status: { expirationTimestamp: kubeTime(expirationTimestamp), token } })}\n`;
}
