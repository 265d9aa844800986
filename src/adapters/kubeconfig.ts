// A light kubeconfig reader for the exec hot path: which cluster and user a context
// names, fingerprinted for the token cache key, without loading the Kubernetes client.
// It merges KUBECONFIG files as kubectl does: the first file to define a name wins.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { digestOf } from '../core/digest.js';
import type { IssuerFingerprint } from '../app/ports.js';
import { invalidInput } from '../core/errors.js';

interface Named<T> {
  name: string;
  [key: string]: T | string;
}

interface KubeconfigFile {
  path: string;
  'current-context'?: string;
  clusters?: Named<Record<string, unknown>>[];
  users?: Named<Record<string, unknown>>[];
  contexts?: Named<Record<string, string>>[];
}

export function kubeconfigPaths(explicit: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (explicit) return [explicit];
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [join(homedir(), '.kube', 'config')];
}

function load(path: string, required: boolean): KubeconfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidInput(`cannot read the kubeconfig ${path}: ${(error as Error).message}`);
  }
  return { ...parseKubeconfig(path, text), path } as KubeconfigFile;
}

export function parseKubeconfig(path: string, text: string): Record<string, unknown> {
  let content: unknown;
  try {
    content = yaml.load(text) ?? {};
  } catch (error) {
    throw invalidInput(`the kubeconfig ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof content !== 'object' || Array.isArray(content)) throw invalidInput(`the kubeconfig ${path} is not a kubeconfig (a YAML mapping): fix or replace it`);
  return content as Record<string, unknown>;
}

function find<T>(files: KubeconfigFile[], list: 'clusters' | 'users' | 'contexts', name: string): { entry: T; file: KubeconfigFile } | undefined {
  for (const file of files) {
    const found = (file[list] as Named<T>[] | undefined)?.find((item) => item.name === name);
    if (found) return { entry: found[list.slice(0, -1)] as T, file };
  }
  return undefined;
}

/** The kubeconfig files: an explicit --kubeconfig must exist; KUBECONFIG entries may be missing, as for kubectl. */
function loadAll(paths: string[], explicit: boolean): KubeconfigFile[] {
  return paths.map((path) => load(path, explicit)).filter((file): file is KubeconfigFile => file !== undefined);
}

/** Every context name the kubeconfig (all its files) defines. */
export function contextNames(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  return loadAll(kubeconfigPaths(kubeconfig, env), Boolean(kubeconfig)).flatMap((file) => (file.contexts ?? []).map((context) => context.name));
}

export function readIssuer(options: { kubeconfig?: string; context?: string }, env: NodeJS.ProcessEnv = process.env): IssuerFingerprint {
  const paths = kubeconfigPaths(options.kubeconfig, env);
  const files = loadAll(paths, Boolean(options.kubeconfig));
  const contextName = options.context ?? files.map((file) => file['current-context']).find(Boolean);
  if (!contextName) throw invalidInput(`no context given and the kubeconfig (${paths.join(delimiter)}) has no current context: pass --context`);
  const context = find<Record<string, string>>(files, 'contexts', contextName);
  if (!context) throw invalidInput(`context "${contextName}" is not in the kubeconfig (${paths.join(delimiter)})`);
  const cluster = find<Record<string, unknown>>(files, 'clusters', context.entry.cluster ?? '');
  const user = find<Record<string, unknown>>(files, 'users', context.entry.user ?? '');
  if (!cluster || typeof cluster.entry.server !== 'string') throw invalidInput(`context "${contextName}" names cluster "${context.entry.cluster}", which the kubeconfig does not define`);
  if (!user) throw invalidInput(`context "${contextName}" names user "${context.entry.user}", which the kubeconfig does not define`);
  const caFile = caFileOf(cluster.entry, cluster.file.path);
  return {
    context: contextName,
    cluster: context.entry.cluster!,
    server: cluster.entry.server,
    caDigest: caDigest(cluster.entry, caFile),
    ...(caFile ? { caFile } : {}),
    ...(typeof cluster.entry['tls-server-name'] === 'string' ? { tlsServerName: cluster.entry['tls-server-name'] } : {}),
    ...(typeof cluster.entry['proxy-url'] === 'string' ? { proxyUrl: cluster.entry['proxy-url'] } : {}),
    user: context.entry.user!,
    userDigest: digestOf(user.entry, 16),
    ...(execCommandOf(user.entry) ? { execCommand: execCommandOf(user.entry) } : {}),
  };
}

/** The CA file a cluster entry names (relative to its kubeconfig), unless it embeds the data. */
function caFileOf(cluster: Record<string, unknown>, kubeconfigPath: string): string | undefined {
  const file = cluster['certificate-authority'];
  if (typeof cluster['certificate-authority-data'] === 'string' || typeof file !== 'string') return undefined;
  return isAbsolute(file) ? file : join(dirname(kubeconfigPath), file);
}

function caDigest(cluster: Record<string, unknown>, path: string | undefined): string {
  if (typeof cluster['certificate-authority-data'] === 'string') return digestOf(cluster['certificate-authority-data'], 16);
  if (path) {
    try {
      return digestOf(readFileSync(path, 'utf8'), 16);
    } catch {
      return digestOf(path, 16);
    }
  }
  return cluster['insecure-skip-tls-verify'] ? 'insecure' : 'system-roots';
}

function execCommandOf(user: Record<string, unknown>): string | undefined {
  const exec = user.exec as { command?: unknown } | undefined;
  return typeof exec?.command === 'string' ? exec.command : undefined;
}
