import {
  coreServices,
  createExtensionPoint,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { builtInBlueprints } from './builtIn';
import { DefaultBlueprintRegistry, type BlueprintRegistry } from './registry';
import type { AnyToolBlueprint } from './types';

/**
 * Lets a backend module of the `ml-tools` plugin add tool blueprints next to the
 * built-in ones. They reach every plugin of the suite through
 * {@link mlToolsBlueprintRegistryServiceRef}: the deploy actions, the catalog provider
 * and the instance routes alike.
 *
 * @public
 */
export interface MlToolsBlueprintsExtensionPoint {
  /** Adds blueprints; ids must be unique across built-in and added ones. */
  addBlueprints(...blueprints: AnyToolBlueprint[]): void;
}

/**
 * Extension point of the `ml-tools` backend plugin through which platform teams add
 * their own tools.
 *
 * @public
 */
export const mlToolsBlueprintsExtensionPoint =
  createExtensionPoint<MlToolsBlueprintsExtensionPoint>({
    id: 'ml-tools.blueprints',
  });

/**
 * The blueprint registry shared by every plugin of the suite: the built-ins, plus what
 * modules add through {@link mlToolsBlueprintsExtensionPoint} while the backend starts.
 * Sealed once the backend has started.
 *
 * @public
 */
export interface BlueprintRegistryService extends BlueprintRegistry {
  /**
   * Adds blueprints during startup. Modules use {@link mlToolsBlueprintsExtensionPoint};
   * the `ml-tools` plugin forwards them here.
   */
  add(...blueprints: AnyToolBlueprint[]): void;
}

/**
 * Root service holding the one blueprint registry of a backend.
 *
 * @public
 */
export const mlToolsBlueprintRegistryServiceRef =
  createServiceRef<BlueprintRegistryService>({
    id: 'ml-tools.blueprint-registry',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: { lifecycle: coreServices.rootLifecycle },
        factory({ lifecycle }) {
          const registry = DefaultBlueprintRegistry.create([
            ...builtInBlueprints,
          ]);
          lifecycle.addStartupHook(() => registry.seal());
          return registry;
        },
      }),
  });
