import type {
  DriftReason,
  FleetOrphan,
  FleetOrphansResponse,
  HealthCheck,
  HealthStatus,
} from '@ml-platform/plugin-ml-tools-common';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_ANNOTATIONS,
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
import { parseRoleMappings, WORKLOAD_KINDS } from './instanceTarget';
import type { MlToolsK8sObject, MlToolsKeycloakClientInfo } from './readers';
import {
  indexClientRoleGroups,
  roleMappingDrift,
  type ClientRoleGroups,
} from './roleMappingDrift';
import { releaseCheck } from './releaseStatus';
import type { UpstreamCache } from './UpstreamCache';
import { forEachInTurns } from './inTurns';

/** Releases and the objects instances stand for: the suite's own label. */
export const FLEET_RELEASE_SELECTOR = `${ML_PLATFORM_LABELS.managedBy}=${ML_PLATFORM_MANAGER}`;

/**
 * Workloads a release controller rendered: helm-controller labels every object of a
 * HelmRelease with its name (its "origin labels"), whatever the chart's own labels.
 */
export const FLEET_WORKLOAD_SELECTOR = 'helm.toolkit.fluxcd.io/name';

// Read once: the common package's exports are getters, too slow for a loop over a fleet.
const INSTANCE_LABEL = ML_PLATFORM_LABELS.instance;
const COMPONENT_LABEL = ML_PLATFORM_LABELS.component;

/** The lists of one cluster, as outcomes, indexed by `<Kind>/<namespace>/<name>`. */
interface ClusterLists {
  releases: Outcome<Map<string, MlToolsK8sObject>>;
  workloads: Outcome<Map<string, MlToolsK8sObject>>;
  /**
   * Releases (and main objects) by `<namespace>/<instance label>`: every part of an
   * instance without scanning the cluster's list. Empty when the list was not read.
   */
  releasesByInstance: ReadonlyMap<string, MlToolsK8sObject[]>;
}

/** What a memoised summary was computed from; compared by identity. */
type SummaryInputs = readonly unknown[];

const sameInputs = (a: SummaryInputs, b: SummaryInputs) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The identity of an outcome's content: its index while ok, else the outcome itself. */
const identity = (outcome: Outcome<unknown> | undefined) =>
  outcome?.state === 'ok' ? outcome.value : outcome;

/**
 * Summary of one instance from the fleet lists.
 *
 * @public
 */
export interface FleetSummary {
  status: HealthStatus;
  checks: HealthCheck[];
  /** Undefined where the lists needed to tell could not be read. */
  drift?: DriftReason[];
}

/**
 * Chart name → the version a tool's blueprint pins today.
 *
 * @public
 */
export type PinnedCharts = Readonly<Record<string, string>>;

/** The chart and version a release object names, for either driver. */
function deployedChart(
  obj: MlToolsK8sObject,
): { chart: string; version: string } | undefined {
  const spec = (obj.spec ?? {}) as Record<string, any>;
  if (obj.kind === DEPLOY_KINDS.HelmRelease.kind) {
    const chart = spec.chart?.spec?.chart;
    const version = spec.chart?.spec?.version;
    return typeof chart === 'string' && typeof version === 'string'
      ? { chart, version }
      : undefined;
  }
  if (obj.kind === DEPLOY_KINDS.Application.kind) {
    const chart = spec.source?.chart;
    const version = spec.source?.targetRevision;
    return typeof chart === 'string' && typeof version === 'string'
      ? { chart, version }
      : undefined;
  }
  return undefined;
}

function attribute(
  attributes: Record<string, unknown> | undefined,
  key: string,
): string | undefined {
  const value = attributes?.[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

const origin = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

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

function byInstance(
  releases: Outcome<Map<string, MlToolsK8sObject>>,
): Map<string, MlToolsK8sObject[]> {
  const index = new Map<string, MlToolsK8sObject[]>();
  if (releases.state !== 'ok') return index;
  for (const obj of releases.value.values()) {
    const instance = obj.metadata?.labels?.[INSTANCE_LABEL];
    if (!instance) continue;
    const k = `${obj.metadata?.namespace ?? ''}/${instance}`;
    const parts = index.get(k);
    if (parts) parts.push(obj);
    else index.set(k, [obj]);
  }
  return index;
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
 * Indexes are built once per fetched list and reused until the list is refetched, and
 * each instance's summary is kept until its lists are refetched or its target changes
 * (the service hands the same target object while the entity is unchanged): a warm page
 * over ten thousand instances does lookups, not checks.
 *
 * @internal
 */
export class FleetView {
  private readonly indexes = new WeakMap<object, unknown>();
  /** Per indexed release list, its releases by instance. */
  private readonly partsIndexes = new WeakMap<
    object,
    Map<string, MlToolsK8sObject[]>
  >();
  /** Per target object, its last summary and the list contents it came from. */
  private readonly memo = new WeakMap<
    InstanceTarget,
    { inputs: SummaryInputs; summary: FleetSummary }
  >();

  constructor(
    private readonly options: {
      upstream: UpstreamCache;
      clusterNames: () => string[];
      objectKinds: () => Array<{ apiVersion: string; kind: string }>;
      hasKeycloak: boolean;
      /** Whether the Keycloak reads can list every group's client roles at once. */
      hasRoleMappings?: boolean;
      /** The charts a tool's blueprint pins today, when it can tell. */
      pinnedCharts?: (tool: string) => PinnedCharts | undefined;
    },
  ) {}

  /** Summaries of the targets, by entity ref; the lists are read once for all. */
  async summaries(
    targets: InstanceTarget[],
  ): Promise<Map<string, FleetSummary>> {
    const clusters = new Set(targets.map(t => t.instance.cluster));
    const known = new Set(this.options.clusterNames());
    const withClients =
      this.options.hasKeycloak && targets.some(t => t.clientId);
    const [lists, clients, roleGroups] = await Promise.all([
      Promise.all(
        [...clusters]
          .filter(c => known.has(c))
          .map(async c => [c, await this.clusterLists(c)] as const),
      ),
      withClients ? this.clients() : undefined,
      withClients && this.options.hasRoleMappings
        ? this.roleGroups()
        : undefined,
    ]);
    const byCluster = new Map(lists);
    // Conditions of the kinds the fleet lists (those instances stand for); others, such as
    // a profile's Namespace, are read by the instance's own health check.
    const listed = new Set([
      ...RELEASE_KINDS.map(k => k.kind),
      ...this.options.objectKinds().map(k => k.kind),
    ]);
    const result = new Map<string, FleetSummary>();
    await forEachInTurns(targets, target => {
      const here = byCluster.get(target.instance.cluster);
      // Everything checks and drift read besides the target: any list refetched (or
      // failed) recomputes the summary.
      const inputs: SummaryInputs = [
        here?.releases && identity(here.releases),
        here?.workloads && identity(here.workloads),
        identity(clients),
        identity(roleGroups),
      ];
      const memo = this.memo.get(target);
      if (memo && sameInputs(memo.inputs, inputs)) {
        result.set(target.entityRef, memo.summary);
        return;
      }
      const checks = this.checks(target, here, clients, listed);
      const summary: FleetSummary = {
        status: overallStatus(checks),
        checks,
        drift: this.drift(target, here, clients, roleGroups),
      };
      this.memo.set(target, { inputs, summary });
      result.set(target.entityRef, summary);
    });
    return result;
  }

  /**
   * Pieces the suite made that no instance accounts for, from the same lists: clients
   * of ours whose instance has no release left, and main releases with no catalog
   * entity. `instanceRefs` are the instances the catalog holds.
   */
  async orphans(
    instanceRefs: ReadonlySet<string>,
  ): Promise<FleetOrphansResponse> {
    const names = this.options.clusterNames();
    const lists = new Map(
      await Promise.all(
        names.map(async c => [c, await this.clusterLists(c)] as const),
      ),
    );
    const unreadClusters = names.filter(
      c => lists.get(c)!.releases.state !== 'ok',
    );
    const items: FleetOrphan[] = [];
    const instancesWithReleases = new Set<string>();
    for (const [cluster, l] of lists) {
      if (l.releases.state !== 'ok') continue;
      for (const obj of l.releases.value.values()) {
        const instance = obj.metadata?.labels?.[INSTANCE_LABEL];
        const namespace = obj.metadata?.namespace ?? '';
        if (!instance) continue;
        const ref = `${cluster}/${namespace}/${instance}`;
        instancesWithReleases.add(ref);
        const isMain =
          obj.metadata?.labels?.[COMPONENT_LABEL] === 'main' ||
          obj.metadata?.name === instance;
        if (isMain && !instanceRefs.has(ref)) {
          items.push({
            kind: 'release-without-entity',
            id: ref,
            instanceRef: ref,
            what: `${obj.kind} ${namespace ? `${namespace}/` : ''}${
              obj.metadata?.name
            }`,
            message:
              'No catalog entity stands for this instance: its release names no owner, or its entity was removed by hand. Adopt it under an owner, or remove it.',
          });
        }
      }
    }
    if (this.options.hasKeycloak) {
      const clients = await this.clients();
      if (clients.state === 'ok') {
        for (const client of clients.value.values()) {
          const ref = attribute(
            client.attributes,
            KEYCLOAK_ATTRIBUTES.instance,
          );
          const cluster = ref?.split('/')[0];
          if (!ref || !cluster || !lists.has(cluster)) continue;
          if (lists.get(cluster)!.releases.state !== 'ok') continue;
          if (!instancesWithReleases.has(ref)) {
            items.push({
              kind: 'client-without-release',
              id: client.clientId,
              instanceRef: ref,
              what: `Keycloak client ${client.clientId}`,
              message:
                'Its instance has no release or object left in the cluster: nobody can sign in through it any more. Remove it (with the Secret holding its secret).',
            });
          }
        }
      }
    }
    return { items, unreadClusters };
  }

  private drift(
    target: InstanceTarget,
    lists: ClusterLists | undefined,
    clients: Outcome<Map<string, MlToolsKeycloakClientInfo>> | undefined,
    roleGroups?: Outcome<ClientRoleGroups>,
  ): DriftReason[] | undefined {
    if (!lists || lists.releases.state !== 'ok') return undefined;
    const reasons: DriftReason[] = [];
    const release = target.release;
    const main = release
      ? lists.releases.value.get(
          key(release.kind, release.namespace, release.name),
        )
      : undefined;
    if (release && !main) {
      reasons.push({
        kind: 'release-missing',
        message: `${release.kind} ${
          release.namespace ? `${release.namespace}/` : ''
        }${release.name} is gone from cluster ${target.instance.cluster}.`,
      });
    }
    if (
      main &&
      release?.kind === DEPLOY_KINDS.HelmRelease.kind &&
      lists.workloads.state === 'ok'
    ) {
      const index = lists.workloads.value;
      for (const w of target.health?.workloads ?? []) {
        if (!index.has(key(w.kind, w.namespace, w.name))) {
          reasons.push({
            kind: 'workload-missing',
            message: `${w.kind} ${w.namespace}/${w.name}, which the release renders, is missing.`,
          });
        }
      }
    }
    const pinned = this.options.pinnedCharts?.(target.tool);
    if (pinned) {
      // Every release of the instance: its main one and parts such as an auth proxy.
      const namespace = release?.namespace ?? target.instance.namespace;
      for (const obj of lists.releasesByInstance.get(
        `${namespace}/${target.instance.name}`,
      ) ?? []) {
        const deployed = deployedChart(obj);
        const want = deployed && pinned[deployed.chart];
        if (deployed && want && want !== deployed.version) {
          reasons.push({
            kind: 'pending-upgrade',
            message: `${obj.kind} ${obj.metadata?.name} runs chart ${deployed.chart} ${deployed.version}; the ${target.tool} blueprint now pins ${want}. Run the template again to upgrade.`,
          });
        }
      }
    }
    if (target.clientId && clients) {
      if (clients.state !== 'ok') return undefined;
      const client = clients.value.get(target.clientId);
      if (!client) {
        reasons.push({
          kind: 'client-missing',
          message: `Keycloak client ${target.clientId} is gone: nobody can sign in.`,
        });
      } else {
        if (!client.enabled) {
          reasons.push({
            kind: 'client-disabled',
            message: `Keycloak client ${target.clientId} was disabled in Keycloak: nobody can sign in.`,
          });
        }
        const origins = new Set(
          target.links.map(l => origin(l.url)).filter((o): o is string => !!o),
        );
        const foreign = (client.redirectUris ?? []).filter(uri => {
          const o = origin(uri.replace(/\*$/, ''));
          return !o || !origins.has(o);
        });
        if (origins.size > 0 && foreign.length > 0) {
          reasons.push({
            kind: 'client-changed',
            message: `Keycloak client ${
              target.clientId
            } accepts redirects the suite did not set (${foreign.join(
              ', ',
            )}): changed in Keycloak by hand.`,
          });
        }
        if (roleGroups) {
          if (roleGroups.state !== 'ok') return undefined;
          // The mapping the last deploy wrote on the release, else the entity's copy.
          const recorded = main?.metadata?.annotations?.[
            ML_PLATFORM_ANNOTATIONS.roleMappings
          ]
            ? parseRoleMappings(
                main.metadata.annotations[ML_PLATFORM_ANNOTATIONS.roleMappings],
              )
            : target.roleMappings;
          reasons.push(
            ...roleMappingDrift(target.clientId, recorded, roleGroups.value),
          );
        }
      }
    }
    return reasons;
  }

  private checks(
    target: InstanceTarget,
    lists: ClusterLists | undefined,
    clients: Outcome<Map<string, MlToolsKeycloakClientInfo>> | undefined,
    listed: ReadonlySet<string>,
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
      if (!listed.has(condition.kind)) continue;
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
    const releasesIndex = this.index(releases);
    let parts = this.partsIndexes.get(releasesIndex);
    if (!parts) {
      parts = byInstance(releasesIndex);
      this.partsIndexes.set(releasesIndex, parts);
    }
    return {
      releases: releasesIndex,
      workloads: this.index(workloads),
      releasesByInstance: parts,
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

  private async roleGroups(): Promise<Outcome<ClientRoleGroups>> {
    const outcome = await this.options.upstream.groupClientRoles();
    if (outcome.state !== 'ok') return outcome;
    let index = this.indexes.get(outcome) as ClientRoleGroups | undefined;
    if (!index) {
      index = indexClientRoleGroups(outcome.value);
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
