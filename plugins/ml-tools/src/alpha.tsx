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
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import { Content } from '@backstage/core-components';
import {
  EntityCardBlueprint,
  EntityContentLayoutBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import ScatterPlotIcon from '@material-ui/icons/ScatterPlot';
import { MlToolsClient, mlToolsApiRef } from './api';
import {
  mlToolsRootRouteRef,
  mlToolsSelectedTemplateRouteRef,
} from './alphaRoutes';
import {
  isKeycloakClientAvailable,
  isUserFederationAvailable,
  isMlToolAccessAvailable,
  isMlToolHealthAvailable,
  isMlToolLinksAvailable,
} from './predicates';

export { mlToolsRootRouteRef, mlToolsSelectedTemplateRouteRef };
export { MlToolsReviewState } from './components/ReviewState/MlToolsReviewState';

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
 * The overview layout of tool instance entities: health, access and links first, side
 * by side; no empty relation table, no second links card.
 *
 * @alpha
 */
export const mlToolInstanceContentLayout = EntityContentLayoutBlueprint.make({
  name: 'instance',
  params: {
    filter: isMlToolHealthAvailable,
    loader: async () =>
      import('./components/MlToolInstanceLayout').then(
        m => m.MlToolInstanceLayout,
      ),
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
 * User federation card, in the info column of user-federation Resources only.
 *
 * @alpha
 */
export const userFederationEntityCard = EntityCardBlueprint.make({
  name: 'user-federation',
  params: {
    type: 'info',
    filter: isUserFederationAvailable,
    loader: () =>
      import('./components/EntityUserFederationCard').then(m => (
        <m.EntityUserFederationCard />
      )),
  },
});

/**
 * Home page widget `MlToolsAtAGlance`: the deployed instances counted by tool and health.
 *
 * @alpha
 */
export const mlToolsSummaryHomePageWidget = HomePageWidgetBlueprint.make({
  name: 'summary',
  params: {
    name: 'MlToolsAtAGlance',
    title: 'ML tools at a glance',
    description: 'Deployed ML tool instances counted by tool and health.',
    components: () =>
      import('./components/HomePageCards/alpha').then(m => ({
        Content: m.AlphaMlToolsSummaryContent,
      })),
  },
});

/**
 * Home page widget `MlToolTemplates`: the software templates to start an ML tool from.
 *
 * @alpha
 */
export const mlToolTemplatesHomePageWidget = HomePageWidgetBlueprint.make({
  name: 'templates',
  params: {
    name: 'MlToolTemplates',
    title: 'Start from a template',
    description: 'The software templates that deploy or remove an ML tool.',
    components: () =>
      import('./components/HomePageCards/alpha').then(m => ({
        Content: m.AlphaMlToolTemplatesContent,
      })),
  },
});

/**
 * Home page widget `MyMlToolInstances`: the instances owned by the user or the user's groups.
 *
 * @alpha
 */
export const myMlToolInstancesHomePageWidget = HomePageWidgetBlueprint.make({
  name: 'my-instances',
  params: {
    name: 'MyMlToolInstances',
    title: 'Your ML tool instances',
    description:
      'The ML tool instances owned by you or your groups, with their health.',
    components: () =>
      import('./components/HomePageCards/MyMlToolInstancesContent').then(m => ({
        Content: m.MyMlToolInstancesContent,
      })),
  },
});

/**
 * The `MlToolsGroupPicker` form field of the ML tools templates: catalog Groups picked
 * and shown by title (their full Keycloak path), valued by entity ref.
 *
 * @alpha
 */
export const mlToolsGroupPickerFormField = FormFieldBlueprint.make({
  name: 'group-picker',
  params: {
    field: () =>
      import('./components/GroupPicker/formField').then(
        m => m.groupPickerFormField,
      ),
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
  externalRoutes: {
    selectedTemplate: mlToolsSelectedTemplateRouteRef,
  },
  extensions: [
    mlToolsApi,
    mlToolsPage,
    mlToolHealthEntityCard,
    mlToolAccessEntityCard,
    mlToolLinksEntityCard,
    mlToolInstanceContentLayout,
    keycloakClientEntityCard,
    userFederationEntityCard,
    mlToolsSummaryHomePageWidget,
    mlToolTemplatesHomePageWidget,
    myMlToolInstancesHomePageWidget,
    mlToolsGroupPickerFormField,
  ],
});

export default mlToolsPlugin;
