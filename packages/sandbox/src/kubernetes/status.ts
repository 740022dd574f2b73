import type { Cluster } from './cluster';
import { deepEqual, isObject, JsonObject } from './json';
import type { KubeObject } from './types';

/** The object's status, or an empty one. */
export function statusOf(obj: KubeObject | undefined): JsonObject {
  return obj && isObject(obj.status) ? obj.status : {};
}

/** The object's spec, or an empty one. */
export function specOf(obj: KubeObject): JsonObject {
  return isObject(obj.spec) ? obj.spec : {};
}

/**
 * A status condition that keeps its transition time while its status stays the same,
 * as controllers built on the Kubernetes condition helpers do.
 */
export function condition(
  cluster: Cluster,
  existing: unknown,
  type: string,
  st: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  extra: JsonObject = {},
): JsonObject {
  const list = Array.isArray(existing) ? existing.filter(isObject) : [];
  const prev = list.find(c => c.type === type);
  const now = cluster.now();
  const same = prev && prev.status === st;
  const unchanged =
    same && prev!.reason === reason && prev!.message === message;
  return {
    type,
    status: st,
    ...(extra.observedGeneration !== undefined
      ? { observedGeneration: extra.observedGeneration }
      : {}),
    ...('lastUpdateTime' in extra
      ? { lastUpdateTime: unchanged ? prev!.lastUpdateTime ?? now : now }
      : {}),
    lastTransitionTime: same ? prev!.lastTransitionTime ?? now : now,
    reason,
    message,
  };
}

/** Writes a controller's status (through the status subresource when the kind has one). */
export function writeStatus(
  cluster: Cluster,
  obj: KubeObject,
  newStatus: JsonObject,
  manager: string,
): void {
  if (deepEqual(statusOf(obj), newStatus)) return;
  cluster.ensure(
    {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: {
        name: obj.metadata.name,
        ...(obj.metadata.namespace
          ? { namespace: obj.metadata.namespace }
          : {}),
      },
      status: newStatus,
    },
    manager,
    cluster.typeOf(obj).status ? 'status' : undefined,
  );
}

/** Deletes an object unless its deletion has already started. */
export function deleteIfLive(
  cluster: Cluster,
  resource: string,
  obj: KubeObject,
): void {
  if (obj.metadata.deletionTimestamp) return;
  cluster.delete(
    cluster.registry.get(resource)!,
    obj.metadata.namespace,
    obj.metadata.name!,
    {},
  );
}
