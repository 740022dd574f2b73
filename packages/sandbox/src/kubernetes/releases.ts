import type { ChartRepositories } from '../charts/repository';
import { renderChart, RELEASE_UID_LABEL } from './charts';
import type { Cluster } from './cluster';
import type { HelmSources } from './helmSources';
import type { ResourceType } from './resources';
import { deleteIfLive, specOf, statusOf } from './status';
import { objectKey } from './store';
import type { KubeObject } from './types';

/** Storage keys of the resources the release controllers read and write. */
export const R = {
  namespaces: '/namespaces',
  services: '/services',
  deployments: 'apps/deployments',
  statefulsets: 'apps/statefulsets',
  ingresses: 'networking.k8s.io/ingresses',
  helmreleases: 'helm.toolkit.fluxcd.io/helmreleases',
  applications: 'argoproj.io/applications',
} as const;

/**
 * What the release controllers share: where charts come from (when the sandbox serves
 * the contracts' chart repositories) and whether values are checked against schemas.
 */
export interface ReleaseOptions {
  charts?: ChartRepositories;
  sources?: HelmSources;
  /** Validate values against the chart's values.schema.json before installing. */
  validateValues: boolean;
}

/** The outcome of installing a release's objects. */
export interface InstallResult {
  ready: boolean;
  objects: KubeObject[];
  error?: string;
}

/**
 * The part of a deployment tool's controller that Flux and Argo CD share here: render a
 * chart to the stock Deployment, Service and Ingress, apply them, and prune what a
 * previous revision left behind.
 */
export abstract class ReleaseBase {
  constructor(
    protected readonly cluster: Cluster,
    protected readonly options: ReleaseOptions,
  ) {}

  protected type(resource: string): ResourceType {
    return this.cluster.registry.get(resource)!;
  }

  protected get(resource: string, key: string): KubeObject | undefined {
    const i = key.indexOf('/');
    return i < 0
      ? this.cluster.store.get(resource, undefined, key)
      : this.cluster.store.get(resource, key.slice(0, i), key.slice(i + 1));
  }

  /** Deletes what a release generated, except the objects named in `keep`. */
  removeGenerated(releaseUid: string, keep: Set<string>): void {
    const req = [
      { key: RELEASE_UID_LABEL, op: 'in' as const, values: [releaseUid] },
    ];
    for (const resource of [
      R.ingresses,
      R.services,
      R.deployments,
      R.statefulsets,
    ]) {
      for (const { object } of this.cluster.store.select(resource, {
        labels: req,
      })) {
        const id = `${resource}:${objectKey(
          object.metadata.namespace,
          object.metadata.name!,
        )}`;
        if (!keep.has(id)) deleteIfLive(this.cluster, resource, object);
      }
    }
  }

  /** Installs a release's objects; answers whether its workload is available yet. */
  protected install(
    release: KubeObject,
    input: Parameters<typeof renderChart>[0],
    createNamespace: boolean,
    manager: string,
  ): { ready: boolean; objects: KubeObject[]; error?: string } {
    const ns = this.cluster.store.get(R.namespaces, undefined, input.namespace);
    if (!ns) {
      if (!createNamespace)
        return {
          ready: false,
          objects: [],
          error: `namespaces "${input.namespace}" not found`,
        };
      this.cluster.ensure(
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: input.namespace },
        },
        manager,
      );
    } else if (ns.metadata.deletionTimestamp) {
      return {
        ready: false,
        objects: [],
        error: `namespace ${input.namespace} is being terminated`,
      };
    }
    const objects = renderChart(input);
    const keep = new Set<string>();
    for (const obj of objects) {
      this.cluster.ensure(obj, manager);
      const rt = this.cluster.typeOf(obj);
      keep.add(
        `${rt.group}/${rt.plural}:${objectKey(
          obj.metadata.namespace,
          obj.metadata.name!,
        )}`,
      );
    }
    this.removeGenerated(release.metadata.uid!, keep);
    // Ready once every workload is: the stock Deployment and those the hint names.
    const ready = objects
      .filter(o => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .every(workload => {
        const live = this.cluster.store.get(
          workload.kind === 'Deployment' ? R.deployments : R.statefulsets,
          workload.metadata.namespace,
          workload.metadata.name!,
        );
        const want = Number(specOf(workload).replicas ?? 1);
        const st = statusOf(live);
        return (
          !!live &&
          Number(st.observedGeneration ?? 0) >=
            Number(live.metadata.generation ?? 0) &&
          Number(st.availableReplicas ?? st.readyReplicas ?? 0) >= want
        );
      });
    return { ready, objects };
  }
}
