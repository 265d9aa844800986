// What integration tests need from the control plane that `npm test` (or `npm run cluster -- up`)
// started. No cluster is an error, never a skip.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { apiRequest as clusterApiRequest, type ApiRequest, type ClusterInfo } from '../controlplane/cluster.ts';
import type { HttpsResponse } from '../controlplane/https.ts';
import { isClusterProcess } from '../controlplane/processes.ts';

export { waitFor } from '../controlplane/wait.ts';
export type { ClusterInfo } from '../controlplane/cluster.ts';

export function testCluster(): ClusterInfo {
  const file = process.env.TEMPCREDS_CLUSTER;
  const hint = 'run the tests with `npm test`, or `eval "$(npm run -s cluster -- up)"` first';
  if (!file) throw new Error(`TEMPCREDS_CLUSTER is not set: ${hint}`);
  let info: ClusterInfo;
  try {
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterInfo;
  } catch (err) {
    throw new Error(`cannot read TEMPCREDS_CLUSTER=${file} (${(err as Error).message}): ${hint}`);
  }
  if (!isClusterProcess(info.pids.apiserver, info.dir, 'kube-apiserver')) {
    throw new Error(`the kube-apiserver of ${file} is not running: ${hint}`);
  }
  return info;
}

export function apiRequest(request: ApiRequest): Promise<HttpsResponse> {
  return clusterApiRequest(testCluster(), request);
}

export interface KubectlResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The preinstalled kubectl against the test cluster; `context` defaults to the kubeconfig's (issuer). */
export function kubectl(args: string[], { context, input }: { context?: string; input?: string } = {}): Promise<KubectlResult> {
  const fullArgs = ['--kubeconfig', testCluster().kubeconfig, ...(context ? ['--context', context] : []), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', fullArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('kubectl was not found on PATH: install kubectl (1.32 or newer)') : err),
    );
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}
