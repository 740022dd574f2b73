/**
 * Scaffolder actions that deploy, configure and decommission ML tools on Kubernetes and
 * Keycloak.
 *
 * @packageDocumentation
 */

export { scaffolderModuleMlTools as default } from './module';
export { scaffolderModuleMlTools } from './module';
export {
  createMlToolsActions,
  createNamespaceEnsureAction,
  createSecretsEnsureAction,
  createKeycloakClientEnsureAction,
  createKeycloakGroupsEnsureAction,
  createKeycloakFederationEnsureAction,
  createKeycloakFederationRemoveAction,
  createDeployAction,
  createDecommissionAction,
} from './actions';
export type { MlToolsActionOptions } from './lib/context';
export { CatalogInstanceAccess } from './lib/access';
export type { InstanceAccess, OwnedInstance, TaskCaller } from './lib/access';
