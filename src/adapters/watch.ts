// Lists and watches of one resource, for the controller's informer: pages of JSON over the
// keep-alive connection, and watch streams through client-node's Watch (a line of JSON per event).

import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import { KubeStatusError, type KubeConnection } from './kube-connections.js';

export interface WatchedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; generation?: number };
  [field: string]: unknown;
}

export interface ListPage {
  items: WatchedObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** One watch event as the API server sends it: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (object: a Status). */
export type WatchEventHandler = (type: string, object: WatchedObject & { code?: number; message?: string }) => void;

export interface ResourceSource {
  /** e.g. "credentialrequests.tempcreds.dev", for logs. */
  readonly describe: string;
  list(query: { limit: number; continue?: string }): Promise<ListPage>;
  /** Opens a watch from `resourceVersion`; `onDone` once it ends (error: null when the server closed it). */
  watch(resourceVersion: string, onEvent: WatchEventHandler, onDone: (error: unknown) => void): Promise<{ abort(): void }>;
}

/** The HTTP status of a failed list or watch start, if it had one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof KubeStatusError) return error.status;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A resource served at `path` (e.g. /apis/tempcreds.dev/v1alpha1/credentialrequests, all namespaces). */
export function kubeResourceSource(config: KubeConfig, connection: KubeConnection, path: string, describe: string, watchTimeoutSeconds = 300): ResourceSource {
  const watcher = new Watch(config);
  return {
    describe,
    list: ({ limit, continue: next }) => connection.request<ListPage>({ method: 'GET', path: `${path}?limit=${limit}${next ? `&continue=${encodeURIComponent(next)}` : ''}` }),
    watch: (resourceVersion, onEvent, onDone) =>
      // The server ends each watch after timeoutSeconds, so a silently dead connection is noticed too.
      watcher.watch(path, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: watchTimeoutSeconds }, (type: string, object: WatchedObject) => onEvent(type, object), onDone),
  };
}
