import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  ML_TOOLS_CATALOG_REFRESH_TOPIC,
  mlToolsPermissions,
} from '@ml-platform/plugin-ml-tools-common';
import {
  checkToolSettings,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  mainObjectKinds,
  mlToolsInstanceOperationsServiceRef,
  readMlToolsConfig,
  mlToolsBlueprintRegistryServiceRef,
  mlToolsBlueprintsExtensionPoint,
  type AnyToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { createRouter } from './router';
import { MlToolsService } from './service/MlToolsService';
import { FleetOrphanActions } from './service/FleetOrphanActions';

/**
 * The ML tools backend plugin: health, access and links of tool instances, the instance
 * list, Keycloak client summaries, and the catalog refresh hook, at `/api/ml-tools`.
 * Its extension point `mlToolsBlueprintsExtensionPoint` is where platform teams add
 * their own tools; they reach the scaffolder and catalog modules through the shared
 * blueprint registry service.
 *
 * @public
 */
export const mlToolsPlugin = createBackendPlugin({
  pluginId: 'ml-tools',
  register(env) {
    const added: AnyToolBlueprint[] = [];
    env.registerExtensionPoint(mlToolsBlueprintsExtensionPoint, {
      addBlueprints: (...blueprints) => added.push(...blueprints),
    });
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        blueprints: mlToolsBlueprintRegistryServiceRef,
        operations: mlToolsInstanceOperationsServiceRef,
      },
      async init(deps) {
        // Modules of this plugin have all registered by now (they init first).
        deps.blueprints.add(...added);
        // Every tool is known now: their settings in config are checked once, here, so
        // that a mistake stops the backend instead of failing a later deploy.
        checkToolSettings(
          readMlToolsConfig(deps.config).tools,
          deps.blueprints.list(),
        );
        const service = MlToolsService.fromConfig(deps.config, {
          logger: deps.logger,
          blueprints: deps.blueprints,
        });
        const mlTools = readMlToolsConfig(deps.config);
        const orphanActions = new FleetOrphanActions({
          kubernetes: KubernetesClientGateway.fromConfig(mlTools, {
            logger: deps.logger,
          }),
          keycloak: KeycloakAdminGateway.fromConfig(mlTools, {
            logger: deps.logger,
          }),
          objectKinds: () => deps.blueprints.list().flatMap(mainObjectKinds),
          // Provided by the scaffolder module once it started (same backend).
          remover: () => deps.operations.remover(),
          requestCatalogRefresh: async eventPayload => {
            await deps.events.publish({
              topic: ML_TOOLS_CATALOG_REFRESH_TOPIC,
              eventPayload,
            });
          },
          logger: deps.logger,
        });
        deps.permissionsRegistry.addPermissions(mlToolsPermissions);
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            catalog: deps.catalog,
            events: deps.events,
            logger: deps.logger,
            service,
            orphanActions,
          }),
        );
      },
    });
  },
});
