/*
 * Deployment revisions: the pod-template hash that names a Deployment's ReplicaSets and
 * the `deployment.kubernetes.io/revision` annotations `kubectl rollout history` and
 * `kubectl rollout undo` read.
 */
import { createHash } from 'node:crypto';
import type { Cluster } from './cluster';
import { clone, isObject } from './json';
import type { KubeObject } from './types';

/** The annotation carrying a Deployment's (and each of its ReplicaSets') revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * The template with what does not change the pods left out: null values, empty objects
 * and lists (how a typed client such as kubectl re-encodes a template it read back), and
 * the `pod-template-hash` label. Keys are sorted so the form does not depend on order.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter(v => v !== undefined);
    return items.length ? items : undefined;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical(value[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value === null ? undefined : value;
}

/**
 * The pod-template hash of a Deployment's template: ten characters of the alphabet the
 * deployment controller uses, the same for templates that differ only in encoding.
 */
export function podTemplateHash(template: unknown): string {
  const t = clone(isObject(template) ? template : {});
  const meta = isObject(t.metadata) ? t.metadata : undefined;
  if (meta && isObject(meta.labels)) delete meta.labels['pod-template-hash'];
  const hex = createHash('sha256')
    .update(JSON.stringify(canonical(t) ?? {}))
    .digest('hex');
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++)
    out +=
      alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}

/** The revision an object's annotation names (0 without one). */
export function revisionOf(obj: KubeObject | undefined): number {
  const v = Number(obj?.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

/**
 * The revision of the ReplicaSet that runs a Deployment's current template: a new
 * template, or an old one rolled back to, becomes the newest revision; the current one
 * keeps its number.
 */
export function currentRevision(
  sets: readonly KubeObject[],
  currentName: string,
): string {
  const current = sets.find(r => r.metadata.name === currentName);
  const others = sets
    .filter(r => r.metadata.name !== currentName)
    .map(revisionOf);
  const highestOther = Math.max(0, ...others);
  const own = revisionOf(current);
  return String(own > highestOther ? own : highestOther + 1);
}

/** Sets the Deployment's revision annotation to its current ReplicaSet's. */
export function annotateDeploymentRevision(
  cluster: Cluster,
  deployment: KubeObject,
  revision: string,
): void {
  if (deployment.metadata.annotations?.[REVISION_ANNOTATION] === revision)
    return;
  const next = clone(deployment);
  next.metadata.annotations = {
    ...(next.metadata.annotations ?? {}),
    [REVISION_ANNOTATION]: revision,
  };
  cluster.writeInternal(
    cluster.typeOf(deployment),
    deployment,
    next,
    'kube-controller-manager',
  );
}
