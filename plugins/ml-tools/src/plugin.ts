import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { MlToolsClient, mlToolsApiRef } from './api';
import { rootRouteRef } from './routes';

/**
 * The ML tools frontend plugin, for apps on the legacy frontend system.
 *
 * @public
 */
export const mlToolsPlugin = createPlugin({
  id: 'ml-tools',
  apis: [
    createApiFactory({
      api: mlToolsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlToolsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
  },
});

/**
 * The ML tools page: every instance as a tile, filterable by tool, owner and health.
 *
 * @public
 */
export const MlToolsPage = mlToolsPlugin.provide(
  createRoutableExtension({
    name: 'MlToolsPage',
    component: () =>
      import('./components/MlToolsPage').then(m => m.MlToolsPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * Entity card with the health checks of a tool instance; show it where
 * `isMlToolHealthAvailable` holds.
 *
 * @public
 */
export const EntityMlToolHealthCard = mlToolsPlugin.provide(
  createComponentExtension({
    name: 'EntityMlToolHealthCard',
    component: {
      lazy: () =>
        import('./components/EntityMlToolHealthCard').then(
          m => m.EntityMlToolHealthCard,
        ),
    },
  }),
);

/**
 * Entity card with the roles, groups and members of a tool instance; show it where
 * `isMlToolAccessAvailable` holds.
 *
 * @public
 */
export const EntityMlToolAccessCard = mlToolsPlugin.provide(
  createComponentExtension({
    name: 'EntityMlToolAccessCard',
    component: {
      lazy: () =>
        import('./components/EntityMlToolAccessCard').then(
          m => m.EntityMlToolAccessCard,
        ),
    },
  }),
);

/**
 * Entity card with the UI, API, Keycloak console and docs links of a tool instance; show
 * it where `isMlToolLinksAvailable` holds.
 *
 * @public
 */
export const EntityMlToolLinksCard = mlToolsPlugin.provide(
  createComponentExtension({
    name: 'EntityMlToolLinksCard',
    component: {
      lazy: () =>
        import('./components/EntityMlToolLinksCard').then(
          m => m.EntityMlToolLinksCard,
        ),
    },
  }),
);

/**
 * Entity card with the facts of a Keycloak client; show it where
 * `isKeycloakClientAvailable` holds.
 *
 * @public
 */
export const EntityKeycloakClientCard = mlToolsPlugin.provide(
  createComponentExtension({
    name: 'EntityKeycloakClientCard',
    component: {
      lazy: () =>
        import('./components/EntityKeycloakClientCard').then(
          m => m.EntityKeycloakClientCard,
        ),
    },
  }),
);
