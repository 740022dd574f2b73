import { screen, within } from '@testing-library/react';
import { identityApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import type { ReactElement } from 'react';
import type { InstanceSummary } from '@ml-platform/plugin-ml-tools-common';
import { mlToolsApiRef } from '../../api';
import { createFakeClient } from '../../__testUtils__/fakeBackend';
import { countByToolAndHealth } from './counts';
import { MlToolTemplatesContent } from './MlToolTemplatesContent';
import { MlToolsSummaryContent } from './MlToolsSummaryContent';
import { MyMlToolInstancesContent } from './MyMlToolInstancesContent';

const instance = (
  name: string,
  tool: string,
  health: InstanceSummary['health'],
  owner: string,
): InstanceSummary => ({
  entityRef: `component:default/sandbox-ml-${name}`,
  title: name,
  tool,
  owner,
  namespace: 'ml',
  cluster: 'sandbox',
  health,
  uiUrl: `https://${name}.example.com`,
});

const instances = [
  instance('mlflow-a', 'mlflow', 'ok', 'group:default/vision'),
  instance('mlflow-b', 'mlflow', 'error', 'user:default/alice'),
  instance('mlflow-c', 'mlflow', 'ok', 'group:default/nlp'),
  instance('airflow-a', 'airflow', 'degraded', 'group:default/vision'),
];

async function render(element: ReactElement, items = instances) {
  const { client } = createFakeClient({ '/instances': { body: { items } } });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [mlToolsApiRef, client],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/alice',
            ownershipEntityRefs: ['user:default/alice', 'group:default/vision'],
          }),
        ],
        [
          catalogApiRef,
          catalogApiMock({
            entities: [
              {
                apiVersion: 'scaffolder.backstage.io/v1beta3',
                kind: 'Template',
                metadata: {
                  name: 'mlflow',
                  namespace: 'default',
                  title: 'MLflow tracking server',
                  description: 'An MLflow tracking server.',
                },
                spec: { type: 'ml-tool' },
              },
              {
                apiVersion: 'scaffolder.backstage.io/v1beta3',
                kind: 'Template',
                metadata: { name: 'react-app', namespace: 'default' },
                spec: { type: 'website' },
              },
            ],
          }),
        ],
      ]}
    >
      {element}
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('countByToolAndHealth', () => {
  it('counts each tool by health and sums them up', () => {
    const { rows, totals } = countByToolAndHealth(instances);
    expect(rows.map(r => [r.tool, r.total, r.byHealth])).toEqual([
      ['airflow', 1, { error: 0, degraded: 1, unknown: 0, ok: 0 }],
      ['mlflow', 3, { error: 1, degraded: 0, unknown: 0, ok: 2 }],
    ]);
    expect(totals.total).toBe(4);
    expect(totals.byHealth).toEqual({
      error: 1,
      degraded: 1,
      unknown: 0,
      ok: 2,
    });
  });
});

describe('home page cards', () => {
  it('shows instances by tool and health, linking each count to the filtered ML tools page', async () => {
    await render(<MlToolsSummaryContent pageLink="/ml-tools" />);
    const table = await screen.findByRole('table', {
      name: 'ML tool instances by tool and health',
    });
    const mlflow = within(table).getByRole('row', { name: /^mlflow/ });
    expect(
      within(mlflow).getByRole('link', {
        name: '2 instances of mlflow: Healthy',
      }),
    ).toHaveAttribute('href', '/ml-tools?tool=mlflow&health=ok');
    expect(
      within(mlflow).getByRole('link', { name: '1 instance of mlflow: Error' }),
    ).toHaveAttribute('href', '/ml-tools?tool=mlflow&health=error');
    expect(
      within(table).getByRole('row', { name: /^All tools/ }),
    ).toHaveTextContent('All tools411');
    expect(
      screen.getByText('4 instances of 2 tools; 2 need attention.'),
    ).toBeInTheDocument();
  });

  it('says so when nothing is deployed yet', async () => {
    await render(<MlToolsSummaryContent />, []);
    expect(await screen.findByText('No ML tools yet')).toBeInTheDocument();
  });

  it('lists the ML tool templates by title, each opening its form', async () => {
    await render(
      <MlToolTemplatesContent
        templateLink={t => `/create/templates/${t.namespace}/${t.name}`}
      />,
    );
    const link = await screen.findByRole('link', {
      name: 'MLflow tracking server',
    });
    expect(link).toHaveAttribute('href', '/create/templates/default/mlflow');
    expect(screen.getByText('An MLflow tracking server.')).toBeInTheDocument();
    expect(screen.queryByText('react-app')).not.toBeInTheDocument();
  });

  it("lists the user's own instances and those of the user's groups only", async () => {
    await render(<MyMlToolInstancesContent />);
    const list = await screen.findByRole('list', { name: 'Your instances' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual([
      expect.stringContaining('airflow-a'),
      expect.stringContaining('mlflow-a'),
      expect.stringContaining('mlflow-b'),
    ]);
    expect(within(list).queryByText('mlflow-c')).not.toBeInTheDocument();
  });
});
