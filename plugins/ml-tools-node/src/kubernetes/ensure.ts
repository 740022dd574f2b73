import { createHash } from 'node:crypto';
import { ConflictError } from '@backstage/errors';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type { K8sObject, K8sObjectRef, KubernetesGateway } from './types';

/**
 * What {@link ensureK8sObject} did, or would do in a dry run.
 *
 * @public
 */
export type EnsureAction =
  | 'create'
  | 'update'
  | 'unchanged'
  | 'foreign'
  | 'delete'
  | 'absent';

/**
 * The outcome of ensuring one object.
 *
 * @public
 */
export interface EnsureResult {
  action: EnsureAction;
  /** The object after the call (the live one when nothing was written). */
  object?: K8sObject;
}

/**
 * Stable JSON: object keys sorted, so equal values hash equally.
 *
 * @public
 */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b, 'en'));
    return `{${entries
      .map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * True when every field of `desired` holds the same value in `live` (arrays compared
 * item by item, extra fields in `live` ignored: the server adds defaults and status).
 *
 * @public
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, i) => isSubset(item, live[i]))
    );
  }
  if (desired && typeof desired === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired as Record<string, unknown>).every(
      ([key, value]) =>
        value === undefined ||
        isSubset(value, (live as Record<string, unknown>)[key]),
    );
  }
  return false;
}

/**
 * Hash of an object's desired state. Secret payloads are left out so that the hash
 * never depends on (or reveals anything about) secret values; they are compared
 * field by field instead.
 *
 * @public
 */
export function desiredStateHash(object: K8sObject): string {
  const {
    metadata: { annotations, ...metadata },
    ...rest
  } = object;
  const {
    [ML_PLATFORM_ANNOTATIONS.appliedHash]: _ignored,
    ...otherAnnotations
  } = annotations ?? {};
  const hashed: Record<string, unknown> = {
    ...rest,
    metadata: { ...metadata, annotations: otherAnnotations },
  };
  if (object.kind === 'Secret' && object.apiVersion === 'v1') {
    hashed.data = Object.keys((object.data as object) ?? {}).sort();
    hashed.stringData = Object.keys((object.stringData as object) ?? {}).sort();
  }
  return createHash('sha256')
    .update(stableStringify(hashed))
    .digest('hex')
    .slice(0, 32);
}

/**
 * Copies the object and stamps the applied-hash annotation on it.
 *
 * @public
 */
export function withAppliedHash(object: K8sObject): K8sObject {
  const hash = desiredStateHash(object);
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {
        ...object.metadata.annotations,
        [ML_PLATFORM_ANNOTATIONS.appliedHash]: hash,
      },
    },
  };
}

/**
 * True when the object carries the suite's `managed-by` mark.
 *
 * @public
 */
export function isManagedByUs(object: K8sObject | undefined): boolean {
  return (
    object?.metadata.labels?.[ML_PLATFORM_LABELS.managedBy] ===
    ML_PLATFORM_MANAGER
  );
}

/**
 * The reference of an object.
 *
 * @public
 */
export function refOf(object: K8sObject): K8sObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace,
  };
}

/**
 * Human description of an object ref, such as `Secret ml-a/x`.
 *
 * @public
 */
export function describeRef(ref: K8sObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/**
 * Options of {@link ensureK8sObject}.
 *
 * @public
 */
export interface EnsureK8sObjectOptions {
  /** Report what would happen without writing. */
  dryRun?: boolean;
  /**
   * What to do with an existing object that lacks our mark: `conflict` (default)
   * throws a ConflictError naming it; `keep` leaves it untouched and reports `foreign`.
   */
  onForeign?: 'conflict' | 'keep';
  /**
   * When set, an existing object of ours must belong to this instance (its
   * `ml-platform.io/instance` label), or a ConflictError names the owner.
   */
  instance?: string;
  /** The live object when the caller already read it (saves a lookup). */
  live?: K8sObject | null;
}

/**
 * Get-compare-apply for one object: creates it when missing, applies it when one of
 * its fields or its desired-state hash differs, and writes nothing otherwise. Only
 * objects carrying our `managed-by` mark are ever changed.
 *
 * @public
 */
export async function ensureK8sObject(
  gateway: KubernetesGateway,
  cluster: string,
  desired: K8sObject,
  options: EnsureK8sObjectOptions = {},
): Promise<EnsureResult> {
  const ref = refOf(desired);
  const stamped = withAppliedHash(desired);
  const live =
    options.live === undefined
      ? await gateway.get(cluster, ref)
      : options.live ?? undefined;
  if (live) {
    if (!isManagedByUs(live)) {
      if (options.onForeign === 'keep')
        return { action: 'foreign', object: live };
      throw new ConflictError(
        `${describeRef(
          ref,
        )} on cluster "${cluster}" already exists and is not managed by ${ML_PLATFORM_MANAGER}; refusing to change it`,
      );
    }
    const owner = live.metadata.labels?.[ML_PLATFORM_LABELS.instance];
    if (options.instance && owner && owner !== options.instance) {
      throw new ConflictError(
        `${describeRef(
          ref,
        )} on cluster "${cluster}" belongs to instance "${owner}", not "${
          options.instance
        }"`,
      );
    }
    if (isSubset(stamped, live)) return { action: 'unchanged', object: live };
    if (options.dryRun) return { action: 'update', object: live };
    const object = await gateway.apply(cluster, stamped, { force: true });
    return { action: 'update', object };
  }
  if (options.dryRun) return { action: 'create' };
  const object = await gateway.apply(cluster, stamped);
  return { action: 'create', object };
}
