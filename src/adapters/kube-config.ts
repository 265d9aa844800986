// Which kubeconfig the tool talks through, loaded by @kubernetes/client-node (its only
// importer besides a type import in ./kube-connections) as kubectl would: KUBECONFIG's files
// merged by client-go's rules, and a file a lease recorded loaded only when it is the user's own.

import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { TempcredsError, invalidInput, operationFailed } from '../core/errors.js';
import { kubeconfigPaths } from './kubeconfig.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  timeoutMs?: number;
  /**
   * `kubeconfig` is what a lease recorded, not what this command line chose: its files that this
   * process's KUBECONFIG does not name are loaded only if they are this user's (see loadFile).
   */
  recorded?: boolean;
}

/**
 * The kubeconfig path(s) a target loads, absolute, as KUBECONFIG lists them (a lease records
 * them, so it is revoked through the same files); undefined for ~/.kube/config.
 */
export function kubeconfigSource(target: KubeTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const paths = (target.kubeconfig ?? env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return paths.length > 0 ? paths.map((path) => resolve(path)).join(delimiter) : undefined;
}

export function loadKubeConfig(target: KubeTarget): KubeConfig {
  let config = new KubeConfig();
  try {
    const recorded = (target.kubeconfig ?? '').split(delimiter).filter(Boolean);
    const chosen = new Set(kubeconfigPaths(undefined, process.env).map((path) => resolve(path)));
    const load = (path: string) => loadFile(path, target.recorded === true && !chosen.has(resolve(path)));
    // Several files (a lease's recorded KUBECONFIG) merge as kubectl merges KUBECONFIG.
    if (recorded.length > 1) config = mergedAsKubectl(recorded, load);
    else if (target.kubeconfig) config = load(target.kubeconfig);
    else if (process.env.KUBECONFIG) config = mergedAsKubectl(kubeconfigPaths(undefined, process.env), load);
    else config.loadFromDefault();
  } catch (error) {
    if (error instanceof TempcredsError) throw error;
    throw invalidInput(`cannot load the kubeconfig${target.kubeconfig ? ` ${target.kubeconfig}` : ''}: ${(error as Error).message}`);
  }
  if (target.context) {
    if (!config.getContextObject(target.context)) {
      throw invalidInput(`context "${target.context}" is not in the kubeconfig (see: kubectl config get-contexts)`);
    }
    config.setCurrentContext(target.context);
  }
  if (!config.getCurrentCluster() || !config.getCurrentUser()) {
    throw invalidInput('the kubeconfig has no usable current context: pass --context, or set one with kubectl config use-context');
  }
  return config;
}

/**
 * One kubeconfig file. `ownOnly` (a path a lease recorded, which nobody chose for this command):
 * it must be a regular file of this user's that no one else may write — in a shared directory
 * another user may have put one there since, and its exec plugin would run as this user. The
 * open file is checked and read (not the path twice), so it cannot be swapped in between.
 */
function loadFile(path: string, ownOnly: boolean): KubeConfig {
  const config = new KubeConfig();
  if (!ownOnly) {
    config.loadFromFile(path);
    return config;
  }
  // O_NONBLOCK: a FIFO put there must not hang the background gc (it is refused below).
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    const uid = process.getuid?.();
    const problem = !info.isFile()
      ? 'it is not a regular file'
      : uid !== undefined && info.uid !== uid
        ? `it belongs to uid ${info.uid}, not to you (uid ${uid})`
        : info.mode & 0o022
          ? `others may write to it (mode ${(info.mode & 0o777).toString(8)})`
          : undefined;
    if (problem) {
      throw operationFailed(`refusing to load the kubeconfig ${path} a lease recorded: ${problem}, and its exec plugin would run as you; pass --kubeconfig naming the issuer's kubeconfig to revoke the lease (its record is kept)`);
    }
    config.loadFromString(readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
  config.makePathsAbsolute(dirname(path));
  return config;
}

/**
 * KUBECONFIG's files merged by client-go's rules, so the tool talks to the cluster kubectl would:
 * missing files are skipped, and the first file to set the current context or define a name wins.
 * (client-node's loadFromDefault takes the last file's current context and refuses a name defined twice.)
 */
function mergedAsKubectl(paths: string[], load: (path: string) => KubeConfig): KubeConfig {
  const files = paths.filter((path) => existsSync(path)).map(load);
  if (files.length === 0) throw new Error(`no file that KUBECONFIG names exists (${paths.join(delimiter)})`);
  const firstOfEachName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Set<string>();
    return lists.flat().filter((item) => !seen.has(item.name) && seen.add(item.name));
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstOfEachName(files.map((file) => file.clusters)),
    users: firstOfEachName(files.map((file) => file.users)),
    contexts: firstOfEachName(files.map((file) => file.contexts)),
    currentContext: files.map((file) => file.currentContext).find(Boolean) ?? '',
  });
  return merged;
}
