import type { Cluster } from './cluster';
import { clone } from './json';

/**
 * The finalizer the API server puts on an object deleted with
 * `propagationPolicy: Foreground`; the garbage collector removes it once the object's
 * dependents are gone.
 */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * The garbage collector's part of a foreground deletion: delete the owner's dependents
 * (in the foreground too, so whole chains go bottom-up), and release the owner only when
 * none is left.
 */
export function finishForegroundDeletion(cluster: Cluster, uid: string): void {
  const owner = cluster.store.findUid(uid);
  if (!owner) return;
  const obj = owner.object;
  if (
    !obj.metadata.deletionTimestamp ||
    !obj.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
  )
    return;
  const dependents = cluster.store.dependentsOf(uid);
  for (const { resource, object } of dependents) {
    if (object.metadata.deletionTimestamp) continue;
    const rt = cluster.registry.get(resource);
    if (!rt) continue;
    cluster.delete(rt, object.metadata.namespace, object.metadata.name!, {
      body: { propagationPolicy: 'Foreground' },
    });
  }
  if (cluster.store.dependentsOf(uid).length) return;
  const rt = cluster.registry.get(owner.resource)!;
  const next = clone(obj);
  next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(
    f => f !== FOREGROUND_FINALIZER,
  );
  cluster.writeInternal(rt, obj, next, 'kube-controller-manager');
}
