// How the tool names one Kubernetes object: a reference (apiVersion, kind, name, namespace, uid),
// made from a manifest or taken from anything that carries more, and its words in messages.

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** The reference to a manifest's object; with `uid`, to exactly the object the API server made of it. */
export function refOf(manifest: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }, uid?: string): ObjectRef {
  const { apiVersion, kind, metadata } = manifest;
  return { apiVersion, kind, name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}), ...(uid ? { uid } : {}) };
}

/** Only the reference of an object that carries more (labels, annotations…), as records keep it. */
export function bareRef({ apiVersion, kind, name, namespace, uid }: ObjectRef): ObjectRef {
  return { apiVersion, kind, name, ...(namespace ? { namespace } : {}), ...(uid ? { uid } : {}) };
}

/** "Kind namespace/name", as messages and the audit log name objects. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** A manifest's object in words. */
export function describeManifest(manifest: Parameters<typeof refOf>[0]): string {
  return describeRef(refOf(manifest));
}
