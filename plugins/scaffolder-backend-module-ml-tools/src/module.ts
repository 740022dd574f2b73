import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  ML_TOOLS_CATALOG_REFRESH_TOPIC,
  mlToolsInstanceManagePermission,
} from '@ml-platform/plugin-ml-tools-common';
import {
  ChartPreflight,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  mlToolsBlueprintRegistryServiceRef,
  mlToolsInstanceOperationsServiceRef,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import { createMlToolsActions } from './actions';
import { removeInstance } from './actions/decommission';
import type { MlToolsActionOptions } from './lib/context';
import { CatalogInstanceAccess } from './lib/access';

/**
 * Scaffolder module adding the ML tools provisioning actions. The tools they deploy come
 * from the shared blueprint registry service (built-ins plus what modules of the
 * `ml-tools` plugin add).
 *
 * @public
 */
export const scaffolderModuleMlTools = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'ml-tools',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        events: eventsServiceRef,
        blueprints: mlToolsBlueprintRegistryServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        operations: mlToolsInstanceOperationsServiceRef,
      },
      async init({
        scaffolder,
        config,
        logger,
        events,
        blueprints,
        catalog,
        auth,
        permissions,
        permissionsRegistry,
        operations,
      }) {
        const mlTools = readMlToolsConfig(config);
        // Listed by the scaffolder too, so that policies can name it even where the
        // ml-tools backend plugin is not installed.
        permissionsRegistry.addPermissions([mlToolsInstanceManagePermission]);
        const actionOptions: MlToolsActionOptions = {
          config: mlTools,
          kubernetes: KubernetesClientGateway.fromConfig(mlTools, { logger }),
          keycloak: KeycloakAdminGateway.fromConfig(mlTools, { logger }),
          blueprints,
          access: new CatalogInstanceAccess({
            catalog,
            auth,
            permissions,
            permissionsEnabled:
              config.getOptionalBoolean('permission.enabled') ?? false,
          }),
          preflight: ChartPreflight.fromConfig(mlTools, { logger }),
          // The catalog module's provider listens on this topic (same backend, or
          // other replicas through the events bus).
          requestCatalogRefresh: async eventPayload => {
            await events.publish({
              topic: ML_TOOLS_CATALOG_REFRESH_TOPIC,
              eventPayload,
            });
          },
        };
        scaffolder.addActions(...createMlToolsActions(actionOptions));
        // The ml-tools backend's orphan removal runs the decommission steps, not a copy.
        operations.provideRemover({
          remove: removal => removeInstance(actionOptions, removal),
        });
      },
    });
  },
});
