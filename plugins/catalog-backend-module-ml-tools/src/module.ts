import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { mlToolsBlueprintRegistryServiceRef } from '@ml-platform/plugin-ml-tools-node';
import { MlToolsAccessRelationsProcessor } from './provider/MlToolsAccessRelationsProcessor';
import { MlToolsEntityProvider } from './provider/MlToolsEntityProvider';

/**
 * Catalog module that adds the ML tools entity provider (tool instances, their Keycloak
 * clients and backing stores, read from the configured clusters and Keycloak realm; the
 * kinds and tool facts from the shared blueprint registry) and
 * the processor relating instances to the Groups their roles are granted to.
 *
 * @public
 */
export const catalogModuleMlTools = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'ml-tools',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        events: eventsServiceRef,
        blueprints: mlToolsBlueprintRegistryServiceRef,
      },
      async init({ catalog, config, logger, scheduler, events, blueprints }) {
        catalog.addEntityProvider(
          MlToolsEntityProvider.fromConfig(config, {
            logger,
            scheduler,
            events,
            blueprints,
          }),
        );
        catalog.addProcessor(new MlToolsAccessRelationsProcessor());
      },
    });
  },
});
