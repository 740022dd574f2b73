import { NotFoundError } from '@backstage/errors';
import {
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import {
  ensureK8sObject,
  type K8sObject,
  type K8sObjectRef,
} from '@ml-platform/plugin-ml-tools-node';
import type { StepEnv } from '../context';

const SHARED_LABELS = {
  [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
  [ML_PLATFORM_LABELS.partOf]: 'ml-platform',
};

export function secretRef(namespace: string, name: string): K8sObjectRef {
  return { apiVersion: 'v1', kind: 'Secret', namespace, name };
}

/**
 * Creates the namespace when missing, labelled as ours. An existing namespace we did
 * not create is used as it is, never relabelled.
 */
export async function ensureNamespace(
  env: StepEnv,
  cluster: string,
  namespace: string,
): Promise<void> {
  const result = await ensureK8sObject(
    env.k8s,
    cluster,
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { ...SHARED_LABELS } },
    },
    { dryRun: env.dryRun, onForeign: 'keep' },
  );
  if (result.action === 'create') env.newNamespaces.add(namespace);
  env.changes.add({
    target: 'kubernetes',
    kind: 'Namespace',
    name: namespace,
    action: result.action,
  });
}

/** The live object, or null without a lookup when its namespace was just created. */
export async function lookup(
  env: StepEnv,
  cluster: string,
  ref: K8sObjectRef,
): Promise<K8sObject | null> {
  if (ref.namespace && env.newNamespaces.has(ref.namespace)) return null;
  return (await env.k8s.get(cluster, ref)) ?? null;
}

/** Copies the configured image pull secret into the namespace. */
export async function ensurePullSecret(
  env: StepEnv,
  cluster: string,
  namespace: string,
): Promise<void> {
  const source = env.config.pullSecret;
  if (!source) return;
  if (source.namespace === namespace && source.name === source.targetName)
    return;
  const live = await env.k8s.get(
    cluster,
    secretRef(source.namespace, source.name),
  );
  if (!live) {
    throw new NotFoundError(
      `The pull secret configured at mlTools.pullSecret (${source.namespace}/${source.name}) does not exist on cluster "${cluster}"`,
    );
  }
  const result = await ensureK8sObject(
    env.k8s,
    cluster,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: source.targetName,
        namespace,
        labels: { ...SHARED_LABELS },
      },
      type: (live.type as string) ?? 'kubernetes.io/dockerconfigjson',
      data: (live.data as Record<string, string>) ?? {},
    },
    {
      dryRun: env.dryRun,
      onForeign: 'keep',
      live: await lookup(env, cluster, secretRef(namespace, source.targetName)),
    },
  );
  env.changes.add({
    target: 'kubernetes',
    kind: 'Secret',
    name: `${namespace}/${source.targetName}`,
    action: result.action,
    detail: 'image pull secret',
  });
}
