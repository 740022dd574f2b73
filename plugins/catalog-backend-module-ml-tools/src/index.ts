/**
 * Catalog module of the ML tools plugins: the entity provider that turns deployed tool
 * instances, their Keycloak clients and backing stores into catalog entities.
 *
 * @packageDocumentation
 */

export {
  catalogModuleMlTools as default,
  catalogModuleMlTools,
} from './module';
export { MlToolsEntityProvider } from './provider/MlToolsEntityProvider';
export { MlToolsAccessRelationsProcessor } from './provider/MlToolsAccessRelationsProcessor';
export type {
  MlToolsCatalogReaders,
  MlToolsEntityProviderDeps,
  MlToolsRefreshResult,
} from './provider/MlToolsEntityProvider';
export {
  readMlToolsCatalogConfig,
  keycloakServerName,
} from './provider/config';
export type { MlToolsCatalogConfig } from './provider/config';
export { createGatewayReaders } from './provider/gatewayReaders';
export { ML_TOOLS_INSTANCE_SELECTOR } from './provider/entities';
export type { MlToolsToolFacts } from './provider/entities';
export type { MlToolsKeycloakTarget } from './provider/values';
export type {
  MlToolsInstanceKind,
  MlToolsKubernetesObject,
  MlToolsClusterReader,
  MlToolsKeycloakClient,
  MlToolsKeycloakFederation,
  MlToolsKeycloakReader,
} from './provider/types';
