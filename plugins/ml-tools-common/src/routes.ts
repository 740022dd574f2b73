import type { InstanceListQuery } from './api';

/**
 * Paths of the ML tools backend routes, relative to the plugin's base URL
 * (`/api/ml-tools`). The backend mounts exactly these and the frontend client builds its
 * URLs with {@link mlToolsApiPaths}, so both sides change together.
 *
 * @public
 */
export const ML_TOOLS_API_ROUTES = Object.freeze({
  /** Answers `InstanceListResponse`; query: `tool`, `owner`, `health`, `attention`. */
  instances: '/instances',
  /** Answers `FleetOrphansResponse`; needs the manage permission. */
  fleetOrphans: '/fleet/orphans',
  /**
   * `POST`: adopts (`:action` = `adopt`, body `AdoptOrphanRequest`) or removes an orphan;
   * query `dryRun=true` writes nothing. Answers `OrphanActionResponse`; needs the manage
   * permission.
   */
  fleetOrphanAction: '/fleet/orphans/:kind/:id/:action',
  /** Answers `InstanceHealthResponse`. */
  instanceHealth: '/instances/:kind/:namespace/:name/health',
  /** Answers `InstanceAccessResponse`. */
  instanceAccess: '/instances/:kind/:namespace/:name/access',
  /** Answers `InstanceLinksResponse`. */
  instanceLinks: '/instances/:kind/:namespace/:name/links',
  /** Answers `KeycloakClientSummaryResponse`. */
  keycloakClient: '/keycloak-clients/:kind/:namespace/:name',
  /** Answers `UserFederationHealthResponse`. */
  userFederationHealth: '/user-federations/:kind/:namespace/:name/health',
} as const);

/**
 * The parts of an entity ref that address one entity in the routes above.
 *
 * @public
 */
export interface MlToolsEntityPathParams {
  kind: string;
  namespace: string;
  name: string;
}

function entityPath(prefix: string, ref: MlToolsEntityPathParams): string {
  // Kinds are case-insensitive in the catalog; one spelling keeps caches and logs
  // consistent. Each part is encoded because names may hold characters such as `.`
  // that are safe, but namespaces from user input must never add path segments.
  return [
    prefix,
    encodeURIComponent(ref.kind.toLocaleLowerCase('en-US')),
    encodeURIComponent(ref.namespace),
    encodeURIComponent(ref.name),
  ].join('/');
}

/**
 * Builds the concrete paths of {@link ML_TOOLS_API_ROUTES}, relative to the plugin's base
 * URL.
 *
 * @public
 */
export const mlToolsApiPaths = Object.freeze({
  instances(query: InstanceListQuery = {}): string {
    const params = new URLSearchParams();
    for (const key of ['tool', 'owner', 'health'] as const) {
      const value = query[key];
      if (value) {
        params.set(key, value);
      }
    }
    const search = params.toString();
    return search ? `/instances?${search}` : '/instances';
  },
  fleetOrphans(): string {
    return '/fleet/orphans';
  },
  fleetOrphanAction(
    orphan: { kind: string; id: string },
    action: 'adopt' | 'remove',
    options: { dryRun?: boolean } = {},
  ): string {
    // An instance ref holds slashes: encoded, it stays one path segment.
    const path = [
      '/fleet/orphans',
      encodeURIComponent(orphan.kind),
      encodeURIComponent(orphan.id),
      action,
    ].join('/');
    return options.dryRun ? `${path}?dryRun=true` : path;
  },
  instanceHealth(ref: MlToolsEntityPathParams): string {
    return `${entityPath('/instances', ref)}/health`;
  },
  instanceAccess(ref: MlToolsEntityPathParams): string {
    return `${entityPath('/instances', ref)}/access`;
  },
  instanceLinks(ref: MlToolsEntityPathParams): string {
    return `${entityPath('/instances', ref)}/links`;
  },
  keycloakClient(ref: MlToolsEntityPathParams): string {
    return entityPath('/keycloak-clients', ref);
  },
  userFederationHealth(ref: MlToolsEntityPathParams): string {
    return `${entityPath('/user-federations', ref)}/health`;
  },
});
