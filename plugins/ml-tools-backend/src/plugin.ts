import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { mlToolsPermissions } from '@ml-platform/plugin-ml-tools-common';
import { createRouter } from './router';
import { MlToolsService } from './service/MlToolsService';

/**
 * The ML tools backend plugin: health, access and links of tool instances, the instance
 * list, Keycloak client summaries, and the catalog refresh hook, at `/api/ml-tools`.
 *
 * @public
 */
export const mlToolsPlugin = createBackendPlugin({
  pluginId: 'ml-tools',
  register(env) {
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
      },
      async init(deps) {
        const service = MlToolsService.fromConfig(deps.config, {
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
          }),
        );
      },
    });
  },
});
