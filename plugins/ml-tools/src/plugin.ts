import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createCardExtension } from '@backstage/plugin-home-react';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { MlToolsClient, mlToolsApiRef } from './api';
import { rootRouteRef, selectedTemplateRouteRef } from './routes';
import { GROUP_PICKER_FIELD_NAME, GroupPicker } from './components/GroupPicker';

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
  externalRoutes: {
    selectedTemplate: selectedTemplateRouteRef,
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

/**
 * Entity card with the health of a realm's LDAP / Active Directory user federation
 * (last sync, users, groups, errors); show it where `isUserFederationAvailable` holds.
 *
 * @public
 */
export const EntityUserFederationCard = mlToolsPlugin.provide(
  createComponentExtension({
    name: 'EntityUserFederationCard',
    component: {
      lazy: () =>
        import('./components/EntityUserFederationCard').then(
          m => m.EntityUserFederationCard,
        ),
    },
  }),
);

/**
 * Home page card: the deployed instances counted by tool and health, each count linking
 * to the ML tools page filtered the same way.
 *
 * @public
 */
export const HomePageMlToolsSummaryCard = mlToolsPlugin.provide(
  createCardExtension({
    name: 'HomePageMlToolsSummaryCard',
    title: 'ML tools at a glance',
    components: () =>
      import('./components/HomePageCards/legacy').then(m => ({
        Content: m.LegacyMlToolsSummaryContent,
      })),
  }),
);

/**
 * Home page card: the software templates to start an ML tool from.
 *
 * @public
 */
export const HomePageMlToolTemplatesCard = mlToolsPlugin.provide(
  createCardExtension({
    name: 'HomePageMlToolTemplatesCard',
    title: 'Start from a template',
    components: () =>
      import('./components/HomePageCards/legacy').then(m => ({
        Content: m.LegacyMlToolTemplatesContent,
      })),
  }),
);

/**
 * Home page card: the instances owned by the signed-in user or the user's groups.
 *
 * @public
 */
export const HomePageMyMlToolInstancesCard = mlToolsPlugin.provide(
  createCardExtension({
    name: 'HomePageMyMlToolInstancesCard',
    title: 'Your ML tool instances',
    components: () =>
      import('./components/HomePageCards/MyMlToolInstancesContent').then(m => ({
        Content: m.MyMlToolInstancesContent,
      })),
  }),
);

/**
 * The `MlToolsGroupPicker` form field of the ML tools templates: catalog Groups picked
 * and shown by title (their full Keycloak path), valued by entity ref. Place it inside
 * `<ScaffolderFieldExtensions>` of the app's scaffolder route.
 *
 * @public
 */
export const MlToolsGroupPickerFieldExtension = mlToolsPlugin.provide(
  createScaffolderFieldExtension({
    name: GROUP_PICKER_FIELD_NAME,
    component: GroupPicker,
  }),
);
