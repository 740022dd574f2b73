import type {
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import {
  assertError,
  InputError,
  isError,
  NotFoundError,
} from '@backstage/errors';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
  ML_TOOLS_CATALOG_REFRESH_TOPIC,
  type MlToolsCatalogRefreshEvent,
} from '@ml-platform/plugin-ml-tools-common';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  readMlToolsConfig,
  type BlueprintRegistry,
} from '@ml-platform/plugin-ml-tools-node';
import { isOurKeycloakClient, keycloakClientToEntity } from './clientEntity';
import { readMlToolsCatalogConfig, type MlToolsCatalogConfig } from './config';
import { federationsToEntities } from './federationEntity';
import { createGatewayReaders } from './gatewayReaders';
import {
  instanceToEntities,
  ML_TOOLS_INSTANCE_SELECTOR,
  type MlToolsToolFacts,
} from './entities';
import { instanceKinds } from './kinds';
import type { MlToolsClusterReader, MlToolsKeycloakReader } from './types';
import { sourceLocation, type TransformResult } from './values';

/** Items transformed between two yields to the event loop. */
const TRANSFORM_CHUNK = 100;

/**
 * The readers behind the provider, one per configured source.
 *
 * @public
 */
export interface MlToolsCatalogReaders {
  /** A reader for a cluster named in `mlTools.clusters`. */
  cluster(name: string): MlToolsClusterReader;
  /** A reader for the realm of `mlTools.keycloak`. */
  keycloak(): MlToolsKeycloakReader;
}

/**
 * What one cycle of one source did.
 *
 * @public
 */
export interface MlToolsRefreshResult {
  /** The provider name, for example `ml-tools:cluster:sandbox`. */
  source: string;
  ok: boolean;
  /** Entities sent in the full mutation; absent when the source failed. */
  entities?: number;
  durationMs: number;
  error?: string;
}

/**
 * Dependencies of {@link MlToolsEntityProvider.fromConfig}.
 *
 * @public
 */
export interface MlToolsEntityProviderDeps {
  logger: LoggerService;
  /**
   * The reads behind each source; by default the gateways of
   * `@ml-platform/plugin-ml-tools-node` built from `mlTools` config.
   */
  readers?: MlToolsCatalogReaders;
  /** Runs the cycles on `mlTools.catalog.schedule`; without it, only `refresh()` does. */
  scheduler?: SchedulerService;
  /** When given, a cycle runs on every `ML_TOOLS_CATALOG_REFRESH_TOPIC` event (from ml-tools-common). */
  events?: EventsService;
  /**
   * The shared blueprint registry (`mlToolsBlueprintRegistryServiceRef`): which object
   * kinds stand for instances, and each tool's icon and category. Read at every cycle,
   * so blueprints added while the backend starts are seen. The built-ins when absent.
   */
  blueprints?: BlueprintRegistry;
}

type Source =
  | { type: 'cluster'; cluster: string; reader: MlToolsClusterReader }
  | { type: 'realm'; reader: MlToolsKeycloakReader };

/**
 * Emits the catalog entities of the ML tools: one provider per source (each configured
 * cluster, and the Keycloak realm), so a source that fails keeps its entities in the
 * catalog exactly as they were, even across restarts, while the others move on.
 *
 * @public
 */
export class MlToolsEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private running?: Promise<MlToolsRefreshResult>;
  private queued?: Promise<MlToolsRefreshResult>;
  /** The unknown kinds last warned about: a config mistake is said once, not every cycle. */
  private warnedUnknownKinds = '';

  /**
   * Builds one provider per source of `mlTools.catalog` and, with `events`, subscribes
   * them to the refresh topic.
   */
  static fromConfig(
    config: Config,
    deps: MlToolsEntityProviderDeps,
  ): MlToolsEntityProvider[] {
    const parsed = readMlToolsCatalogConfig(config);
    const readers = deps.readers ?? defaultReaders(config, deps.logger);
    const blueprints =
      deps.blueprints ??
      DefaultBlueprintRegistry.create([...builtInBlueprints]);
    const taskRunner = deps.scheduler?.createScheduledTaskRunner(
      parsed.schedule,
    );
    const providers: MlToolsEntityProvider[] = parsed.clusters.map(
      cluster =>
        new MlToolsEntityProvider(
          parsed,
          {
            type: 'cluster',
            cluster,
            reader: readers.cluster(cluster),
          },
          deps.logger,
          blueprints,
          taskRunner,
        ),
    );
    if (parsed.keycloak) {
      providers.push(
        new MlToolsEntityProvider(
          parsed,
          { type: 'realm', reader: readers.keycloak() },
          deps.logger,
          blueprints,
          taskRunner,
        ),
      );
    }
    deps.events?.subscribe({
      id: 'ml-tools-entity-provider',
      topics: [ML_TOOLS_CATALOG_REFRESH_TOPIC],
      onEvent: async params => {
        const payload = (params.eventPayload ??
          {}) as MlToolsCatalogRefreshEvent;
        deps.logger.info(
          `Refresh requested${
            payload.instanceRef ? ` for ${payload.instanceRef}` : ''
          }`,
        );
        await Promise.all(
          providers.filter(p => p.matches(payload)).map(p => p.refresh()),
        );
      },
    });
    return providers;
  }

  private constructor(
    private readonly config: MlToolsCatalogConfig,
    private readonly source: Source,
    private readonly logger: LoggerService,
    private readonly blueprints: BlueprintRegistry,
    private readonly taskRunner?: SchedulerServiceTaskRunner,
  ) {}

  /** {@inheritDoc @backstage/plugin-catalog-node#EntityProvider.getProviderName} */
  getProviderName(): string {
    return this.source.type === 'cluster'
      ? `ml-tools:cluster:${this.source.cluster}`
      : `ml-tools:keycloak:${this.config.keycloak?.realm}`;
  }

  /** {@inheritDoc @backstage/plugin-catalog-node#EntityProvider.connect} */
  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    if (this.taskRunner) {
      await this.taskRunner.run({
        id: `${this.getProviderName()}:refresh`,
        fn: async () => {
          await this.refresh();
        },
      });
    }
  }

  private matches(event: MlToolsCatalogRefreshEvent): boolean {
    return (
      !event.cluster ||
      this.source.type === 'realm' ||
      this.source.cluster === event.cluster
    );
  }

  /**
   * Runs one cycle now: reads the source and, when the read succeeded, replaces this
   * source's entities with a full mutation. A call during a cycle runs one more cycle
   * after it (calls made meanwhile share it), so a change that lands mid-cycle is seen.
   * Never throws: a failed read is logged and leaves the catalog untouched.
   */
  refresh(): Promise<MlToolsRefreshResult> {
    if (!this.running) {
      this.running = this.cycle().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    }
    return this.queued;
  }

  private async cycle(): Promise<MlToolsRefreshResult> {
    const source = this.getProviderName();
    const started = performance.now();
    if (!this.connection) {
      return {
        source,
        ok: false,
        durationMs: 0,
        error: 'not connected to the catalog yet',
      };
    }
    let entities: Entity[];
    try {
      entities =
        this.source.type === 'cluster'
          ? await this.readCluster(this.source)
          : await this.readKeycloak(this.source.reader);
    } catch (error) {
      assertError(error);
      const durationMs = Math.round(performance.now() - started);
      // Sending nothing keeps the last good entities of this source in the catalog.
      this.logger.warn(
        `Reading ${source} failed; its entities are kept as they were: ${error.message}`,
      );
      return {
        source,
        ok: false,
        durationMs,
        error: error.message,
      };
    }
    const locationKey = sourceLocation(source);
    await this.connection.applyMutation({
      type: 'full',
      entities: entities.map(entity => ({ entity, locationKey })),
    });
    const durationMs = Math.round(performance.now() - started);
    this.logger.info(
      `Emitted ${entities.length} entities from ${source} in ${durationMs} ms`,
    );
    return {
      source,
      ok: true,
      entities: entities.length,
      durationMs,
    };
  }

  private async readCluster(
    source: Extract<Source, { type: 'cluster' }>,
  ): Promise<Entity[]> {
    const { kinds, unknown } = instanceKinds(
      this.blueprints,
      this.config.kinds,
    );
    if (kinds.length === 0) {
      // Sending nothing keeps this source's entities; an empty mutation would drop them.
      throw new InputError(
        `mlTools.catalog.sources.kinds (${unknown.join(
          ', ',
        )}) names no kind that a deploy driver or blueprint uses`,
      );
    }
    if (unknown.length && unknown.join() !== this.warnedUnknownKinds) {
      this.warnedUnknownKinds = unknown.join();
      this.logger.warn(
        `mlTools.catalog.sources.kinds names ${unknown.join(
          ', ',
        )}, which no deploy driver or blueprint uses`,
      );
    }
    const lists = await Promise.allSettled(
      kinds.map(kind =>
        source.reader.listInstances({
          kind,
          labelSelector: ML_TOOLS_INSTANCE_SELECTOR,
        }),
      ),
    );
    const failures = lists.flatMap(l =>
      l.status === 'rejected' ? [l.reason] : [],
    );
    const missing = failures.filter(
      f => isError(f) && f.name === NotFoundError.name,
    );
    const other = failures.find(f => !missing.includes(f));
    if (other) throw other;
    if (missing.length === kinds.length) {
      // No kind at all answers: more likely a wrong URL than a cluster without CRDs.
      throw new Error(
        `cluster ${source.cluster} serves none of ${
          kinds.map(k => k.kind).join(', ') || 'the configured kinds'
        }`,
      );
    }
    const tool = (id: string): MlToolsToolFacts | undefined => {
      const blueprint = this.blueprints.find(id);
      return blueprint
        ? { icon: blueprint.icon, category: blueprint.category }
        : undefined;
    };
    const entities: Entity[] = [];
    for (let i = 0; i < lists.length; i++) {
      const list = lists[i];
      if (list.status !== 'fulfilled') continue;
      const kind = kinds[i];
      await transformInChunks(
        list.value,
        obj =>
          instanceToEntities(obj, kind, {
            cluster: source.cluster,
            keycloak: this.config.keycloak,
            tool,
          }),
        entities,
        (index, problems) =>
          this.logger.warn(
            `Skipped part of ${kind.kind} ${
              list.value[index].metadata?.namespace ?? ''
            }/${list.value[index].metadata?.name}: ${problems.join('; ')}`,
          ),
      );
    }
    return entities;
  }

  private async readKeycloak(reader: MlToolsKeycloakReader): Promise<Entity[]> {
    const keycloak = this.config.keycloak!;
    const clients = await reader.listClients({
      attribute: {
        key: KEYCLOAK_ATTRIBUTES.managedBy,
        value: ML_PLATFORM_MANAGER,
      },
      attributeSearch: this.config.keycloakAttributeSearch,
    });
    const entities: Entity[] = [];
    await transformInChunks(
      // The attribute query narrows the list; the mark is checked again here because a
      // server without attribute search answers every client.
      clients.filter(isOurKeycloakClient),
      client => keycloakClientToEntity(client, keycloak),
      entities,
      (_index, problems) =>
        this.logger.warn(`Skipped a Keycloak client: ${problems.join('; ')}`),
    );
    if (reader.listFederations) {
      const federations = federationsToEntities(
        await reader.listFederations(),
        keycloak,
      );
      entities.push(...federations.entities);
      for (const problem of federations.problems) {
        this.logger.warn(`Skipped a user federation: ${problem}`);
      }
    }
    return entities;
  }
}

function defaultReaders(
  config: Config,
  logger: LoggerService,
): MlToolsCatalogReaders {
  const mlTools = readMlToolsConfig(config);
  // A few quick retries ride out a blip; a longer outage is the next cycle's business.
  const retry = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
  return createGatewayReaders({
    kubernetes: new KubernetesClientGateway({
      clusters: mlTools.clusters,
      logger,
      retry,
    }),
    keycloak: new KeycloakAdminGateway({
      config: mlTools.keycloak,
      logger,
      retry,
    }),
  });
}

/** Transforms items in slices, yielding between them so no slice stalls the event loop. */
async function transformInChunks<T>(
  items: T[],
  transform: (item: T) => TransformResult,
  into: Entity[],
  onProblems: (index: number, problems: string[]) => void,
): Promise<void> {
  for (let start = 0; start < items.length; start += TRANSFORM_CHUNK) {
    if (start > 0) {
      await new Promise<void>(resolve => setImmediate(resolve));
    }
    const end = Math.min(items.length, start + TRANSFORM_CHUNK);
    for (let i = start; i < end; i++) {
      const result = transform(items[i]);
      into.push(...result.entities);
      if (result.problems.length) onProblems(i, result.problems);
    }
  }
}
