import type {
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  type CompoundEntityRef,
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  AuthorizeResult,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  type FleetOrphansResponse,
  type HealthStatus,
  type OrphanAction,
  type OrphanKind,
  type InstanceSummary,
  keycloakGroupEntityRef,
  ML_TOOLS_API_ROUTES,
  ML_TOOLS_CATALOG_REFRESH_TOPIC,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  type MlToolsCatalogRefreshEvent,
  mlToolsAccessReadPermission,
  mlToolsFleetManagePermission,
  mlToolsHealthReadPermission,
  mlToolsKeycloakClientReadPermission,
  mlToolsMembersReadPermission,
  parseInstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import express from 'express';
import Router from 'express-promise-router';
import type { FleetSummary } from './service/FleetView';
import type { MlToolsService } from './service/MlToolsService';
import type { FleetOrphanActions } from './service/FleetOrphanActions';
import { forEachInTurns } from './service/inTurns';

const ORPHAN_KINDS: readonly OrphanKind[] = [
  'client-without-release',
  'release-without-entity',
];
const ORPHAN_ACTIONS: readonly OrphanAction[] = ['adopt', 'remove'];

const HEALTH_STATUSES: readonly HealthStatus[] = [
  'ok',
  'degraded',
  'error',
  'unknown',
];

/**
 * Options of {@link createRouter}.
 *
 * @public
 */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  service: MlToolsService;
  logger: LoggerService;
  /** Where `POST /refresh` publishes; the route answers 404 without it. */
  events?: EventsService;
  /** Adopts and removes orphans; the orphan action route answers 404 without it. */
  orphanActions?: FleetOrphanActions;
}

/**
 * The routes of the ML tools backend, mounted at `/api/ml-tools`. Every instance route
 * checks its permission on the entity (403), then reads the entity with the caller's own
 * credentials (404 when the caller cannot see it or it is not an instance).
 *
 * @public
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, catalog, service, logger } = options;
  const router = Router();
  router.use(express.json());

  async function authorize(
    credentials: BackstageCredentials,
    permission: ResourcePermission<'catalog-entity'>,
    entityRef: string,
  ): Promise<boolean> {
    const [decision] = await permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /**
   * Whether the caller may read each instance's health. The policy is asked once for the
   * permission; only when its answer depends on the instance (a conditional decision,
   * such as "owners only") is each instance decided, in one batch.
   */
  async function mayReadHealth(
    credentials: BackstageCredentials,
    entityRefs: string[],
  ): Promise<boolean[]> {
    if (!entityRefs.length) return [];
    const [overall] = await permissions.authorizeConditional(
      [{ permission: mlToolsHealthReadPermission }],
      { credentials },
    );
    if (overall.result !== AuthorizeResult.CONDITIONAL) {
      return entityRefs.map(() => overall.result === AuthorizeResult.ALLOW);
    }
    const decisions = await permissions.authorize(
      entityRefs.map(resourceRef => ({
        permission: mlToolsHealthReadPermission,
        resourceRef,
      })),
      { credentials },
    );
    return decisions.map(d => d.result === AuthorizeResult.ALLOW);
  }

  /** The entity of the route's params, after its permission check. */
  async function entityFor(
    req: express.Request,
    permission: ResourcePermission<'catalog-entity'>,
  ): Promise<{ entity: Entity; credentials: BackstageCredentials }> {
    const { kind, namespace, name } = req.params;
    let entityRef: string;
    try {
      entityRef = stringifyEntityRef({ kind, namespace, name });
    } catch (e) {
      throw new InputError(`Invalid entity ref: ${(e as Error).message}`);
    }
    const credentials = await httpAuth.credentials(req);
    if (!(await authorize(credentials, permission, entityRef))) {
      throw new NotAllowedError(
        `Not allowed to ${permission.name} on ${entityRef}`,
      );
    }
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new NotFoundError(`No entity ${entityRef}`);
    }
    return { entity, credentials };
  }

  router.get(ML_TOOLS_API_ROUTES.instanceHealth, async (req, res) => {
    const { entity } = await entityFor(req, mlToolsHealthReadPermission);
    res.json(await service.health(entity));
  });

  router.get(ML_TOOLS_API_ROUTES.instanceAccess, async (req, res) => {
    const { entity, credentials } = await entityFor(
      req,
      mlToolsAccessReadPermission,
    );
    const includeMembers = await authorize(
      credentials,
      mlToolsMembersReadPermission,
      stringifyEntityRef(entity),
    );
    res.json(await service.access(entity, { includeMembers }));
  });

  router.get(ML_TOOLS_API_ROUTES.instanceLinks, async (req, res) => {
    const { entity } = await entityFor(req, mlToolsHealthReadPermission);
    res.json(await service.links(entity));
  });

  router.get(ML_TOOLS_API_ROUTES.keycloakClient, async (req, res) => {
    const { entity } = await entityFor(
      req,
      mlToolsKeycloakClientReadPermission,
    );
    res.json(await service.keycloakClient(entity));
  });

  router.get(ML_TOOLS_API_ROUTES.userFederationHealth, async (req, res) => {
    const { entity } = await entityFor(req, mlToolsHealthReadPermission);
    res.json(await service.userFederationHealth(entity));
  });

  /** Rows of the instance list by the fleet summary they show. */
  const rows = new WeakMap<
    FleetSummary,
    {
      title?: string;
      owner?: unknown;
      uiUrl?: string;
      summary: InstanceSummary;
      json: string;
    }
  >();

  router.get(ML_TOOLS_API_ROUTES.instances, async (req, res) => {
    const query = parseListQuery(req.query);
    const credentials = await httpAuth.credentials(req);
    const filter: Record<string, string | symbol> = {
      kind: 'component',
      [`metadata.annotations.${ML_TOOLS_ENTITY_ANNOTATIONS.instance}`]:
        CATALOG_FILTER_EXISTS,
    };
    if (query.tool) filter['spec.type'] = query.tool;
    if (query.owner) filter['spec.owner'] = query.owner;
    const { items } = await catalog.getEntities(
      {
        filter,
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'metadata.annotations',
          'metadata.links',
          'spec.type',
          'spec.owner',
        ],
      },
      { credentials },
    );
    const refs = items.map(e => stringifyEntityRef(e));
    // Health shows only where the caller may read it.
    const allowed = await mayReadHealth(credentials, refs);
    const visible = items.filter((_e, i) => allowed[i]);
    // Health of every visible row from the fleet lists: the same few upstream calls
    // for ten instances or ten thousand.
    const health = await service.fleetHealth(visible);
    // Each row as JSON, serialised once per row rather than once per request: a warm
    // page over ten thousand instances joins strings instead of serialising objects.
    const serialised: string[] = [];
    await forEachInTurns(items, (entity, i) => {
      const ref = refs[i];
      const fleet = allowed[i] ? health.get(ref) : undefined;
      const uiUrl = fleet ? service.cachedSummary(ref)?.uiUrl : undefined;
      const title = entity.metadata.title;
      const owner = entity.spec?.owner;
      // The fleet view hands the same summary object while the instance's entity and
      // lists are unchanged, so its row can be reused; title and owner are not part of
      // what the summary was computed from, so they are compared here.
      const kept = fleet ? rows.get(fleet) : undefined;
      let row: { summary: InstanceSummary; json: string };
      if (
        kept &&
        kept.title === title &&
        kept.owner === owner &&
        kept.uiUrl === uiUrl
      ) {
        row = kept;
      } else {
        const summary = toSummary(
          entity,
          ref,
          fleet ? { status: fleet.status, uiUrl } : undefined,
          tool => service.blueprintFacts(tool),
        );
        if (!summary) return;
        if (fleet?.drift) summary.drift = fleet.drift;
        row = { summary, json: JSON.stringify(summary) };
        if (fleet) rows.set(fleet, { title, owner, uiUrl, ...row });
      }
      const { summary } = row;
      if (query.health && summary.health !== query.health) return;
      if (query.attention !== undefined) {
        const needs = (summary.drift?.length ?? 0) > 0;
        if (needs !== query.attention) return;
      }
      serialised.push(row.json);
    });
    // The shape of `InstanceListResponse`, from the rows' JSON.
    res.type('application/json').send(`{"items":[${serialised.join(',')}]}`);
  });

  /** The caller's credentials, once it holds the fleet manage permission. */
  async function fleetManager(
    req: express.Request,
    what: string,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req);
    const [decision] = await permissions.authorize(
      [{ permission: mlToolsFleetManagePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `${what} needs the ml-tools.fleet.manage permission`,
      );
    }
    return credentials;
  }

  /** The orphans now, as far as the caller's view of the catalog goes. */
  async function currentOrphans(
    credentials: BackstageCredentials,
  ): Promise<FleetOrphansResponse> {
    const { items } = await catalog.getEntities(
      {
        filter: {
          kind: 'component',
          [`metadata.annotations.${ML_TOOLS_ENTITY_ANNOTATIONS.instance}`]:
            CATALOG_FILTER_EXISTS,
        },
        fields: [
          `metadata.annotations.${ML_TOOLS_ENTITY_ANNOTATIONS.instance}`,
        ],
      },
      // The caller's view of the catalog: what it cannot see, it may not adopt.
      { credentials },
    );
    const refs = new Set(
      items.map(
        e =>
          e.metadata.annotations?.[ML_TOOLS_ENTITY_ANNOTATIONS.instance] ?? '',
      ),
    );
    return service.orphans(refs);
  }

  router.get(ML_TOOLS_API_ROUTES.fleetOrphans, async (req, res) => {
    const credentials = await fleetManager(
      req,
      'Seeing the orphans of the whole fleet',
    );
    const body: FleetOrphansResponse = await currentOrphans(credentials);
    res.json(body);
  });

  router.post(ML_TOOLS_API_ROUTES.fleetOrphanAction, async (req, res) => {
    const { kind, id, action } = req.params;
    if (!ORPHAN_KINDS.includes(kind as OrphanKind)) {
      throw new InputError(
        `kind must be one of ${ORPHAN_KINDS.join(', ')}; got "${kind}"`,
      );
    }
    if (!ORPHAN_ACTIONS.includes(action as OrphanAction)) {
      throw new InputError(
        `action must be one of ${ORPHAN_ACTIONS.join(', ')}; got "${action}"`,
      );
    }
    const dryRun = booleanQuery(req.query, 'dryRun');
    const keepData = booleanQuery(req.query, 'keepData');
    if (action === 'adopt' && kind !== 'release-without-entity') {
      throw new InputError(
        'action adopt applies to release-without-entity orphans only: a client without a release has no instance to adopt',
      );
    }
    if (keepData && action !== 'remove') {
      throw new InputError('keepData applies to the remove action only');
    }
    const credentials = await fleetManager(
      req,
      `${action === 'adopt' ? 'Adopting' : 'Removing'} an orphan`,
    );
    const actions = options.orphanActions;
    if (!actions) {
      throw new NotFoundError('Orphan actions are not available');
    }
    let owner: { ref: string; name: string } | undefined;
    if (action === 'adopt') {
      owner = await ownerOf(req.body, credentials);
    }
    // Only what is an orphan now can be acted on: a second call finds nothing (404).
    const orphan = (await currentOrphans(credentials)).items.find(
      o => o.kind === kind && o.id === id,
    );
    if (!orphan) {
      throw new NotFoundError(`No ${kind} orphan "${id}"`);
    }
    const body =
      action === 'adopt'
        ? await actions.adopt(orphan, { dryRun, owner: owner! })
        : await actions.remove(orphan, { dryRun, keepData });
    res.json(body);
  });

  /** The owner an adoption names: a Group or User entity the caller can see. */
  async function ownerOf(
    body: unknown,
    credentials: BackstageCredentials,
  ): Promise<{ ref: string; name: string }> {
    const raw = (body ?? {}) as Record<string, unknown>;
    if (typeof raw.owner !== 'string' || raw.owner.trim() === '') {
      throw new InputError(
        'owner is required: the entity ref of the Group or User that owns the instance from now on',
      );
    }
    let ref: CompoundEntityRef;
    try {
      ref = parseEntityRef(raw.owner.trim(), {
        defaultKind: 'group',
        defaultNamespace: 'default',
      });
    } catch (e) {
      throw new InputError(`owner: ${(e as Error).message}`);
    }
    const kindOf = ref.kind.toLocaleLowerCase('en-US');
    if (kindOf !== 'group' && kindOf !== 'user') {
      throw new InputError(
        `owner must be a Group or a User entity ref; got kind ${ref.kind}`,
      );
    }
    const ownerRef = stringifyEntityRef(ref);
    const entity = await catalog.getEntityByRef(ownerRef, { credentials });
    if (!entity) {
      throw new InputError(`owner: there is no ${ownerRef} in the catalog`);
    }
    return { ref: ownerRef, name: ref.name };
  }

  router.post('/refresh', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    if (!options.events) {
      throw new NotFoundError('Catalog refresh is not available');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const payload: MlToolsCatalogRefreshEvent = {};
    if (body.cluster !== undefined) {
      const clusters = service.clusterNames();
      if (
        typeof body.cluster !== 'string' ||
        !clusters.includes(body.cluster)
      ) {
        throw new InputError(`cluster must be one of ${clusters.join(', ')}`);
      }
      payload.cluster = body.cluster;
    }
    if (body.instanceRef !== undefined) {
      try {
        parseInstanceRef(String(body.instanceRef));
      } catch (e) {
        throw new InputError(`instanceRef: ${(e as Error).message}`);
      }
      payload.instanceRef = String(body.instanceRef);
    }
    await options.events.publish({
      topic: ML_TOOLS_CATALOG_REFRESH_TOPIC,
      eventPayload: payload,
    });
    logger.info(
      `Catalog refresh requested${
        payload.instanceRef ? ` for ${payload.instanceRef}` : ''
      }`,
    );
    res.status(202).json({ accepted: true });
  });

  return router;
}

/** A `true`/`false` query parameter; false when absent. */
function booleanQuery(query: express.Request['query'], key: string): boolean {
  const value = query[key];
  if (value === undefined || value === '') return false;
  if (value !== 'true' && value !== 'false') {
    throw new InputError(`Query parameter ${key} must be true or false`);
  }
  return value === 'true';
}

function parseListQuery(query: express.Request['query']): {
  tool?: string;
  owner?: string;
  health?: HealthStatus;
  attention?: boolean;
} {
  const single = (key: string): string | undefined => {
    const value = query[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') {
      throw new InputError(`Query parameter ${key} must be given once`);
    }
    return value;
  };
  const health = single('health');
  if (health && !HEALTH_STATUSES.includes(health as HealthStatus)) {
    throw new InputError(
      `Query parameter health must be one of ${HEALTH_STATUSES.join(', ')}`,
    );
  }
  const attention = single('attention');
  if (
    attention !== undefined &&
    attention !== 'true' &&
    attention !== 'false'
  ) {
    throw new InputError('Query parameter attention must be true or false');
  }
  const owner = single('owner');
  return {
    tool: single('tool'),
    owner: owner ? keycloakGroupEntityRef(owner) : undefined,
    health: health as HealthStatus | undefined,
    attention: attention === undefined ? undefined : attention === 'true',
  };
}

function toSummary(
  entity: Entity,
  entityRef: string,
  cached: { status: HealthStatus; uiUrl?: string } | undefined,
  facts: (tool: string) => { icon?: string; category?: string } | undefined,
): InstanceSummary | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const raw = annotations[ML_TOOLS_ENTITY_ANNOTATIONS.instance];
  let instance;
  try {
    instance = parseInstanceRef(raw ?? '');
  } catch {
    return undefined;
  }
  const uiLink = entity.metadata.links?.find(l => l.type === 'ui');
  const uiUrl = cached?.uiUrl ?? uiLink?.url;
  const tool =
    annotations[ML_TOOLS_ENTITY_ANNOTATIONS.tool] ??
    String(entity.spec?.type ?? '');
  // The registry is the source; the entity's copy serves tools whose blueprint this
  // backend does not have (registered on another backend of a split deployment).
  const blueprint = facts(tool);
  const icon = blueprint?.icon ?? annotations[ML_TOOLS_ENTITY_ANNOTATIONS.icon];
  const category =
    blueprint?.category ?? annotations[ML_TOOLS_ENTITY_ANNOTATIONS.category];
  return {
    entityRef,
    title: entity.metadata.title ?? entity.metadata.name,
    tool,
    ...(icon ? { icon } : {}),
    ...(category ? { category } : {}),
    owner: String(entity.spec?.owner ?? ''),
    namespace: instance.namespace,
    cluster: instance.cluster,
    ...(uiUrl ? { uiUrl } : {}),
    health: cached?.status ?? 'unknown',
  };
}
