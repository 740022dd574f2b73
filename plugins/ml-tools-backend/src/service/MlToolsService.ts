import type { LoggerService } from '@backstage/backend-plugin-api';
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import {
  isError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  keycloakGroupEntityRef,
  keycloakUserEntityRef,
  type AccessRole,
  type FleetOrphansResponse,
  type HealthCheck,
  type HealthStatus,
  type InstanceAccessResponse,
  type InstanceHealthResponse,
  type InstanceLinksResponse,
  type KeycloakClientSummaryResponse,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  type UserFederationHealthResponse,
} from '@ml-platform/plugin-ml-tools-common';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  readMlToolsConfig,
  blueprintParts,
  createBlueprintContext,
  mainObjectKinds,
  type AnyToolBlueprint,
  type BlueprintRegistry,
  type MlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import type { JsonObject } from '@backstage/types';
import { LRUCache } from 'lru-cache';
import { DateTime } from 'luxon';
import {
  conditionCheck,
  ingressCheck,
  ingressUrl,
  keycloakClientCheck,
  namedWorkloadsCheck,
  oidcCheck,
  overallStatus,
  podsCheck,
  workloadsCheck,
  type Outcome,
} from './checks';
import { readMlToolsBackendConfig, type MlToolsBackendConfig } from './config';
import { createGatewayReads } from './gatewayReads';
import {
  instanceSignature,
  resolveInstance,
  type InstanceTarget,
} from './instanceTarget';
import type {
  MlToolsClusterReads,
  MlToolsKeycloakMember,
  MlToolsKeycloakReads,
} from './readers';
import { consoleUrl, keycloakClientSummary } from './keycloakClientSummary';
import { releaseCheck } from './releaseStatus';
import { UpstreamCache } from './UpstreamCache';
import { FleetView, type FleetSummary, type PinnedCharts } from './FleetView';
import { forEachInTurns } from './inTurns';

/**
 * The charts a blueprint pins today, by chart name: its parts rendered for a probe
 * instance with default parameters. Undefined when its parameters have no defaults
 * (then pending upgrades of its instances are not reported).
 */
function pinnedChartsOf(
  blueprint: AnyToolBlueprint,
  config: MlToolsConfig,
): PinnedCharts | undefined {
  const params = blueprint.parameters.safeParse({});
  if (!params.success) return undefined;
  try {
    const ctx = createBlueprintContext(config, {
      blueprint,
      instance: { cluster: 'probe', namespace: 'probe', name: 'probe' },
      owner: 'group:default/probe',
      params: params.data as JsonObject,
      roleMappings: {},
    });
    const charts: Record<string, string> = {};
    for (const part of blueprintParts(blueprint, ctx)) {
      if (part.type === 'release')
        charts[part.chart.chart] = part.chart.version;
    }
    return charts;
  } catch {
    return undefined;
  }
}

/** Summaries of overall health, shown on the instance list, live this long. */
const SUMMARY_TTL_MS = 5 * 60_000;

/**
 * The facts of a tool blueprint the routes show and read by.
 *
 * @public
 */
export interface MlToolsBlueprintFacts {
  title?: string;
  docsUrl?: string;
  roles?: Array<{ name: string; description: string }>;
  /** Icon name or `https://` URL, for the instance list. */
  icon?: string;
  /** Category, for the instance list. */
  category?: string;
  /**
   * Kinds of the blueprint's plain objects: where an instance that a custom resource
   * stands for is read, and which kinds its health conditions may name.
   */
  objectKinds?: Array<{ apiVersion: string; kind: string }>;
  /** How access to the tool works, for the access card (see `InstanceAccessResponse`). */
  accessNote?: string;
}

/**
 * Options of {@link MlToolsService}.
 *
 * @public
 */
export interface MlToolsServiceOptions {
  config: MlToolsBackendConfig;
  clusters: MlToolsClusterReads;
  keycloak?: MlToolsKeycloakReads;
  logger: LoggerService;
  /** What the tool's blueprint says (role descriptions, docs), when one is known. */
  blueprint?: (tool: string) => MlToolsBlueprintFacts | undefined;
  /** The plain-object kinds of every known blueprint, listed for the fleet view. */
  objectKinds?: () => Array<{ apiVersion: string; kind: string }>;
  /** Chart name → version the tool's blueprint pins today (for pending upgrades). */
  pinnedCharts?: (tool: string) => PinnedCharts | undefined;
}

/**
 * Reads the live state of tool instances for the routes (through a cache with per-server
 * timeouts, see UpstreamCache), and turns it into health, access and links answers.
 *
 * @public
 */
export class MlToolsService {
  private readonly upstream: UpstreamCache;
  private readonly summaries: LRUCache<
    string,
    { status: HealthStatus; uiUrl?: string }
  >;
  /**
   * Resolved instances of the list, by entity ref, with the signature of the entity they
   * came from: a warm page reuses them (and the fleet view its summaries of them).
   */
  private readonly targets = new LRUCache<
    string,
    { signature: string; target: InstanceTarget }
  >({ max: 100_000 });

  /**
   * Builds the service over the gateways of `@ml-platform/plugin-ml-tools-node`, from
   * `mlTools` config, with the blueprint facts of the shared registry (the built-ins when
   * none is given). Reads are retried less than writes: a page asks again soon anyway,
   * and the per-server timeout bounds every answer.
   */
  static fromConfig(
    config: Config,
    deps: { logger: LoggerService; blueprints?: BlueprintRegistry },
  ): MlToolsService {
    const mlTools = readMlToolsConfig(config);
    const retry = { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 };
    const registry =
      deps.blueprints ??
      DefaultBlueprintRegistry.create([...builtInBlueprints]);
    const pinned = new Map<string, PinnedCharts | undefined>();
    return new MlToolsService({
      config: readMlToolsBackendConfig(config),
      logger: deps.logger,
      ...createGatewayReads({
        kubernetes: new KubernetesClientGateway({
          clusters: mlTools.clusters,
          logger: deps.logger,
          retry,
        }),
        keycloak: new KeycloakAdminGateway({
          config: mlTools.keycloak,
          logger: deps.logger,
          retry,
        }),
      }),
      pinnedCharts: tool => {
        // Blueprints do not change once the backend started: computed once per tool.
        if (!pinned.has(tool)) {
          const blueprint = registry.find(tool);
          pinned.set(
            tool,
            blueprint ? pinnedChartsOf(blueprint, mlTools) : undefined,
          );
        }
        return pinned.get(tool);
      },
      // Only the kinds instances stand for: the fleet finds instances by them.
      objectKinds: () => {
        const kinds = new Map<string, { apiVersion: string; kind: string }>();
        for (const b of registry.list()) {
          for (const k of mainObjectKinds(b)) {
            kinds.set(`${k.apiVersion}/${k.kind}`, k);
          }
        }
        return [...kinds.values()];
      },
      // Looked up per request: the registry is complete only once the backend started.
      blueprint: tool => {
        const blueprint = registry.find(tool);
        return blueprint
          ? {
              title: blueprint.title,
              docsUrl: blueprint.docsUrl,
              roles: blueprint.keycloak?.roles,
              icon: blueprint.icon,
              category: blueprint.category,
              objectKinds: blueprint.objectKinds,
              accessNote:
                blueprint.accessNote ?? blueprint.keycloak?.enforcedBy,
            }
          : undefined;
      },
    });
  }

  private readonly fleet: FleetView;

  constructor(private readonly options: MlToolsServiceOptions) {
    this.upstream = new UpstreamCache(options);
    this.summaries = new LRUCache({ max: 100_000, ttl: SUMMARY_TTL_MS });
    this.fleet = new FleetView({
      upstream: this.upstream,
      clusterNames: () => options.clusters.clusterNames(),
      objectKinds: () => options.objectKinds?.() ?? [],
      hasKeycloak: Boolean(
        options.keycloak?.listManagedClients && options.config.keycloak,
      ),
      hasRoleMappings: Boolean(options.keycloak?.listAllGroupClientRoles),
      pinnedCharts: tool => options.pinnedCharts?.(tool),
    });
  }

  /**
   * Pieces of the fleet no instance accounts for; `instanceRefs` are the
   * `<cluster>/<namespace>/<name>` of the instances the catalog holds.
   */
  orphans(instanceRefs: ReadonlySet<string>): Promise<FleetOrphansResponse> {
    return this.fleet.orphans(instanceRefs);
  }

  /**
   * Overall health of many instances at once, from the fleet lists: a constant number
   * of upstream calls per cache period, whatever the number of instances (see
   * FleetView). Entities that are not instances are left out.
   */
  async fleetHealth(entities: Entity[]): Promise<Map<string, FleetSummary>> {
    const targets: InstanceTarget[] = [];
    await forEachInTurns(entities, entity => {
      const entityRef = stringifyEntityRef(entity);
      const signature = instanceSignature(entity);
      const known = this.targets.get(entityRef);
      if (known?.signature === signature) {
        targets.push(known.target);
        return;
      }
      try {
        const target = this.resolveInstance(entity);
        this.targets.set(entityRef, { signature, target });
        targets.push(target);
      } catch {
        // Not an instance (or a malformed one): the list shows it as unknown.
      }
    });
    return this.fleet.summaries(targets);
  }

  /** What the registry says of a tool, when its blueprint is registered. */
  blueprintFacts(tool: string): MlToolsBlueprintFacts | undefined {
    return this.options.blueprint?.(tool);
  }

  /**
   * Resolves an entity into an instance; NotFoundError when it is not one of ours.
   *
   * @internal
   */
  resolveInstance(entity: Entity): InstanceTarget {
    return resolveInstance(entity, {
      keycloak: this.options.config.keycloak,
      objectKinds: tool => this.blueprintFacts(tool)?.objectKinds ?? [],
    });
  }

  /** Every check of the instance, run in parallel, each bounded by its server's timeout. */
  async health(entity: Entity): Promise<InstanceHealthResponse> {
    const target = this.resolveInstance(entity);
    const outcomes: Array<Promise<[HealthCheck, number]>> = [];
    const add = <T>(
      outcome: Promise<Outcome<T>>,
      toCheck: (o: Outcome<T>) => HealthCheck,
    ) =>
      outcomes.push(
        outcome.then(o => [toCheck(o), o.fetchedAt] as [HealthCheck, number]),
      );
    const { cluster } = target.instance;

    const release = target.release;
    if (release) {
      add(this.upstream.object(cluster, release), o =>
        releaseCheck(release.kind, o),
      );
    }
    if (target.health) {
      outcomes.push(this.namedWorkloads(target, target.health.workloads));
      const allowed = this.blueprintFacts(target.tool)?.objectKinds ?? [];
      for (const condition of target.health.conditions) {
        if (!allowed.some(k => k.kind === condition.kind)) {
          // Catalog data must not make the backend read any kind it likes: a condition
          // may only name the kinds of the tool's own objects.
          outcomes.push(
            Promise.resolve([
              {
                id: `condition:${condition.title}`,
                title: condition.title,
                status: 'unknown',
                reason: `${condition.kind} is not a kind of the ${target.tool} blueprint's objects, so it is not read`,
              },
              Date.now(),
            ]),
          );
          continue;
        }
        add(this.upstream.object(cluster, condition), o =>
          conditionCheck(condition, o),
        );
      }
    } else if (target.selector) {
      // Instances deployed before the health annotation: every workload of the selector.
      add(this.workloads(target), workloadsCheck);
    }
    if (target.selector) {
      add(this.pods(target), podsCheck);
      add(this.ingresses(target), ingressCheck);
    }
    if (this.options.keycloak && this.options.config.keycloak) {
      const clientId = target.clientId;
      if (clientId) {
        add(this.upstream.client(clientId), o =>
          keycloakClientCheck(clientId, o),
        );
      }
      const realm = this.options.config.keycloak.realm;
      add(this.upstream.oidc(), o => oidcCheck(realm, o));
    }
    // Drift comes from the fleet lists the ML tools page shares (cached alike).
    const fleet = this.fleet.summaries([target]);
    const settled = await Promise.all(outcomes);
    const drift = (await fleet).get(target.entityRef)?.drift;
    const checks = settled.map(([check]) => check);
    const oldest = Math.min(...settled.map(([, at]) => at), Date.now());
    const status = overallStatus(checks);
    const ingress = checks.find(c => c.id === 'ingress')?.details?.url;
    this.summaries.set(target.entityRef, {
      status,
      uiUrl: typeof ingress === 'string' ? ingress : undefined,
    });
    return {
      entityRef: target.entityRef,
      status,
      checks,
      fetchedAt: DateTime.fromMillis(oldest).toUTC().toISO()!,
      ...(drift ? { drift } : {}),
    };
  }

  /** Roles of the instance, the groups granting each, their sizes and maybe members. */
  async access(
    entity: Entity,
    options: { includeMembers: boolean },
  ): Promise<InstanceAccessResponse> {
    const target = this.resolveInstance(entity);
    const facts = this.options.blueprint?.(target.tool);
    const descriptions = Object.fromEntries(
      (facts?.roles ?? []).map(r => [r.name, r.description]),
    );
    const roleNames = [
      ...new Set([
        ...Object.keys(descriptions),
        ...Object.keys(target.roleMappings),
        ...Object.keys(target.roleUsers),
      ]),
    ];
    const paths = [...new Set(Object.values(target.roleMappings).flat())];
    const groups = new Map<
      string,
      { id: string; members: MlToolsKeycloakMember[] } | undefined
    >();
    await Promise.all(
      paths.map(async path => {
        const outcome = await this.upstream.group(path);
        if (outcome.state !== 'ok') {
          throw new ServiceUnavailableError(
            `Could not read Keycloak group ${path}: ${outcome.reason}`,
          );
        }
        groups.set(path, outcome.value);
      }),
    );
    const roles: AccessRole[] = roleNames.map(role => ({
      role,
      ...(descriptions[role] ? { description: descriptions[role] } : {}),
      groups: (target.roleMappings[role] ?? []).map(path => {
        const group = groups.get(path);
        return {
          path,
          entityRef: keycloakGroupEntityRef(path),
          exists: Boolean(group),
          memberCount: group?.members.length ?? 0,
          ...(options.includeMembers
            ? {
                members: (group?.members ?? []).map(m => ({
                  username: m.username,
                  ...(m.email ? { email: m.email } : {}),
                  entityRef: keycloakUserEntityRef(m.username),
                })),
              }
            : {}),
        };
      }),
      ...((target.roleUsers[role] ?? []).length
        ? {
            userCount: target.roleUsers[role].length,
            ...(options.includeMembers
              ? { users: [...target.roleUsers[role]].sort() }
              : {}),
          }
        : {}),
    }));
    return {
      entityRef: target.entityRef,
      roles,
      membersVisible: options.includeMembers,
      ...(facts?.accessNote ? { note: facts.accessNote } : {}),
    };
  }

  /** Links of the instance: its catalog links, the live ingress URL, the client console. */
  async links(entity: Entity): Promise<InstanceLinksResponse> {
    const target = this.resolveInstance(entity);
    const links = [...target.links];
    const [ingresses, client] = await Promise.all([
      target.selector ? this.ingresses(target) : undefined,
      target.clientId ? this.upstream.client(target.clientId) : undefined,
    ]);
    const url =
      ingresses?.state === 'ok' ? ingressUrl(ingresses.value) : undefined;
    if (url && !links.some(l => l.url.replace(/\/$/, '') === url)) {
      links.unshift({
        title: `Open ${target.tool}`,
        url,
        type: 'ui',
        icon: 'web',
      });
    }
    if (client?.state === 'ok' && client.value) {
      const clientConsole = consoleUrl(
        this.options.config.keycloak!,
        client.value.id,
      );
      // The deploy action already records the console link among the catalog links.
      if (!links.some(l => l.url === clientConsole)) {
        links.push({
          title: 'Keycloak client',
          url: clientConsole,
          type: 'keycloak-console',
          icon: 'dashboard',
        });
      }
    }
    const docsUrl = this.options.blueprint?.(target.tool)?.docsUrl;
    if (docsUrl && !links.some(l => l.url === docsUrl)) {
      links.push({
        title: `${
          this.options.blueprint?.(target.tool)?.title ?? target.tool
        } documentation`,
        url: docsUrl,
        type: 'docs',
        icon: 'docs',
      });
    }
    return { entityRef: target.entityRef, links };
  }

  /** The summary of the Keycloak client of an instance or of a keycloak-client Resource. */
  async keycloakClient(entity: Entity): Promise<KeycloakClientSummaryResponse> {
    return keycloakClientSummary(entity, {
      config: this.options.config,
      upstream: this.upstream,
      hasKeycloak: Boolean(this.options.keycloak),
    });
  }

  /**
   * Health of a `user-federation` Resource: its last sync, users and groups, and
   * Keycloak's test of the stored bind. Never the credential.
   */
  async userFederationHealth(
    entity: Entity,
  ): Promise<UserFederationHealthResponse> {
    const entityRef = stringifyEntityRef(entity);
    const value =
      entity.metadata.annotations?.[
        ML_TOOLS_ENTITY_ANNOTATIONS.keycloakFederation
      ];
    const slash = value?.indexOf('/') ?? -1;
    const reads = this.options.keycloak;
    if (!value || slash <= 0 || !reads?.userFederation) {
      throw new NotFoundError(`${entityRef} is not a user federation`);
    }
    const realm = value.slice(0, slash);
    const name = value.slice(slash + 1);
    const signal = AbortSignal.timeout(this.options.config.keycloakTimeoutMs);
    let facts: Awaited<ReturnType<NonNullable<typeof reads.userFederation>>>;
    try {
      facts = await reads.userFederation(realm, name, { signal });
    } catch (error) {
      throw new ServiceUnavailableError(
        `Could not read user federation ${realm}/${name}: ${
          isError(error) ? error.message : String(error)
        }`,
      );
    }
    if (!facts) {
      return {
        status: 'error',
        realm,
        name,
        users: 0,
        groups: 0,
        errors: [`Keycloak realm ${realm} has no user federation ${name}`],
      };
    }
    const errors: string[] = [];
    if (facts.bindError) {
      errors.push(
        facts.bindError === 'AuthenticationFailure'
          ? 'The directory refuses the stored bind DN and credential'
          : `Keycloak cannot reach the directory (${facts.bindError})`,
      );
    }
    if (!facts.enabled) errors.push('The federation is disabled');
    let status: HealthStatus = facts.lastSync ? 'ok' : 'degraded';
    if (errors.length) status = 'error';
    return {
      status,
      realm,
      name,
      ...(facts.connectionUrl ? { connectionUrl: facts.connectionUrl } : {}),
      ...(facts.vendor ? { vendor: facts.vendor } : {}),
      ...(facts.editMode ? { editMode: facts.editMode } : {}),
      ...(facts.lastSync
        ? { lastSync: new Date(facts.lastSync * 1000).toISOString() }
        : {}),
      users: facts.users,
      groups: facts.groups.length,
      errors: facts.lastSync ? errors : [...errors, 'Never synced'],
      ...(this.options.config.keycloak
        ? {
            consoleUrl: `${
              this.options.config.keycloak.consoleBaseUrl
            }/admin/master/console/#/${encodeURIComponent(
              realm,
            )}/user-federation/ldap/${encodeURIComponent(facts.id)}`,
          }
        : {}),
    };
  }

  /** Last known overall health and UI URL of an instance, without any upstream call. */
  cachedSummary(
    entityRef: string,
  ): { status: HealthStatus; uiUrl?: string } | undefined {
    return this.summaries.get(entityRef);
  }

  /** Names of the configured clusters. */
  clusterNames(): string[] {
    return this.options.clusters.clusterNames();
  }

  /** Each workload the health annotation names, read on its own: one missing is named. */
  private async namedWorkloads(
    target: InstanceTarget,
    workloads: Array<{ kind: string; name: string; namespace: string }>,
  ): Promise<[HealthCheck, number]> {
    const reads = await Promise.all(
      workloads.map(async workload => ({
        workload,
        outcome: await this.upstream.object(target.instance.cluster, {
          apiVersion: 'apps/v1',
          ...workload,
        }),
      })),
    );
    return [
      namedWorkloadsCheck(reads),
      Math.min(...reads.map(r => r.outcome.fetchedAt), Date.now()),
    ];
  }

  private selected(target: InstanceTarget, kinds: Array<[string, string]>) {
    return this.upstream.list(
      target.instance.cluster,
      { namespace: target.workloadNamespace, labelSelector: target.selector },
      kinds,
    );
  }

  private workloads(target: InstanceTarget) {
    return this.selected(target, [
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
    ]);
  }

  private pods(target: InstanceTarget) {
    return this.selected(target, [['v1', 'Pod']]);
  }

  private ingresses(target: InstanceTarget) {
    return this.selected(target, [['networking.k8s.io/v1', 'Ingress']]);
  }
}
