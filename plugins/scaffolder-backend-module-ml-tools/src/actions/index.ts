import type { MlToolsActionOptions } from '../lib/context';
import { createDecommissionAction } from './decommission';
import { createDeployAction } from './deploy';
import { createKeycloakClientEnsureAction } from './keycloakClientEnsure';
import { createKeycloakFederationEnsureAction } from './keycloakFederationEnsure';
import { createKeycloakFederationRemoveAction } from './keycloakFederationRemove';
import { createKeycloakGroupsEnsureAction } from './keycloakGroupsEnsure';
import { createNamespaceEnsureAction } from './namespaceEnsure';
import { createSecretsEnsureAction } from './secretsEnsure';

export {
  createDecommissionAction,
  createDeployAction,
  createKeycloakClientEnsureAction,
  createKeycloakFederationEnsureAction,
  createKeycloakFederationRemoveAction,
  createKeycloakGroupsEnsureAction,
  createNamespaceEnsureAction,
  createSecretsEnsureAction,
};

/**
 * Every provisioning action, built from the same config, gateways and registry.
 *
 * @public
 */
export function createMlToolsActions(options: MlToolsActionOptions) {
  return [
    createNamespaceEnsureAction(options),
    createSecretsEnsureAction(options),
    createKeycloakClientEnsureAction(options),
    createKeycloakGroupsEnsureAction(options),
    createKeycloakFederationEnsureAction(options),
    createKeycloakFederationRemoveAction(options),
    createDeployAction(options),
    createDecommissionAction(options),
  ];
}
