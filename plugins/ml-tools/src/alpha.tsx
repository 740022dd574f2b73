/**
 * The ML tools frontend plugin for the new frontend system: entity cards, the ML tools
 * page with its nav item, and the API client.
 *
 * @packageDocumentation
 */

import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { Content } from '@backstage/core-components';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import ScatterPlotIcon from '@material-ui/icons/ScatterPlot';
import { MlToolsClient, mlToolsApiRef } from './api';
import {
  isKeycloakClientAvailable,
  isMlToolAccessAvailable,
  isMlToolHealthAvailable,
  isMlToolLinksAvailable,
} from './predicates';

/**
 * Route of the ML tools page in the new frontend system.
 *
 * @alpha
 */
export const mlToolsRootRouteRef = createRouteRef();

/**
 * The ML tools API client, talking to the ML tools backend.
 *
 * @alpha
 */
export const mlToolsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: mlToolsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlToolsClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The ML tools page at `/ml-tools`; its title and icon make it a nav item.
 *
 * @alpha
 */
export const mlToolsPage = PageBlueprint.make({
  params: {
    path: '/ml-tools',
    routeRef: mlToolsRootRouteRef,
    title: 'ML tools',
    icon: <ScatterPlotIcon />,
    loader: () =>
      import('./components/MlToolsPage').then(m => (
        // The page layout brings the header; Content only adds the usual padding.
        <Content>
          <m.MlToolsPageContent />
        </Content>
      )),
  },
});

/**
 * Health card, on tool instance entities only.
 *
 * @alpha
 */
export const mlToolHealthEntityCard = EntityCardBlueprint.make({
  name: 'health',
  params: {
    filter: isMlToolHealthAvailable,
    loader: () =>
      import('./components/EntityMlToolHealthCard').then(m => (
        <m.EntityMlToolHealthCard />
      )),
  },
});

/**
 * Access card (roles, groups, members), on tool instance entities only.
 *
 * @alpha
 */
export const mlToolAccessEntityCard = EntityCardBlueprint.make({
  name: 'access',
  params: {
    filter: isMlToolAccessAvailable,
    loader: () =>
      import('./components/EntityMlToolAccessCard').then(m => (
        <m.EntityMlToolAccessCard />
      )),
  },
});

/**
 * Links card, in the info column of tool instance entities only.
 *
 * @alpha
 */
export const mlToolLinksEntityCard = EntityCardBlueprint.make({
  name: 'links',
  params: {
    type: 'info',
    filter: isMlToolLinksAvailable,
    loader: () =>
      import('./components/EntityMlToolLinksCard').then(m => (
        <m.EntityMlToolLinksCard />
      )),
  },
});

/**
 * Keycloak client card, in the info column of Keycloak client Resources only.
 *
 * @alpha
 */
export const keycloakClientEntityCard = EntityCardBlueprint.make({
  name: 'keycloak-client',
  params: {
    type: 'info',
    filter: isKeycloakClientAvailable,
    loader: () =>
      import('./components/EntityKeycloakClientCard').then(m => (
        <m.EntityKeycloakClientCard />
      )),
  },
});

/**
 * The ML tools plugin for the new frontend system, found by `app.packages: all`.
 *
 * @alpha
 */
const mlToolsPlugin = createFrontendPlugin({
  pluginId: 'ml-tools',
  title: 'ML tools',
  icon: <ScatterPlotIcon />,
  info: { packageJson: () => import('../package.json') },
  routes: {
    root: mlToolsRootRouteRef,
  },
  extensions: [
    mlToolsApi,
    mlToolsPage,
    mlToolHealthEntityCard,
    mlToolAccessEntityCard,
    mlToolLinksEntityCard,
    keycloakClientEntityCard,
  ],
});

export default mlToolsPlugin;
