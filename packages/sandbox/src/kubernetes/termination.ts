/*
 * Graceful pod termination, as the API server and the kubelet share it: a DELETE of a pod
 * marks it (deletionTimestamp, deletionGracePeriodSeconds) and the kubelet removes it
 * once its containers have stopped. kubectl shows such a pod as Terminating.
 */
import type { Cluster } from './cluster';
import { badRequest } from './errors';
import { clone, isObject, JsonObject } from './json';
import { rfc3339 } from './time';
import type { KubeObject } from './types';

/** The storage key of pods. */
export const PODS = '/pods';

/** The grace period a pod gets when neither the request nor its spec names one. */
export const DEFAULT_GRACE_SECONDS = 30;

/**
 * The grace period of a pod DELETE: `gracePeriodSeconds` of the DeleteOptions (body or
 * query), else the pod's `spec.terminationGracePeriodSeconds`, else 30 seconds.
 */
export function gracePeriodOf(pod: KubeObject, body: JsonObject): number {
  const asked = body.gracePeriodSeconds;
  if (asked !== undefined && asked !== null) {
    const n = Number(asked);
    if (!Number.isInteger(n)) {
      throw badRequest(
        `gracePeriodSeconds: Invalid value: ${JSON.stringify(
          asked,
        )}: must be a whole number of seconds`,
      );
    }
    return Math.max(0, n);
  }
  const spec = isObject(pod.spec) ? pod.spec : {};
  const fromSpec = spec.terminationGracePeriodSeconds;
  return typeof fromSpec === 'number' && fromSpec >= 0
    ? fromSpec
    : DEFAULT_GRACE_SECONDS;
}

/**
 * The marked pod a graceful DELETE stores, or undefined when the pod goes at once (a
 * zero grace period, or a pod that was never scheduled to a node, as the API server
 * does). A pod already terminating only ever shortens its grace period.
 */
export function markTerminating(
  cluster: Cluster,
  pod: KubeObject,
  body: JsonObject,
): KubeObject | undefined {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const grace = gracePeriodOf(pod, body);
  if (grace === 0 || !spec.nodeName) return undefined;
  const current = pod.metadata.deletionGracePeriodSeconds;
  if (pod.metadata.deletionTimestamp && current !== undefined) {
    if (current <= grace) return pod;
  }
  const next = clone(pod);
  next.metadata.deletionGracePeriodSeconds = grace;
  next.metadata.deletionTimestamp = rfc3339(
    new Date(Date.parse(cluster.now()) + grace * 1000),
  );
  return next;
}

/** Whether the store should keep a pod with a deletionTimestamp (the kubelet has not finished). */
export function awaitsKubelet(resource: string, obj: KubeObject): boolean {
  return (
    resource === PODS &&
    Boolean(obj.metadata.deletionTimestamp) &&
    (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0
  );
}

/**
 * What the kubelet does when a terminating pod's containers have stopped: it confirms the
 * deletion with a zero grace period, so the pod goes once no finalizer holds it.
 */
export function finishTermination(cluster: Cluster, pod: KubeObject): void {
  if (!awaitsKubelet(PODS, pod)) return;
  if (!(pod.metadata.finalizers ?? []).length) {
    cluster.store.remove(PODS, pod.metadata.namespace, pod.metadata.name!);
    return;
  }
  const next = clone(pod);
  next.metadata.deletionGracePeriodSeconds = 0;
  next.metadata.resourceVersion = cluster.store.nextResourceVersion();
  cluster.store.put(PODS, next);
}

/**
 * The DELETE of a pod when it is graceful: the marked pod is stored (or, for a dry run,
 * only answered). Undefined when the pod is to go at once, which the caller does.
 */
export function deletePodGracefully(
  cluster: Cluster,
  live: KubeObject,
  body: JsonObject,
  dryRun: boolean,
): { object: KubeObject; code: number } | undefined {
  const marked = markTerminating(cluster, live, body);
  if (!marked) return undefined;
  if (marked === live || dryRun) return { object: marked, code: 200 };
  if (live.metadata.deletionTimestamp) {
    // A shorter grace period for a pod already terminating.
    marked.metadata.resourceVersion = cluster.store.nextResourceVersion();
    cluster.store.put(PODS, marked);
    return { object: marked, code: 200 };
  }
  const rt = cluster.registry.get(PODS)!;
  const written = cluster.writeInternal(rt, live, marked, 'kube-apiserver');
  return { object: written.object, code: 200 };
}
