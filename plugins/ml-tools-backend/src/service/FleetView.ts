import type {
  HealthCheck,
  HealthStatus,
} from '@ml-platform/plugin-ml-tools-common';
import {
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import { DEPLOY_KINDS, RELEASE_KINDS } from '@ml-platform/plugin-ml-tools-node';
import {
  conditionCheck,
  keycloakClientCheck,
  namedWorkloadsCheck,
  overallStatus,
  type Outcome,
} from './checks';
import type { InstanceTarget } from './instanceTarget';
import { WORKLOAD_KINDS } from './instanceTarget';
import type { MlToolsK8sObject, MlToolsKeycloakClientInfo } from './readers';
import { releaseCheck } from './releaseStatus';
import type { UpstreamCache } from './UpstreamCache';

/** Releases and the objects instances stand for: the suite's own label. */
export const FLEET_RELEASE_SELECTOR = `${ML_PLATFORM_LABELS.managedBy}=${ML_PLATFORM_MANAGER}`;

/**
 * Workloads a release controller rendered: helm-controller labels every object of a
 * HelmRelease with its name (its "origin labels"), whatever the chart's own labels.
 */
export const FLEET_WORKLOAD_SELECTOR = 'helm.toolkit.fluxcd.io/name';

/** The lists of one cluster, as outcomes, indexed by `<Kind>/<namespace>/<name>`. */
interface ClusterLists {
  releases: Outcome<Map<string, MlToolsK8sObject>>;
  workloads: Outcome<Map<string, MlToolsK8sObject>>;
}

/** Summary of one instance from the fleet lists. */
export interface FleetSummary {
  status: HealthStatus;
  checks: HealthCheck[];
}

const key = (kind: string, namespace: string | undefined, name: string) =>
  `${kind}/${namespace ?? ''}/${name}`;

function indexed(
  outcome: Outcome<MlToolsK8sObject[]>,
): Outcome<Map<string, MlToolsK8sObject>> {
  if (outcome.state !== 'ok') return outcome;
  const index = new Map<string, MlToolsK8sObject>();
  for (const obj of outcome.value) {
    const name = obj.metadata?.name;
    if (!obj.kind || !name) continue;
    index.set(key(obj.kind, obj.metadata?.namespace, name), obj);
  }
  return { ...outcome, value: index };
}

function lookup(
  outcome: Outcome<Map<string, MlToolsK8sObject>>,
  kind: string,
  namespace: string | undefined,
  name: string,
): Outcome<MlToolsK8sObject | undefined> {
  if (outcome.state !== 'ok') return outcome;
  return { ...outcome, value: outcome.value.get(key(kind, namespace, name)) };
}

/**
 * The health of every instance from a constant number of upstream calls: per cluster,
 * one label-selected list per release kind, per kind of the blueprints' plain objects
 * and per workload kind, and one list of the suite's Keycloak clients, whatever the
 * number of instances. The lists go through the routes' cache (same TTL, same per-server
 * timeouts and single flight), so the ML tools page, its filters and the cards share
 * them.
 *
 * Indexes are built once per fetched list and reused until the list is refetched.
 *
 * @internal
 */
export class FleetView {
  private readonly indexes = new WeakMap<object, unknown>();

  constructor(
    private readonly options: {
      upstream: UpstreamCache;
      clusterNames: () => string[];
      objectKinds: () => Array<{ apiVersion: string; kind: string }>;
      hasKeycloak: boolean;
    },
  ) {}

  /** Summaries of the targets, by entity ref; the lists are read once for all. */
  async summaries(
    targets: InstanceTarget[],
  ): Promise<Map<string, FleetSummary>> {
    const clusters = new Set(targets.map(t => t.instance.cluster));
    const known = new Set(this.options.clusterNames());
    const [lists, clients] = await Promise.all([
      Promise.all(
        [...clusters]
          .filter(c => known.has(c))
          .map(async c => [c, await this.clusterLists(c)] as const),
      ),
      this.options.hasKeycloak && targets.some(t => t.clientId)
        ? this.clients()
        : undefined,
    ]);
    const byCluster = new Map(lists);
    const result = new Map<string, FleetSummary>();
    for (const target of targets) {
      const checks = this.checks(
        target,
        byCluster.get(target.instance.cluster),
        clients,
      );
      result.set(target.entityRef, { status: overallStatus(checks), checks });
    }
    return result;
  }

  private checks(
    target: InstanceTarget,
    lists: ClusterLists | undefined,
    clients: Outcome<Map<string, MlToolsKeycloakClientInfo>> | undefined,
  ): HealthCheck[] {
    const checks: HealthCheck[] = [];
    const unconfigured: Outcome<never> = {
      state: 'failed',
      reason: `Cluster "${target.instance.cluster}" is not configured in mlTools.clusters`,
      fetchedAt: Date.now(),
    };
    const release = target.release;
    if (release) {
      checks.push(
        releaseCheck(
          release.kind,
          lists
            ? lookup(
                lists.releases,
                release.kind,
                release.namespace,
                release.name,
              )
            : unconfigured,
        ),
      );
    }
    // Argo CD folds its resources' health into the Application's; helm-controller does
    // not, so the workloads of Flux releases are checked from their own list.
    const workloads = target.health?.workloads ?? [];
    if (
      workloads.length > 0 &&
      release?.kind === DEPLOY_KINDS.HelmRelease.kind
    ) {
      checks.push(
        namedWorkloadsCheck(
          workloads.map(workload => ({
            workload,
            outcome: lists
              ? lookup(
                  lists.workloads,
                  workload.kind,
                  workload.namespace,
                  workload.name,
                )
              : unconfigured,
          })),
        ),
      );
    }
    for (const condition of target.health?.conditions ?? []) {
      checks.push(
        conditionCheck(
          condition,
          lists
            ? lookup(
                lists.releases,
                condition.kind,
                condition.namespace,
                condition.name,
              )
            : unconfigured,
        ),
      );
    }
    if (clients && target.clientId) {
      const clientId = target.clientId;
      checks.push(
        keycloakClientCheck(
          clientId,
          clients.state === 'ok'
            ? { ...clients, value: clients.value.get(clientId) }
            : clients,
        ),
      );
    }
    return checks;
  }

  private async clusterLists(cluster: string): Promise<ClusterLists> {
    const objectKinds = this.options
      .objectKinds()
      .filter(k => !RELEASE_KINDS.some(r => r.kind === k.kind));
    const [releases, workloads] = await Promise.all([
      this.options.upstream.list(
        cluster,
        { labelSelector: FLEET_RELEASE_SELECTOR },
        [...RELEASE_KINDS, ...objectKinds].map(
          k => [k.apiVersion, k.kind] as [string, string],
        ),
      ),
      this.options.upstream.list(
        cluster,
        { labelSelector: FLEET_WORKLOAD_SELECTOR },
        WORKLOAD_KINDS.map(k => ['apps/v1', k] as [string, string]),
      ),
    ]);
    return {
      releases: this.index(releases),
      workloads: this.index(workloads),
    };
  }

  private async clients(): Promise<
    Outcome<Map<string, MlToolsKeycloakClientInfo>>
  > {
    const outcome = await this.options.upstream.managedClients();
    if (outcome.state !== 'ok') return outcome;
    let index = this.indexes.get(outcome) as
      | Map<string, MlToolsKeycloakClientInfo>
      | undefined;
    if (!index) {
      index = new Map(outcome.value.map(c => [c.clientId, c]));
      this.indexes.set(outcome, index);
    }
    return { ...outcome, value: index };
  }

  private index(
    outcome: Outcome<MlToolsK8sObject[]>,
  ): Outcome<Map<string, MlToolsK8sObject>> {
    let found = this.indexes.get(outcome) as
      | Outcome<Map<string, MlToolsK8sObject>>
      | undefined;
    if (!found) {
      found = indexed(outcome);
      this.indexes.set(outcome, found);
    }
    return found;
  }
}
