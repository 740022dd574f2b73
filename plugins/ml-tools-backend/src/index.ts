/**
 * Backend of the ML tools plugins: per-instance health, access and links, the instance
 * list, Keycloak client summaries and the catalog refresh hook, at `/api/ml-tools`.
 *
 * @packageDocumentation
 */

export { mlToolsPlugin as default, mlToolsPlugin } from './plugin';
export { createRouter } from './router';
export type { RouterOptions } from './router';
export { MlToolsService } from './service/MlToolsService';
export type {
  MlToolsServiceOptions,
  MlToolsBlueprintFacts,
} from './service/MlToolsService';
export type { FleetSummary, PinnedCharts } from './service/FleetView';
export { FleetOrphanActions } from './service/FleetOrphanActions';
export type { FleetOrphanActionsOptions } from './service/FleetOrphanActions';
export { readMlToolsBackendConfig } from './service/config';
export type {
  MlToolsBackendConfig,
  MlToolsBackendRealm,
} from './service/config';
export { createGatewayReads } from './service/gatewayReads';
export type {
  MlToolsClusterReads,
  MlToolsK8sObject,
  MlToolsKeycloakClientInfo,
  MlToolsKeycloakClientScope,
  MlToolsKeycloakMember,
  MlToolsGroupClientRoles,
  MlToolsUserFederationFacts,
  MlToolsKeycloakReads,
  MlToolsReadOptions,
} from './service/readers';
