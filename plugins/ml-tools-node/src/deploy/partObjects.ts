import { InputError, NotFoundError } from '@backstage/errors';
import type { MlToolsConfig } from '../config/readMlToolsConfig';
import { MAIN_COMPONENT } from '../blueprints/context';
import { instanceLabels } from '../blueprints/labels';
import type {
  BlueprintContext,
  BlueprintPart,
  BlueprintRelease,
} from '../blueprints/types';
import type { K8sObject, K8sObjectRef } from '../kubernetes/types';
import { DEPLOY_KINDS } from './kinds';

/**
 * Who the objects of an instance belong to: they carry these in their labels.
 *
 * @public
 */
export interface PartOwner {
  name: string;
  namespace: string;
  tool: string;
  ownerName: string;
}

/**
 * One object to apply, in order, and whether to wait for it before the next.
 *
 * @public
 */
export interface PartObject {
  object: K8sObject;
  component: string;
  /** A release (HelmRelease or Application) rather than a chart source or plain object. */
  isRelease: boolean;
  waitForReady: boolean;
  /** An object a controller makes from this one, waited for until it exists. */
  waitForObject?: K8sObjectRef;
}

/** The Secret a `valuesFrom` entry names. */
function valuesSecretName(
  ctx: BlueprintContext,
  secret: string,
  field: string,
): string {
  if (secret === 'secrets') return ctx.secretName;
  const key = secret.replace(/^client:/, '');
  const client = ctx.keycloak?.clients[key];
  if (!client) {
    throw new Error(`${field}: the instance has no Keycloak client "${key}"`);
  }
  return client.secretName;
}

/**
 * Refuses, before any write, what a driver cannot carry: Argo CD has no way to take
 * release values from a Secret, and a secret value must never be written in values.
 *
 * @public
 */
export function assertDriverSupports(
  config: Pick<MlToolsConfig, 'deploy'>,
  blueprintId: string,
  parts: BlueprintPart[],
): void {
  const withSecrets = parts.filter(
    (p): p is BlueprintRelease =>
      p.type === 'release' && (p.valuesFrom?.length ?? 0) > 0,
  );
  if (config.deploy.driver === 'argocd' && withSecrets.length > 0) {
    throw new InputError(
      `Blueprint "${blueprintId}" passes values from Secrets to ${withSecrets
        .map(r => r.name)
        .join(
          ', ',
        )}, which the argocd driver cannot do without writing them into the Application; use mlTools.deploy.driver flux`,
    );
  }
  const repos = new Set(config.deploy.chartRepositories.map(r => r.name));
  for (const part of parts) {
    if (part.type === 'release' && !repos.has(part.chart.repository)) {
      throw new NotFoundError(
        `Chart repository "${part.chart.repository}" is not configured under mlTools.deploy.chartRepositories`,
      );
    }
  }
}

function releaseObject(
  config: Pick<MlToolsConfig, 'deploy'>,
  id: PartOwner,
  ctx: BlueprintContext,
  release: BlueprintRelease,
  metadata: K8sObject['metadata'],
  repoObjectName: (repo: string) => string,
): K8sObject {
  const { deploy } = config;
  if (deploy.driver === 'flux') {
    return {
      apiVersion: DEPLOY_KINDS.HelmRelease.apiVersion,
      kind: DEPLOY_KINDS.HelmRelease.kind,
      metadata,
      spec: {
        interval: deploy.flux.interval,
        releaseName: release.name,
        chart: {
          spec: {
            chart: release.chart.chart,
            version: release.chart.version,
            sourceRef: {
              kind: DEPLOY_KINDS.HelmRepository.kind,
              name: repoObjectName(release.chart.repository),
              namespace: id.namespace,
            },
          },
        },
        install: { remediation: { retries: 3 } },
        upgrade: { remediation: { retries: 3 } },
        values: release.values,
        ...(release.valuesFrom?.length
          ? {
              valuesFrom: release.valuesFrom.map(v => ({
                kind: 'Secret',
                name: valuesSecretName(ctx, v.secret, 'valuesFrom'),
                valuesKey: v.key,
                targetPath: v.targetPath,
              })),
            }
          : {}),
      },
    };
  }
  const repo = deploy.chartRepositories.find(
    r => r.name === release.chart.repository,
  )!;
  return {
    apiVersion: DEPLOY_KINDS.Application.apiVersion,
    kind: DEPLOY_KINDS.Application.kind,
    metadata: { ...metadata, namespace: deploy.argocd.namespace },
    spec: {
      project: deploy.argocd.project,
      source: {
        repoURL:
          repo.type === 'oci' ? repo.url.replace(/^oci:\/\//, '') : repo.url,
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
  };
}

/**
 * The objects a deploy driver writes for an instance's parts, in the order they are
 * applied: the Flux chart sources first, then each part. The `main` part carries the
 * instance's annotations; every object carries the instance's labels with its
 * component. Pure: the same input gives the same objects (what drift checks compare).
 *
 * @public
 */
export function buildPartObjects(
  config: Pick<MlToolsConfig, 'deploy'>,
  id: PartOwner,
  ctx: BlueprintContext,
  parts: BlueprintPart[],
  annotations: Record<string, string>,
): PartObject[] {
  const repoObjectName = (repo: string) => `${id.name}-${repo}`;
  const labelsFor = (component: string) =>
    instanceLabels({
      instance: id.name,
      tool: id.tool,
      ownerName: id.ownerName,
      component,
    });
  const out: PartObject[] = [];
  if (config.deploy.driver === 'flux') {
    const repoByName = new Map(
      config.deploy.chartRepositories.map(r => [r.name, r]),
    );
    const used = [
      ...new Set(
        parts.flatMap(p => (p.type === 'release' ? [p.chart.repository] : [])),
      ),
    ].sort();
    for (const name of used) {
      const repo = repoByName.get(name)!;
      out.push({
        component: 'chart-source',
        isRelease: false,
        waitForReady: false,
        object: {
          apiVersion: DEPLOY_KINDS.HelmRepository.apiVersion,
          kind: DEPLOY_KINDS.HelmRepository.kind,
          metadata: {
            name: repoObjectName(name),
            namespace: id.namespace,
            labels: labelsFor('chart-source'),
          },
          spec: {
            interval: config.deploy.flux.interval,
            url: repo.url,
            ...(repo.type === 'oci' ? { type: 'oci' } : {}),
          },
        },
      });
    }
  }
  for (const part of parts) {
    const isMain = part.component === MAIN_COMPONENT;
    if (part.type === 'release') {
      out.push({
        component: part.component,
        isRelease: true,
        waitForReady: !!part.waitForReady,
        object: releaseObject(
          config,
          id,
          ctx,
          part,
          {
            name: part.name,
            namespace: id.namespace,
            labels: labelsFor(part.component),
            annotations: isMain ? annotations : undefined,
          },
          repoObjectName,
        ),
      });
    } else {
      const manifest = part.manifest;
      out.push({
        component: part.component,
        isRelease: false,
        waitForReady: !!part.waitForReady,
        ...(part.waitForObject ? { waitForObject: part.waitForObject } : {}),
        object: {
          ...manifest,
          metadata: {
            ...manifest.metadata,
            labels: {
              ...manifest.metadata.labels,
              ...labelsFor(part.component),
            },
            annotations: isMain
              ? { ...manifest.metadata.annotations, ...annotations }
              : manifest.metadata.annotations,
          },
        },
      });
    }
  }
  // Drop undefined fields so that comparisons with live objects stay exact.
  return out.map(p => ({
    ...p,
    object: JSON.parse(JSON.stringify(p.object)) as K8sObject,
  }));
}
