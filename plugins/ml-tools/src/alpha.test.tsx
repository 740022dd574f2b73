import { screen, waitFor, within } from '@testing-library/react';
import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentLayoutBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import mlToolsPlugin, {
  keycloakClientEntityCard,
  userFederationEntityCard,
  mlToolAccessEntityCard,
  mlToolHealthEntityCard,
  mlToolLinksEntityCard,
  mlToolInstanceContentLayout,
  mlToolsApi,
  mlToolsPage,
} from './alpha';
import { mlToolsApiRef } from './api';
import {
  INSTANCE_PATHS,
  createFakeClient,
  instanceEntity,
  keycloakClientEntity,
  plainComponent,
} from './__testUtils__/fakeBackend';

const { client } = createFakeClient({
  [INSTANCE_PATHS.health]: {
    body: {
      entityRef: 'component:ml/mlflow-a',
      status: 'degraded',
      checks: [
        {
          id: 'workloads',
          title: 'Workloads',
          status: 'degraded',
          reason: '1 of 2 pods ready',
        },
      ],
      fetchedAt: '2024-05-01T10:00:00Z',
    },
  },
  '/instances': {
    body: {
      items: [
        {
          entityRef: 'component:ml/mlflow-a',
          title: 'MLflow A',
          tool: 'mlflow',
          owner: 'group:default/ds',
          namespace: 'ml',
          cluster: 'sandbox',
          uiUrl: 'https://mlflow-a.example.com',
          health: 'ok',
        },
      ],
    },
  },
});

describe('ml-tools alpha plugin', () => {
  it('provides the API, the page and the four entity cards', () => {
    expect(mlToolsPlugin.pluginId).toBe('ml-tools');
    for (const id of [
      'api:ml-tools',
      'page:ml-tools',
      'entity-card:ml-tools/health',
      'entity-card:ml-tools/access',
      'entity-card:ml-tools/links',
      'entity-card:ml-tools/keycloak-client',
      'entity-content-layout:ml-tools/instance',
    ]) {
      expect(mlToolsPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('lays out tool instances only', () => {
    const filter = createExtensionTester(mlToolInstanceContentLayout).get(
      EntityContentLayoutBlueprint.dataRefs.filterFunction,
    );
    expect(filter?.(instanceEntity)).toBe(true);
    expect(filter?.(plainComponent)).toBe(false);
    expect(filter?.(keycloakClientEntity)).toBe(false);
  });

  const instanceCardFilters = {
    health: createExtensionTester(mlToolHealthEntityCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    ),
    access: createExtensionTester(mlToolAccessEntityCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    ),
    links: createExtensionTester(mlToolLinksEntityCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    ),
  };

  it.each(Object.entries(instanceCardFilters))(
    'shows the %s card on instances only, not on every Component',
    (_name, filter) => {
      expect(filter?.(instanceEntity)).toBe(true);
      expect(filter?.(plainComponent)).toBe(false);
      expect(filter?.(keycloakClientEntity)).toBe(false);
    },
  );

  it('shows the Keycloak client card on Keycloak client Resources only', () => {
    const tester = createExtensionTester(keycloakClientEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
    expect(filter?.(keycloakClientEntity)).toBe(true);
    expect(filter?.(instanceEntity)).toBe(false);
    expect(filter?.(plainComponent)).toBe(false);
    expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe('info');
  });

  it('shows the user federation card on user-federation Resources only', () => {
    const tester = createExtensionTester(userFederationEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
    const federation = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'keycloak-corporate-federation-ad',
        annotations: { 'ml-platform.io/keycloak-federation': 'corporate/ad' },
      },
      spec: { type: 'user-federation', owner: 'group:default/platform' },
    };
    expect(filter?.(federation)).toBe(true);
    expect(filter?.(keycloakClientEntity)).toBe(false);
    expect(filter?.(instanceEntity)).toBe(false);
    expect(filter?.(plainComponent)).toBe(false);
    expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe('info');
  });

  const allCards = [
    mlToolHealthEntityCard,
    mlToolAccessEntityCard,
    mlToolLinksEntityCard,
    keycloakClientEntityCard,
  ];
  // InfoCard titles are plain text, and no other text on these pages is exactly these.
  const cardTitles = () =>
    ['Health', 'Access', 'Tool links', 'Keycloak client'].filter(title =>
      screen.queryByText(title, { exact: true }),
    );

  it('puts the instance cards, and only them, on an instance entity page', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: instanceEntity }),
        ...allCards,
      ],
      apis: [[mlToolsApiRef, client]],
    });

    // Cards load lazily: generous on a loaded machine.
    await waitFor(
      () => expect(cardTitles()).toEqual(['Health', 'Access', 'Tool links']),
      { timeout: 15_000 },
    );
  });

  it('puts only the Keycloak client card on a Keycloak client entity page', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: keycloakClientEntity }),
        ...allCards,
      ],
      apis: [[mlToolsApiRef, client]],
    });

    await waitFor(() => expect(cardTitles()).toEqual(['Keycloak client']), {
      timeout: 15_000,
    });
  });

  it('puts no card on an unrelated Component page', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: plainComponent }),
        ...allCards,
      ],
      apis: [[mlToolsApiRef, client]],
    });

    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(cardTitles()).toEqual([]);
  });

  it('renders the health card of an instance through the extension', async () => {
    const tester = createExtensionTester(mlToolHealthEntityCard);
    renderInTestApp(
      <EntityProvider entity={instanceEntity}>
        {tester.reactElement()}
      </EntityProvider>,
      { apis: [[mlToolsApiRef, client]] },
    );

    expect(await screen.findByLabelText('Overall health')).toHaveTextContent(
      'Degraded',
    );
    expect(screen.getByText('1 of 2 pods ready')).toBeInTheDocument();
  });

  it('mounts the page at /ml-tools with a title and icon for the nav', async () => {
    const tester = createExtensionTester(mlToolsPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/ml-tools');
    expect(tester.get(coreExtensionData.title)).toBe('ML tools');
    expect(tester.get(coreExtensionData.icon)).toBeDefined();
    expect(tester.get(coreExtensionData.routeRef)).toBe(
      mlToolsPlugin.routes.root,
    );

    renderInTestApp(tester.reactElement(), {
      apis: [[mlToolsApiRef, client]],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });
    const tile = await screen.findByRole('article', { name: 'MLflow A' });
    expect(within(tile).getByRole('button', { name: /Open/ })).toHaveAttribute(
      'href',
      'https://mlflow-a.example.com',
    );
  });

  it('builds the client from discovery and fetch', () => {
    const factory = createExtensionTester(mlToolsApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api.id).toBe(mlToolsApiRef.id);
    expect(
      Object.values(factory.deps)
        .map(ref => ref.id)
        .sort(),
    ).toEqual(['core.discovery', 'core.fetch']);
  });

  it('puts the page in the app nav', async () => {
    renderTestApp({
      features: [mlToolsPlugin],
      apis: [[mlToolsApiRef, client]],
      initialRouteEntries: ['/ml-tools'],
    });

    const sidebar = await screen.findByRole('navigation', {
      name: 'sidebar nav',
    });
    expect(
      within(sidebar).getByRole('link', { name: /ML tools/ }),
    ).toHaveAttribute('href', '/ml-tools');
  });
});
