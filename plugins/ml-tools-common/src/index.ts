/**
 * Shared contract of the ML tools plugins: instance refs, Kubernetes labels and annotations,
 * Keycloak attributes, catalog annotations, API response types and permissions.
 *
 * @packageDocumentation
 */

export {
  ML_PLATFORM_MANAGER,
  ML_PLATFORM_FIELD_MANAGER,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_ANNOTATIONS,
  KEYCLOAK_ATTRIBUTES,
} from './labels';
export {
  stringifyInstanceRef,
  parseInstanceRef,
  MAX_INSTANCE_NAME,
} from './tools';
export type { InstanceRef } from './tools';
export {
  ML_TOOLS_ENTITY_ANNOTATIONS,
  ML_TOOLS_RESOURCE_TYPES,
  isMlToolInstanceEntity,
  isKeycloakClientEntity,
  isUserFederationEntity,
} from './entities';
export type {
  HealthStatus,
  HealthCheck,
  InstanceHealthResponse,
  AccessMember,
  AccessGroup,
  AccessRole,
  InstanceAccessResponse,
  InstanceLink,
  InstanceLinksResponse,
  KeycloakClientSummaryResponse,
  InstanceSummary,
  DriftKind,
  DriftReason,
  OrphanKind,
  FleetOrphan,
  FleetOrphansResponse,
  OrphanAction,
  AdoptOrphanRequest,
  OrphanActionChange,
  OrphanActionResponse,
  InstanceListQuery,
  InstanceListResponse,
  UserFederationHealthResponse,
} from './api';
export { ML_TOOLS_API_ROUTES, mlToolsApiPaths } from './routes';
export type { MlToolsEntityPathParams } from './routes';
export {
  mlToolsHealthReadPermission,
  mlToolsAccessReadPermission,
  mlToolsMembersReadPermission,
  mlToolsKeycloakClientReadPermission,
  mlToolsInstanceManagePermission,
  mlToolsFleetManagePermission,
  mlToolsPermissions,
} from './permissions';
export {
  toEntityName,
  instanceEntityName,
  instanceEntityRef,
  keycloakClientEntityName,
  keycloakRealmEntityName,
  userFederationEntityName,
  backingStoreEntityName,
  keycloakGroupEntityRef,
  keycloakUserEntityRef,
  ML_TOOLS_RELATIONS,
} from './catalogNames';
export { ML_TOOLS_CATALOG_REFRESH_TOPIC } from './events';
export type { MlToolsCatalogRefreshEvent } from './events';
