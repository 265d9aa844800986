// Lists and watches of one resource, for the controller's informer: pages of JSON and watch
// streams (a line of JSON per event) over the keep-alive connection.

import { withQuery } from '../core/api-paths.js';
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
  return error instanceof KubeStatusError ? error.status : undefined;
}

export interface ResourceSourceOptions {
  /**
   * What of each listed or watched object is passed on (and so cached): the informer holds every
   * object for as long as it exists, so the parts nobody reads should not outlive the parse.
   */
  keep?: (object: WatchedObject) => WatchedObject;
  watchTimeoutSeconds?: number;
}

/** A resource served at `path` (e.g. /apis/tempcreds.dev/v1alpha1/credentialrequests, all namespaces). */
export function kubeResourceSource(connection: KubeConnection, path: string, describe: string, { keep = (object) => object, watchTimeoutSeconds = 300 }: ResourceSourceOptions = {}): ResourceSource {
  return {
    describe,
    list: async ({ limit, continue: next }) => {
      const page = await connection.request<ListPage>({ method: 'GET', path: `${path}?limit=${limit}${next ? `&continue=${encodeURIComponent(next)}` : ''}` });
      return { ...page, items: page.items.map(keep) };
    },
    watch: (resourceVersion, onEvent, onDone) =>
      // The server ends each watch after timeoutSeconds; a connection that died silently cannot
      // say so, so the watch is ended here half a minute later. An ERROR event's object is a
      // Status (code, message): passed on whole.
      connection.watch<WatchedObject>(withQuery(path, { watch: 1, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: watchTimeoutSeconds }), (type, object) => onEvent(type, type === 'ERROR' ? object : keep(object)), onDone, { deadlineMs: (watchTimeoutSeconds + 30) * 1000 }),
  };
}
