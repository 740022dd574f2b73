import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  mlToolsApiPaths,
  type FleetOrphan,
  type FleetOrphansResponse,
  type OrphanAction,
  type OrphanActionResponse,
  type InstanceAccessResponse,
  type InstanceHealthResponse,
  type InstanceLinksResponse,
  type InstanceListQuery,
  type InstanceListResponse,
  type KeycloakClientSummaryResponse,
  type UserFederationHealthResponse,
} from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsApi } from './MlToolsApi';

/**
 * Calls the ML tools backend through the app's discovery and fetch APIs, so requests
 * carry the user's Backstage token and follow the backend's deployed location.
 *
 * @public
 */
export class MlToolsClient implements MlToolsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getInstanceHealth(entity: CompoundEntityRef) {
    return this.get<InstanceHealthResponse>(
      mlToolsApiPaths.instanceHealth(entity),
    );
  }

  getInstanceAccess(entity: CompoundEntityRef) {
    return this.get<InstanceAccessResponse>(
      mlToolsApiPaths.instanceAccess(entity),
    );
  }

  getInstanceLinks(entity: CompoundEntityRef) {
    return this.get<InstanceLinksResponse>(
      mlToolsApiPaths.instanceLinks(entity),
    );
  }

  getKeycloakClient(entity: CompoundEntityRef) {
    return this.get<KeycloakClientSummaryResponse>(
      mlToolsApiPaths.keycloakClient(entity),
    );
  }

  getUserFederationHealth(entity: CompoundEntityRef) {
    return this.get<UserFederationHealthResponse>(
      mlToolsApiPaths.userFederationHealth(entity),
    );
  }

  listInstances(query?: InstanceListQuery) {
    return this.get<InstanceListResponse>(mlToolsApiPaths.instances(query));
  }

  listOrphans() {
    return this.get<FleetOrphansResponse>(mlToolsApiPaths.fleetOrphans());
  }

  actOnOrphan(
    orphan: Pick<FleetOrphan, 'kind' | 'id'>,
    action: OrphanAction,
    options: { dryRun?: boolean; owner?: string } = {},
  ) {
    return this.post<OrphanActionResponse>(
      mlToolsApiPaths.fleetOrphanAction(orphan, action, {
        dryRun: options.dryRun,
      }),
      action === 'adopt' ? { owner: options.owner ?? '' } : {},
    );
  }

  private async post<T>(path: string, body: object): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('ml-tools');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('ml-tools');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      // Keeps the backend's error name (NotAllowedError, NotFoundError...) and status,
      // which the cards turn into their denied and not-found states.
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
