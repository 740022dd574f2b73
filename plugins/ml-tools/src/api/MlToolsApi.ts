import { createApiRef } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  FleetOrphan,
  FleetOrphansResponse,
  InstanceAccessResponse,
  InstanceHealthResponse,
  InstanceLinksResponse,
  InstanceListQuery,
  InstanceListResponse,
  KeycloakClientSummaryResponse,
  OrphanAction,
  OrphanActionResponse,
  UserFederationHealthResponse,
} from '@ml-platform/plugin-ml-tools-common';

/**
 * Reads what the ML tools backend knows about tool instances and their Keycloak clients.
 *
 * @remarks
 * Failed calls reject with a `ResponseError` from `@backstage/errors`, so callers can tell
 * a denial (403) or an unknown entity (404) from an outage.
 *
 * @public
 */
export interface MlToolsApi {
  /** Health checks of one instance. */
  getInstanceHealth(entity: CompoundEntityRef): Promise<InstanceHealthResponse>;
  /** Roles of one instance and the groups granting them. */
  getInstanceAccess(entity: CompoundEntityRef): Promise<InstanceAccessResponse>;
  /** Where to open one instance and its related consoles. */
  getInstanceLinks(entity: CompoundEntityRef): Promise<InstanceLinksResponse>;
  /** The Keycloak client described by a Keycloak client Resource entity. */
  getKeycloakClient(
    entity: CompoundEntityRef,
  ): Promise<KeycloakClientSummaryResponse>;
  /** Health of the user federation described by a user-federation Resource entity. */
  getUserFederationHealth(
    entity: CompoundEntityRef,
  ): Promise<UserFederationHealthResponse>;
  /** Every instance the caller may see, optionally filtered. */
  listInstances(query?: InstanceListQuery): Promise<InstanceListResponse>;
  /** Pieces of the fleet no instance accounts for (needs `ml-tools.fleet.manage`). */
  listOrphans(): Promise<FleetOrphansResponse>;
  /**
   * Adopts (under `owner`, an entity ref) or removes an orphan; with `dryRun`, only says
   * what would change.
   */
  actOnOrphan(
    orphan: Pick<FleetOrphan, 'kind' | 'id'>,
    action: OrphanAction,
    options?: { dryRun?: boolean; owner?: string },
  ): Promise<OrphanActionResponse>;
}

/**
 * Reference to the {@link MlToolsApi}.
 *
 * @public
 */
export const mlToolsApiRef = createApiRef<MlToolsApi>({
  id: 'plugin.ml-tools.service',
});
