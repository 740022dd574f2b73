import { ConflictError, NotFoundError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import {
  describeRef,
  ensureK8sObject,
  instanceLabels,
  isManagedByUs,
  releaseReadiness,
  refOf,
  type BlueprintRelease,
  type BlueprintSecret,
  type K8sObject,
  type K8sObjectRef,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from './context';
import { b64, generateSecret } from './secrets';

const SHARED_LABELS = {
  [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
  [ML_PLATFORM_LABELS.partOf]: 'ml-platform',
};

export const RELEASE_TYPES = {
  flux: { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease' },
  argocd: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' },
} as const;

export const HELM_REPOSITORY = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmRepository',
} as const;

function secretRef(namespace: string, name: string): K8sObjectRef {
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
async function lookup(
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

/**
 * Writes the instance's generated secrets once: keys already present keep their value
 * on every re-run; only missing keys are generated. Returns the key names.
 */
export async function ensureGeneratedSecret(
  env: StepEnv,
  id: InstanceIdentity,
  secretName: string,
  keys: BlueprintSecret[],
): Promise<string[]> {
  const live = await lookup(
    env,
    id.cluster,
    secretRef(id.namespace, secretName),
  );
  const data: Record<string, string> = {
    ...((live?.data as Record<string, string> | undefined) ?? {}),
  };
  const generated: string[] = [];
  for (const key of keys) {
    if ('value' in key) {
      data[key.key] = b64(key.value);
    } else if (!(key.key in data)) {
      generated.push(key.key);
      // In a dry run nothing is written, so nothing is generated either.
      data[key.key] = env.dryRun ? '' : b64(generateSecret(key.generate));
    }
  }
  const result = await ensureK8sObject(
    env.k8s,
    id.cluster,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        namespace: id.namespace,
        labels: instanceLabels({
          instance: id.name,
          tool: id.tool,
          ownerName: id.ownerName,
          component: 'secrets',
        }),
      },
      type: 'Opaque',
      data,
    },
    { dryRun: env.dryRun, live: live ?? null, instance: id.name },
  );
  env.changes.add({
    target: 'kubernetes',
    kind: 'Secret',
    name: `${id.namespace}/${secretName}`,
    action: result.action,
    detail: generated.length
      ? `generates ${generated.join(', ')}`
      : 'existing values kept',
  });
  return Object.keys(data).sort();
}

/**
 * Writes a Keycloak client's credentials into a Secret (keys `client-id`,
 * `client-secret`, and a generated `cookie-secret` kept across re-runs when asked).
 */
export async function ensureClientSecret(
  env: StepEnv,
  id: InstanceIdentity,
  secretName: string,
  clientId: string,
  clientSecret: string,
  withCookieSecret: boolean,
): Promise<void> {
  const live = await lookup(
    env,
    id.cluster,
    secretRef(id.namespace, secretName),
  );
  const liveData = (live?.data as Record<string, string> | undefined) ?? {};
  const data: Record<string, string> = {
    'client-id': b64(clientId),
    'client-secret': b64(clientSecret),
  };
  if (withCookieSecret) {
    data['cookie-secret'] =
      liveData['cookie-secret'] ??
      (env.dryRun
        ? ''
        : b64(generateSecret({ kind: 'alphanumeric', length: 32 })));
  }
  const result = await ensureK8sObject(
    env.k8s,
    id.cluster,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        namespace: id.namespace,
        labels: instanceLabels({
          instance: id.name,
          tool: id.tool,
          ownerName: id.ownerName,
          component: 'oidc-credentials',
        }),
      },
      type: 'Opaque',
      data,
    },
    { dryRun: env.dryRun, live: live ?? null, instance: id.name },
  );
  env.changes.add({
    target: 'kubernetes',
    kind: 'Secret',
    name: `${id.namespace}/${secretName}`,
    action: result.action,
    detail: `client credentials of ${clientId}`,
  });
}

/** The release objects (and Flux chart sources) of an instance, built as objects. */
export function buildReleaseObjects(
  env: Pick<StepEnv, 'config'>,
  id: InstanceIdentity,
  releases: BlueprintRelease[],
  annotations: Record<string, string>,
): K8sObject[] {
  const { deploy } = env.config;
  const repoByName = new Map(deploy.chartRepositories.map(r => [r.name, r]));
  const objects: K8sObject[] = [];
  const repoObjectName = (repo: string) => `${id.name}-${repo}`;
  const labelsFor = (component: string) =>
    instanceLabels({
      instance: id.name,
      tool: id.tool,
      ownerName: id.ownerName,
      component,
    });
  const usedRepos = [...new Set(releases.map(r => r.chart.repository))].sort();
  for (const repo of usedRepos) {
    if (!repoByName.has(repo)) {
      throw new NotFoundError(
        `Chart repository "${repo}" is not configured under mlTools.deploy.chartRepositories`,
      );
    }
  }
  if (deploy.driver === 'flux') {
    for (const repoName of usedRepos) {
      const repo = repoByName.get(repoName)!;
      objects.push({
        ...HELM_REPOSITORY,
        metadata: {
          name: repoObjectName(repoName),
          namespace: id.namespace,
          labels: labelsFor('chart-source'),
        },
        spec: {
          interval: deploy.flux.interval,
          url: repo.url,
          ...(repo.type === 'oci' ? { type: 'oci' } : {}),
        },
      });
    }
    for (const release of releases) {
      objects.push({
        ...RELEASE_TYPES.flux,
        metadata: {
          name: release.name,
          namespace: id.namespace,
          labels: labelsFor(release.component),
          annotations: release.component === 'main' ? annotations : undefined,
        },
        spec: {
          interval: deploy.flux.interval,
          releaseName: release.name,
          chart: {
            spec: {
              chart: release.chart.chart,
              version: release.chart.version,
              sourceRef: {
                kind: HELM_REPOSITORY.kind,
                name: repoObjectName(release.chart.repository),
                namespace: id.namespace,
              },
            },
          },
          install: { remediation: { retries: 3 } },
          upgrade: { remediation: { retries: 3 } },
          values: release.values,
        },
      });
    }
  } else {
    for (const release of releases) {
      const repo = repoByName.get(release.chart.repository)!;
      objects.push({
        ...RELEASE_TYPES.argocd,
        metadata: {
          name: release.name,
          namespace: deploy.argocd.namespace,
          labels: labelsFor(release.component),
          annotations: release.component === 'main' ? annotations : undefined,
        },
        spec: {
          project: deploy.argocd.project,
          source: {
            repoURL:
              repo.type === 'oci'
                ? repo.url.replace(/^oci:\/\//, '')
                : repo.url,
            chart: release.chart.chart,
            targetRevision: release.chart.version,
            helm: { releaseName: release.name, valuesObject: release.values },
          },
          destination: {
            server: deploy.argocd.destinationServer,
            namespace: id.namespace,
          },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      });
    }
  }
  // Drop undefined annotations so that comparisons with live objects stay exact.
  return objects.map(o => JSON.parse(JSON.stringify(o)) as K8sObject);
}

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
  const type = RELEASE_TYPES[env.config.deploy.driver];
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

/** Applies chart sources and releases, in that order, each only when it changed. */
export async function ensureReleaseObjects(
  env: StepEnv,
  id: InstanceIdentity,
  objects: K8sObject[],
  liveReleases: Map<string, K8sObject>,
): Promise<void> {
  const releaseKind = RELEASE_TYPES[env.config.deploy.driver].kind;
  for (const object of objects) {
    const isRelease = object.kind === releaseKind;
    const result = await ensureK8sObject(env.k8s, id.cluster, object, {
      dryRun: env.dryRun,
      instance: id.name,
      live: isRelease
        ? liveReleases.get(object.metadata.name) ?? null
        : await lookup(env, id.cluster, refOf(object)),
    });
    env.changes.add({
      target: 'kubernetes',
      kind: object.kind,
      name: `${object.metadata.namespace}/${object.metadata.name}`,
      action: result.action,
    });
  }
}

/** Waits until every release reports Ready, logging progress lines. */
export async function waitForReleases(
  env: StepEnv,
  id: InstanceIdentity,
  releaseNames: string[],
  options: { timeoutMs: number; pollIntervalMs: number; signal?: AbortSignal },
): Promise<void> {
  const type = RELEASE_TYPES[env.config.deploy.driver];
  const namespace =
    env.config.deploy.driver === 'argocd'
      ? env.config.deploy.argocd.namespace
      : id.namespace;
  await Promise.all(
    releaseNames.map(name =>
      env.k8s.waitFor(
        id.cluster,
        { ...type, namespace, name },
        {
          check: releaseReadiness,
          timeoutMs: options.timeoutMs,
          pollIntervalMs: options.pollIntervalMs,
          onProgress: line => env.logger.info(line),
          signal: options.signal,
        },
      ),
    ),
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
