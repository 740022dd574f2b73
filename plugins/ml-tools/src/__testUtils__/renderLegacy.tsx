import type { ReactElement } from 'react';
import type { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { mlToolsApiRef } from '../api';
import { createFakeClient, type FakeAnswer } from './fakeBackend';

/**
 * Renders a card or page as a legacy app would: inside an entity context, with the real
 * client over a fake backend and the catalog's entity route mounted for links.
 */
export async function renderLegacy(
  element: ReactElement,
  options: {
    answers: Record<string, FakeAnswer | 'pending'>;
    entity?: Entity;
    initialRoute?: string;
  },
) {
  const { client } = createFakeClient(options.answers);
  const content = options.entity ? (
    <EntityProvider entity={options.entity}>{element}</EntityProvider>
  ) : (
    element
  );
  return renderInTestApp(
    <TestApiProvider apis={[[mlToolsApiRef, client]]}>
      {content}
    </TestApiProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      routeEntries: options.initialRoute ? [options.initialRoute] : undefined,
    },
  );
}
