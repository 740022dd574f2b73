import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  KeycloakAdminGateway,
  KubernetesClientGateway,
  mlToolsBlueprintsExtensionPoint,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import { createMlToolsActions } from './actions';

/**
 * Scaffolder module adding the ML tools provisioning actions, and the extension point
 * through which other scaffolder modules add tool blueprints.
 *
 * @public
 */
export const scaffolderModuleMlTools = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'ml-tools',
  register(env) {
    const blueprints = DefaultBlueprintRegistry.create([...builtInBlueprints]);
    env.registerExtensionPoint(mlToolsBlueprintsExtensionPoint, {
      addBlueprints: (...added) => blueprints.add(...added),
    });
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ scaffolder, config, logger }) {
        blueprints.seal();
        const mlTools = readMlToolsConfig(config);
        scaffolder.addActions(
          ...createMlToolsActions({
            config: mlTools,
            kubernetes: KubernetesClientGateway.fromConfig(mlTools, { logger }),
            keycloak: KeycloakAdminGateway.fromConfig(mlTools, { logger }),
            blueprints,
          }),
        );
      },
    });
  },
});
