import type { MlToolsActionOptions } from '../lib/context';
import { createDecommissionAction } from './decommission';
import { createDeployAction } from './deploy';
import { createKeycloakClientEnsureAction } from './keycloakClientEnsure';
import { createKeycloakFederationEnsureAction } from './keycloakFederationEnsure';
import { createKeycloakGroupsEnsureAction } from './keycloakGroupsEnsure';
import { createNamespaceEnsureAction } from './namespaceEnsure';
import { createSecretsEnsureAction } from './secretsEnsure';

export {
  createDecommissionAction,
  createDeployAction,
  createKeycloakClientEnsureAction,
  createKeycloakFederationEnsureAction,
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
    createDeployAction(options),
    createDecommissionAction(options),
  ];
}
