import { screen } from '@testing-library/react';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import {
  EntityKeycloakClientCard,
  EntityMlToolAccessCard,
  EntityMlToolHealthCard,
  EntityMlToolLinksCard,
  MlToolsPage,
  mlToolsPlugin,
} from './plugin';
import { Route, Routes } from 'react-router-dom';
import { mlToolsApiRef } from './api';
import {
  INSTANCE_PATHS,
  createFakeClient,
  errorBody,
  instanceEntity,
  keycloakClientEntity,
} from './__testUtils__/fakeBackend';

const denied = errorBody('NotAllowedError', 'Denied', 403);
const { client } = createFakeClient({
  [INSTANCE_PATHS.health]: denied,
  [INSTANCE_PATHS.access]: denied,
  [INSTANCE_PATHS.links]: denied,
  [INSTANCE_PATHS.keycloakClient]: denied,
  '/instances': { body: { items: [] } },
});

describe('legacy ml-tools plugin', () => {
  it('registers the client for the ml-tools API', () => {
    expect(mlToolsPlugin.getId()).toBe('ml-tools');
    const [factory] = [...mlToolsPlugin.getApis()];
    expect(factory.api.id).toBe(mlToolsApiRef.id);
  });

  it.each([
    ['health', EntityMlToolHealthCard, instanceEntity],
    ['access', EntityMlToolAccessCard, instanceEntity],
    ['links', EntityMlToolLinksCard, instanceEntity],
    ['keycloak client', EntityKeycloakClientCard, keycloakClientEntity],
  ])(
    'exposes the %s card as a component extension',
    async (_n, Card, entity) => {
      await renderInTestApp(
        <TestApiProvider apis={[[mlToolsApiRef, client]]}>
          <EntityProvider entity={entity}>
            <Card />
          </EntityProvider>
        </TestApiProvider>,
      );

      expect(
        await screen.findByRole('status', { name: "You don't have access" }),
      ).toBeInTheDocument();
    },
  );

  it('exposes the page as a routable extension', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[mlToolsApiRef, client]]}>
        <Routes>
          <Route path="/ml-tools" element={<MlToolsPage />} />
        </Routes>
      </TestApiProvider>,
      {
        routeEntries: ['/ml-tools'],
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );

    expect(
      await screen.findByRole('status', { name: 'No ML tools yet' }),
    ).toBeInTheDocument();
    expect(screen.getByText('ML tools')).toBeInTheDocument();
  });
});
