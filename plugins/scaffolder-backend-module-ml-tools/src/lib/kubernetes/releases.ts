import { ConflictError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import {
  instanceSelector,
  MAIN_COMPONENT,
  type BlueprintPart,
  describeRef,
  ensureK8sObject,
  isManagedByUs,
  RELEASE_KIND_OF_DRIVER,
  refOf,
  releaseReadiness,
  type K8sObject,
  type K8sObjectRef,
  type K8sWaitState,
  type PartObject,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from '../context';
import { lookup } from './namespace';

function destinationNamespace(env: StepEnv, release: K8sObject): string {
  if (env.config.deploy.driver === 'argocd') {
    return (
      ((
        (release.spec as JsonObject | undefined)?.destination as
          | JsonObject
          | undefined
      )?.namespace as string | undefined) ?? ''
    );
  }
  return release.metadata.namespace ?? '';
}

/**
 * Refuses release names used anywhere else in the cluster (by a release object of any
 * owner, or by a Helm release installed by hand), and same-namespace releases that are
 * not ours. Returns our live release objects by name, for reuse.
 */
export async function assertReleaseNamesFree(
  env: StepEnv,
  id: InstanceIdentity,
  names: string[],
): Promise<Map<string, K8sObject>> {
  // A blueprint with no chart has no release name to check (an empty `in ()` is refused).
  if (names.length === 0) return new Map();
  const { apiVersion, kind } = RELEASE_KIND_OF_DRIVER[env.config.deploy.driver];
  const type = { apiVersion, kind };
  const releases = await env.k8s.list(id.cluster, {
    ...type,
    namespace:
      env.config.deploy.driver === 'argocd'
        ? env.config.deploy.argocd.namespace
        : undefined,
  });
  const ours = new Map<string, K8sObject>();
  for (const release of releases) {
    const name = release.metadata.name;
    if (!names.includes(name)) continue;
    const where = destinationNamespace(env, release);
    const owner = release.metadata.labels?.[ML_PLATFORM_LABELS.instance];
    if (where !== id.namespace) {
      throw new ConflictError(
        `input.name: release name "${name}" is already used in namespace "${where}" of cluster "${id.cluster}"; release names must be unique across the cluster`,
      );
    }
    if (!isManagedByUs(release) || owner !== id.name) {
      throw new ConflictError(
        `input.name: ${describeRef(
          refOf(release),
        )} already exists on cluster "${
          id.cluster
        }" and was not created for this instance`,
      );
    }
    ours.set(name, release);
  }
  // Releases installed with the Helm CLI leave their record in Secrets.
  const helmRecords = await env.k8s.list(id.cluster, {
    apiVersion: 'v1',
    kind: 'Secret',
    labelSelector: `owner=helm,name in (${[...names].sort().join(',')})`,
  });
  for (const record of helmRecords) {
    if (record.metadata.namespace !== id.namespace) {
      throw new ConflictError(
        `input.name: release name "${record.metadata.labels?.name}" is already used by a Helm release in namespace "${record.metadata.namespace}" of cluster "${id.cluster}"; release names must be unique across the cluster`,
      );
    }
  }
  return ours;
}

/** True when a controller made `made` from `source` (its owner references say so). */
function madeFrom(made: K8sObject, source: K8sObject): boolean {
  const refs = (made.metadata as { ownerReferences?: unknown }).ownerReferences;
  return (
    Array.isArray(refs) &&
    refs.some(
      (r: { kind?: string; name?: string; apiVersion?: string }) =>
        r.kind === source.kind &&
        r.name === source.metadata.name &&
        r.apiVersion === source.apiVersion,
    )
  );
}

/**
 * Refuses, before any write, plain objects of the parts that exist and are not this
 * instance's: made by someone else, made for another instance, or (for a cluster-wide
 * main object such as a profile) recorded for an instance of the same name in another
 * namespace.
 */
export async function assertObjectsFree(
  env: StepEnv,
  id: InstanceIdentity,
  parts: BlueprintPart[],
): Promise<void> {
  for (const part of parts) {
    if (part.type !== 'object') continue;
    const ref = refOf(part.manifest);
    if (part.waitForObject) {
      // What a controller would make from the part must not be someone else's already.
      const made = await lookup(env, id.cluster, part.waitForObject);
      if (made && !madeFrom(made, part.manifest)) {
        throw new ConflictError(
          `input.name: ${describeRef(
            part.waitForObject,
          )} already exists on cluster "${
            id.cluster
          }" and was not made from ${describeRef(ref)}`,
        );
      }
    }
    const live = await lookup(env, id.cluster, ref);
    if (!live) continue;
    const owner = live.metadata.labels?.[ML_PLATFORM_LABELS.instance];
    if (!isManagedByUs(live) || owner !== id.name) {
      throw new ConflictError(
        `input.name: ${describeRef(ref)} already exists on cluster "${
          id.cluster
        }" and was not created for this instance`,
      );
    }
    const recorded =
      live.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.instanceRef];
    if (part.component === MAIN_COMPONENT && recorded && recorded !== id.ref) {
      throw new ConflictError(
        `input.name: ${describeRef(
          ref,
        )} belongs to instance ${recorded}; the name is taken on cluster "${
          id.cluster
        }"`,
      );
    }
  }
}

/**
 * Deletes this instance's plain objects that its parts no longer name (a contributor
 * taken off the form), found by our labels among the blueprint's object kinds. The
 * main object is never removed here.
 */
export async function removeStaleObjects(
  env: StepEnv,
  id: InstanceIdentity,
  kinds: ReadonlyArray<{ apiVersion: string; kind: string }>,
  parts: PartObject[],
): Promise<void> {
  const key = (o: K8sObjectRef) =>
    `${o.apiVersion}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
  const wanted = new Set(parts.map(p => key(refOf(p.object))));
  for (const kind of kinds) {
    const live = await env.k8s.list(id.cluster, {
      ...kind,
      labelSelector: instanceSelector(id.name),
    });
    for (const object of live) {
      if (
        object.metadata.labels?.[ML_PLATFORM_LABELS.managedBy] !==
          ML_PLATFORM_MANAGER ||
        object.metadata.labels?.[ML_PLATFORM_LABELS.component] ===
          MAIN_COMPONENT ||
        wanted.has(key(refOf(object)))
      ) {
        continue;
      }
      await deleteOurObject(env, id, refOf(object), object);
    }
  }
}

/** Readiness of a part: releases and objects with conditions by them, others by existing. */
export function partReadiness(object: K8sObject | undefined): K8sWaitState {
  const status = object?.status as { conditions?: unknown[] } | undefined;
  if (object && !Array.isArray(status?.conditions)) {
    return object.metadata.deletionTimestamp
      ? { state: 'pending', message: 'being deleted' }
      : { state: 'ready', message: 'exists' };
  }
  return releaseReadiness(object);
}

/** How long and how often waits poll. */
export interface WaitOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  signal?: AbortSignal;
}

async function waitForPart(
  env: StepEnv,
  id: InstanceIdentity,
  object: K8sObject,
  options: WaitOptions,
): Promise<void> {
  await env.k8s.waitFor(id.cluster, refOf(object), {
    check: partReadiness,
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    onProgress: line => env.logger.info(line),
    signal: options.signal,
  });
}

/**
 * Applies chart sources, releases and objects in order, each only when it changed.
 * A part that asks for it is waited for before the next is applied (with `wait` set
 * and outside a dry run).
 */
export async function ensurePartObjects(
  env: StepEnv,
  id: InstanceIdentity,
  parts: PartObject[],
  liveReleases: Map<string, K8sObject>,
  wait?: WaitOptions,
): Promise<void> {
  for (const part of parts) {
    const { object } = part;
    const result = await ensureK8sObject(env.k8s, id.cluster, object, {
      dryRun: env.dryRun,
      instance: id.name,
      live: part.isRelease
        ? liveReleases.get(object.metadata.name) ?? null
        : await lookup(env, id.cluster, refOf(object)),
    });
    env.changes.add({
      target: 'kubernetes',
      kind: object.kind,
      name: object.metadata.namespace
        ? `${object.metadata.namespace}/${object.metadata.name}`
        : object.metadata.name,
      action: result.action,
    });
    if (part.waitForReady && wait && !env.dryRun) {
      await waitForPart(env, id, object, wait);
    }
    if (part.waitForObject && wait && !env.dryRun) {
      await env.k8s.waitFor(id.cluster, part.waitForObject, {
        check: made => {
          if (!made) return { state: 'pending', message: 'not made yet' };
          return madeFrom(made, object)
            ? { state: 'ready', message: 'exists' }
            : {
                state: 'failed',
                message: `exists but was not made from ${describeRef(
                  refOf(object),
                )}`,
              };
        },
        timeoutMs: wait.timeoutMs,
        pollIntervalMs: wait.pollIntervalMs,
        onProgress: line => env.logger.info(line),
        signal: wait.signal,
      });
    }
  }
}

/** Waits until every release and every object that has a status reports Ready. */
export async function waitForParts(
  env: StepEnv,
  id: InstanceIdentity,
  parts: PartObject[],
  options: WaitOptions,
): Promise<void> {
  await Promise.all(
    parts
      .filter(p => p.isRelease || p.waitForReady)
      .map(p => waitForPart(env, id, p.object, options)),
  );
}

/** Deletes one object of ours; objects without our mark are reported and kept. */
export async function deleteOurObject(
  env: StepEnv,
  id: InstanceIdentity,
  ref: K8sObjectRef,
  live?: K8sObject | null,
): Promise<void> {
  const current =
    live === undefined ? await env.k8s.get(id.cluster, ref) : live;
  const name = `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  if (!current) {
    env.changes.add({
      target: 'kubernetes',
      kind: ref.kind,
      name,
      action: 'absent',
    });
    return;
  }
  if (
    !isManagedByUs(current) ||
    current.metadata.labels?.[ML_PLATFORM_LABELS.instance] !== id.name
  ) {
    env.changes.add({
      target: 'kubernetes',
      kind: ref.kind,
      name,
      action: 'foreign',
    });
    return;
  }
  if (!env.dryRun) await env.k8s.delete(id.cluster, ref);
  env.changes.add({
    target: 'kubernetes',
    kind: ref.kind,
    name,
    action: 'delete',
  });
}
