import type { LoggerService } from '@backstage/backend-plugin-api';
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  isError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  KEYCLOAK_ATTRIBUTES,
  keycloakGroupEntityRef,
  keycloakUserEntityRef,
  ML_PLATFORM_ANNOTATIONS,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  parseInstanceRef,
  type AccessRole,
  type HealthCheck,
  type HealthStatus,
  type InstanceAccessResponse,
  type InstanceHealthResponse,
  type InstanceLink,
  type InstanceLinksResponse,
  type InstanceRef,
  type KeycloakClientSummaryResponse,
} from '@ml-platform/plugin-ml-tools-common';
import type { Config } from '@backstage/config';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import { LRUCache } from 'lru-cache';
import { DateTime } from 'luxon';
import pLimit from 'p-limit';
import {
  ingressCheck,
  ingressUrl,
  keycloakClientCheck,
  oidcCheck,
  type Outcome,
  overallStatus,
  podsCheck,
  releaseCheck,
  workloadsCheck,
} from './checks';
import { readMlToolsBackendConfig, type MlToolsBackendConfig } from './config';
import { createGatewayReads } from './gatewayReads';
import type {
  MlToolsClusterReads,
  MlToolsK8sObject,
  MlToolsKeycloakClientInfo,
  MlToolsKeycloakClientScope,
  MlToolsKeycloakMember,
  MlToolsKeycloakReads,
} from './readers';
import { clusterReadsWithSignal, keycloakReadsWithSignal } from './readers';

/** Where the release object of an instance lives, from the `release` annotation. */
const RELEASE_API_VERSIONS: Record<string, string> = {
  HelmRelease: 'helm.toolkit.fluxcd.io/v2',
  Application: 'argoproj.io/v1alpha1',
  Profile: 'kubeflow.org/v1',
};

/** Summaries of overall health, shown on the instance list, live this long. */
const SUMMARY_TTL_MS = 5 * 60_000;

/** Longest time a failed or timed-out upstream read is remembered. */
const FAILURE_TTL_MS = 2_000;

/** Concurrent background health fetches started by the instance list. */
const WARMUP_CONCURRENCY = 4;

/** An instance entity, resolved into what the checks need. */
interface InstanceTarget {
  entityRef: string;
  instance: InstanceRef;
  tool: string;
  release?: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
  };
  workloadNamespace: string;
  selector?: string;
  clientId?: string;
  roleMappings: Record<string, string[]>;
  links: InstanceLink[];
}

type FetchContext = {
  run: (signal: AbortSignal) => Promise<unknown>;
  timeoutMs: number;
  what: string;
  limit: pLimit.Limit;
};

/**
 * The facts of a tool blueprint the routes show.
 *
 * @public
 */
export interface MlToolsBlueprintFacts {
  title?: string;
  docsUrl?: string;
  roles?: Array<{ name: string; description: string }>;
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
}

/**
 * Reads the live state of tool instances for the routes: every upstream read is cached
 * for `mlTools.backend.cacheTtl`, concurrent readers of the same thing share one fetch,
 * and each cluster (and Keycloak) gets its own timeout so a hanging one only turns its
 * own checks `unknown`.
 *
 * @public
 */
export class MlToolsService {
  private readonly cache: LRUCache<string, Outcome<unknown>, FetchContext>;
  private readonly summaries: LRUCache<
    string,
    { status: HealthStatus; uiUrl?: string }
  >;
  private readonly warmupLimit = pLimit(WARMUP_CONCURRENCY);
  private readonly limits = new Map<string, pLimit.Limit>();
  private readonly warming = new Set<string>();

  /**
   * Builds the service over the gateways of `@ml-platform/plugin-ml-tools-node`, from
   * `mlTools` config. Reads are retried less than writes: a page asks again soon anyway,
   * and the per-server timeout bounds every answer.
   */
  static fromConfig(
    config: Config,
    deps: { logger: LoggerService },
  ): MlToolsService {
    const mlTools = readMlToolsConfig(config);
    const retry = { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 };
    const registry = DefaultBlueprintRegistry.create([...builtInBlueprints]);
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
      blueprint: tool => {
        const blueprint = registry.find(tool);
        return blueprint
          ? {
              title: blueprint.title,
              docsUrl: blueprint.docsUrl,
              roles: blueprint.keycloak?.roles,
            }
          : undefined;
      },
    });
  }

  constructor(private readonly options: MlToolsServiceOptions) {
    this.cache = new LRUCache<string, Outcome<unknown>, FetchContext>({
      max: 20_000,
      ttl: options.config.cacheTtlMs,
      fetchMethod: async (_key, _stale, { context, options: entry }) => {
        const outcome = await this.fetchWithTimeout(context);
        if (outcome.state !== 'ok') {
          // Remember a failure only briefly: long enough that a hanging server is not
          // asked again by every request, short enough to notice it is back.
          entry.ttl = Math.min(options.config.cacheTtlMs, FAILURE_TTL_MS);
        }
        return outcome;
      },
    });
    this.summaries = new LRUCache({ max: 100_000, ttl: SUMMARY_TTL_MS });
  }

  /** Resolves an entity into an instance; NotFoundError when it is not one of ours. */
  resolveInstance(entity: Entity): InstanceTarget {
    const entityRef = stringifyEntityRef(entity);
    const annotations = entity.metadata.annotations ?? {};
    const rawInstance = annotations[ML_TOOLS_ENTITY_ANNOTATIONS.instance];
    if (!rawInstance) {
      throw new NotFoundError(`${entityRef} is not an ML tools instance`);
    }
    let instance: InstanceRef;
    try {
      instance = parseInstanceRef(rawInstance);
    } catch (e) {
      throw new NotFoundError(
        `${entityRef} has a malformed instance annotation: ${
          (e as Error).message
        }`,
      );
    }
    const release = parseRelease(
      annotations[ML_TOOLS_ENTITY_ANNOTATIONS.release],
    );
    const keycloakClient =
      annotations[ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient];
    return {
      entityRef,
      instance,
      tool:
        annotations[ML_TOOLS_ENTITY_ANNOTATIONS.tool] ??
        String(entity.spec?.type ?? ''),
      release,
      workloadNamespace:
        annotations[ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesNamespace] ??
        instance.namespace,
      selector:
        annotations[ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesLabelSelector],
      clientId: keycloakClient ? this.clientIdOf(keycloakClient) : undefined,
      roleMappings: parseRoleMappings(
        annotations[ML_PLATFORM_ANNOTATIONS.roleMappings],
      ),
      links: (entity.metadata.links ?? []).map(l => ({
        title: l.title ?? l.url,
        url: l.url,
        type: l.type ?? 'link',
        ...(l.icon ? { icon: l.icon } : {}),
      })),
    };
  }

  /**
   * The clientId of a `<server>/<realm>/<clientId>` value, when server and realm are the
   * configured ones. Catalog data never chooses which Keycloak is called.
   */
  private clientIdOf(value: string): string | undefined {
    const keycloak = this.options.config.keycloak;
    const parts = value.split('/');
    if (!keycloak || parts.length !== 3) return undefined;
    const [server, realm, clientId] = parts;
    return server === keycloak.server && realm === keycloak.realm
      ? clientId
      : undefined;
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

    const release = target.release;
    if (release) {
      add(this.release(target), o => releaseCheck(release.kind, o));
    }
    if (target.selector && release?.kind !== 'Profile') {
      add(this.workloads(target), workloadsCheck);
      add(this.pods(target), podsCheck);
      add(this.ingresses(target), ingressCheck);
    }
    if (this.options.keycloak && this.options.config.keycloak) {
      const clientId = target.clientId;
      if (clientId) {
        add(this.client(clientId), o => keycloakClientCheck(clientId, o));
      }
      const realm = this.options.config.keycloak.realm;
      add(this.oidc(), o => oidcCheck(realm, o));
    }
    const settled = await Promise.all(outcomes);
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
    };
  }

  /** Roles of the instance, the groups granting each, their sizes and maybe members. */
  async access(
    entity: Entity,
    options: { includeMembers: boolean },
  ): Promise<InstanceAccessResponse> {
    const target = this.resolveInstance(entity);
    const descriptions = Object.fromEntries(
      (this.options.blueprint?.(target.tool)?.roles ?? []).map(r => [
        r.name,
        r.description,
      ]),
    );
    const roleNames = [
      ...new Set([
        ...Object.keys(descriptions),
        ...Object.keys(target.roleMappings),
      ]),
    ];
    const paths = [...new Set(Object.values(target.roleMappings).flat())];
    const groups = new Map<
      string,
      { id: string; members: MlToolsKeycloakMember[] } | undefined
    >();
    await Promise.all(
      paths.map(async path => {
        const outcome = await this.group(path);
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
    }));
    return {
      entityRef: target.entityRef,
      roles,
      membersVisible: options.includeMembers,
    };
  }

  /** Links of the instance: its catalog links, the live ingress URL, the client console. */
  async links(entity: Entity): Promise<InstanceLinksResponse> {
    const target = this.resolveInstance(entity);
    const links = [...target.links];
    const [ingresses, client] = await Promise.all([
      target.selector && target.release?.kind !== 'Profile'
        ? this.ingresses(target)
        : undefined,
      target.clientId ? this.client(target.clientId) : undefined,
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
      const consoleUrl = this.consoleUrl(client.value.id);
      // The deploy action already records the console link among the catalog links.
      if (!links.some(l => l.url === consoleUrl)) {
        links.push({
          title: 'Keycloak client',
          url: consoleUrl,
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
    const entityRef = stringifyEntityRef(entity);
    const value =
      entity.metadata.annotations?.[ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient];
    const clientId = value ? this.clientIdOf(value) : undefined;
    if (!clientId || !this.options.keycloak) {
      throw new NotFoundError(
        `${entityRef} has no Keycloak client of the configured realm`,
      );
    }
    const client = await this.client(clientId);
    if (client.state !== 'ok') {
      throw new ServiceUnavailableError(
        `Could not read Keycloak client ${clientId}: ${client.reason}`,
      );
    }
    if (!client.value) {
      throw new NotFoundError(`Keycloak client ${clientId} does not exist`);
    }
    const c = client.value;
    const defaultScopes = c.defaultClientScopes ?? [];
    const isAudience = (m: { protocolMapper?: string }) =>
      m.protocolMapper === 'oidc-audience-mapper';
    let mappers = (c.protocolMappers ?? []).filter(isAudience);
    if (mappers.length === 0) {
      // The audience usually comes from the instance's own client scope.
      const scopes = await Promise.all(
        defaultScopes.map(name => this.clientScope(name)),
      );
      mappers = scopes.flatMap(o =>
        o.state === 'ok'
          ? (o.value?.protocolMappers ?? []).filter(isAudience)
          : [],
      );
    }
    const audienceMapper = mappers[0];
    const audience =
      audienceMapper?.config?.['included.client.audience'] ||
      audienceMapper?.config?.['included.custom.audience'] ||
      undefined;
    const instanceAttr = c.attributes?.[KEYCLOAK_ATTRIBUTES.instance];
    const instanceRef = Array.isArray(instanceAttr)
      ? instanceAttr[0]
      : instanceAttr;
    return {
      clientId: c.clientId,
      enabled: c.enabled,
      protocol: c.protocol ?? 'openid-connect',
      publicClient: Boolean(c.publicClient),
      redirectUris: c.redirectUris ?? [],
      defaultClientScopes: defaultScopes,
      ...(audience ? { audience } : {}),
      ...(typeof instanceRef === 'string' ? { instanceRef } : {}),
      consoleUrl: this.consoleUrl(c.id),
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

  /**
   * Fetches, in the background and a few at a time, the health of instances the list
   * has no summary for, so the next look at the list shows it; at most
   * `mlTools.backend.listWarmup` per call.
   */
  warmUp(entities: Entity[]): void {
    const limit = this.options.config.listWarmup;
    let started = 0;
    for (const entity of entities) {
      if (started >= limit) return;
      const ref = stringifyEntityRef(entity);
      if (this.summaries.has(ref) || this.warming.has(ref)) continue;
      started += 1;
      this.warming.add(ref);
      this.warmupLimit(() => this.health(entity))
        .catch(error => {
          this.options.logger.debug(
            `Background health of ${ref} failed: ${
              isError(error) ? error.message : error
            }`,
          );
        })
        .finally(() => this.warming.delete(ref));
    }
  }

  private consoleUrl(clientUuid: string): string {
    const kc = this.options.config.keycloak!;
    return `${kc.consoleBaseUrl}/admin/master/console/#/${encodeURIComponent(
      kc.realm,
    )}/clients/${encodeURIComponent(clientUuid)}/settings`;
  }

  // ------------------------------------------------------------ cached upstream reads

  private fetch<T>(
    key: string,
    server: string,
    what: string,
    timeoutMs: number,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<Outcome<T>> {
    let limit = this.limits.get(server);
    if (!limit) {
      limit = pLimit(this.options.config.serverConcurrency);
      this.limits.set(server, limit);
    }
    return this.cache.fetch(key, {
      context: { run, timeoutMs, what, limit },
    }) as Promise<Outcome<T>>;
  }

  private async fetchWithTimeout(
    context: FetchContext,
  ): Promise<Outcome<unknown>> {
    const deadline = Date.now() + context.timeoutMs;
    const timedOut = (): Outcome<unknown> => ({
      state: 'timeout',
      reason: `${context.what} did not answer within ${context.timeoutMs} ms`,
      fetchedAt: Date.now(),
    });
    let timer: NodeJS.Timeout | undefined;
    const aborter = new AbortController();
    const timeout = new Promise<Outcome<unknown>>(resolve => {
      timer = setTimeout(() => {
        // Closes the upstream requests still open: nobody waits for them any more.
        aborter.abort();
        resolve(timedOut());
      }, context.timeoutMs);
    });
    // A slot of the server's limiter is held until the call ends or the deadline
    // passes, whichever is first: a hanging server never holds slots past its timeout,
    // and a burst reuses a few connections instead of opening one per call.
    const work = context.limit(async () => {
      if (Date.now() >= deadline) return timedOut();
      const call = context.run(aborter.signal).then(
        value => ({ state: 'ok' as const, value, fetchedAt: Date.now() }),
        error => ({
          state: 'failed' as const,
          reason: `${context.what} failed: ${
            isError(error) ? error.message : String(error)
          }`,
          fetchedAt: Date.now(),
        }),
      );
      return Promise.race([call, timeout]);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads of one cluster; an unconfigured cluster is a failed outcome, never a call. */
  private k8s<T>(
    cluster: string,
    key: string,
    run: (reads: MlToolsClusterReads) => Promise<T>,
  ): Promise<Outcome<T>> {
    if (!this.options.clusters.clusterNames().includes(cluster)) {
      return Promise.resolve({
        state: 'failed',
        reason: `Cluster "${cluster}" is not configured in mlTools.clusters`,
        fetchedAt: Date.now(),
      });
    }
    return this.fetch(
      `k8s:${cluster}:${key}`,
      `k8s:${cluster}`,
      `Cluster "${cluster}"`,
      this.options.config.clusterTimeoutMs,
      signal => run(clusterReadsWithSignal(this.options.clusters, signal)),
    );
  }

  private release(target: InstanceTarget) {
    const { cluster } = target.instance;
    const r = target.release!;
    return this.k8s(
      cluster,
      `get:${r.kind}:${r.namespace ?? ''}:${r.name}`,
      c => c.get(cluster, r),
    );
  }

  private list(target: InstanceTarget, kinds: Array<[string, string]>) {
    const { cluster } = target.instance;
    const namespace = target.workloadNamespace;
    const labelSelector = target.selector;
    return this.k8s(
      cluster,
      `list:${kinds.map(k => k[1]).join('+')}:${namespace}:${labelSelector}`,
      async c => {
        const lists = await Promise.all(
          kinds.map(([apiVersion, kind]) =>
            c.list(cluster, { apiVersion, kind, namespace, labelSelector }),
          ),
        );
        return lists.flatMap((items, i) =>
          items.map(item => ({ ...item, kind: item.kind ?? kinds[i][1] })),
        ) as MlToolsK8sObject[];
      },
    );
  }

  private workloads(target: InstanceTarget) {
    return this.list(target, [
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
    ]);
  }

  private pods(target: InstanceTarget) {
    return this.list(target, [['v1', 'Pod']]);
  }

  private ingresses(target: InstanceTarget) {
    return this.list(target, [['networking.k8s.io/v1', 'Ingress']]);
  }

  private keycloakFetch<T>(
    key: string,
    run: (reads: MlToolsKeycloakReads) => Promise<T>,
  ): Promise<Outcome<T>> {
    const keycloak = this.options.keycloak!;
    return this.fetch(
      `kc:${key}`,
      'keycloak',
      'Keycloak',
      this.options.config.keycloakTimeoutMs,
      signal => run(keycloakReadsWithSignal(keycloak, signal)),
    );
  }

  private client(clientId: string) {
    return this.keycloakFetch<MlToolsKeycloakClientInfo | undefined>(
      `client:${clientId}`,
      kc => kc.findClient(clientId),
    );
  }

  private clientScope(name: string) {
    return this.keycloakFetch<MlToolsKeycloakClientScope | undefined>(
      `scope:${name}`,
      kc => kc.findClientScope(name),
    );
  }

  private oidc() {
    return this.keycloakFetch('oidc', kc => kc.checkOidcDiscovery());
  }

  private group(path: string) {
    return this.keycloakFetch(`group:${path}`, async kc => {
      const group = await kc.findGroupByPath(path);
      if (!group) return undefined;
      return { id: group.id, members: await kc.listGroupMembers(group.id) };
    });
  }
}

function parseRelease(value: string | undefined): InstanceTarget['release'] {
  if (!value) return undefined;
  const parts = value.split('/');
  const kind = parts[0];
  const apiVersion = RELEASE_API_VERSIONS[kind];
  if (!apiVersion) return undefined;
  if (parts.length === 3 && parts[1] && parts[2]) {
    return { apiVersion, kind, namespace: parts[1], name: parts[2] };
  }
  if (parts.length === 2 && parts[1]) {
    return { apiVersion, kind, name: parts[1] };
  }
  return undefined;
}

function parseRoleMappings(
  value: string | undefined,
): Record<string, string[]> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return {};
    const result: Record<string, string[]> = {};
    for (const [role, groups] of Object.entries(parsed)) {
      const list = Array.isArray(groups) ? groups : [groups];
      result[role] = list.filter((g): g is string => typeof g === 'string');
    }
    return result;
  } catch {
    return {};
  }
}
