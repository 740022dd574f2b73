import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { InstanceSummary } from '@ml-platform/plugin-ml-tools-common';
import { MlToolsPage } from './MlToolsPage';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import { errorBody, type FakeAnswer } from '../../__testUtils__/fakeBackend';

const instances: InstanceSummary[] = [
  {
    entityRef: 'component:ml/mlflow-vision',
    title: 'MLflow vision',
    tool: 'mlflow',
    icon: 'experiment',
    category: 'experiment-tracking',
    owner: 'group:default/vision',
    namespace: 'ml-vision',
    cluster: 'sandbox',
    uiUrl: 'https://mlflow-vision.example.com',
    health: 'ok',
  },
  {
    entityRef: 'component:ml/mlflow-nlp',
    title: 'MLflow NLP',
    tool: 'mlflow',
    icon: 'experiment',
    category: 'experiment-tracking',
    owner: 'group:default/nlp',
    namespace: 'ml-nlp',
    cluster: 'sandbox',
    uiUrl: 'https://mlflow-nlp.example.com',
    health: 'degraded',
    drift: [
      {
        kind: 'client-disabled',
        message:
          'Keycloak client mlflow-nlp was disabled in Keycloak: nobody can sign in.',
      },
    ],
  },
  {
    entityRef: 'component:ml/airflow-vision',
    title: 'Airflow vision',
    tool: 'airflow',
    icon: 'https://icons.example.com/airflow.svg',
    category: 'workflows',
    owner: 'group:default/vision',
    namespace: 'ml-vision',
    cluster: 'sandbox',
    health: 'error',
  },
];

const render = (answer: FakeAnswer | 'pending', initialRoute?: string) =>
  renderLegacy(<MlToolsPage />, {
    answers: { '/instances': answer },
    initialRoute,
  });

const tiles = () =>
  within(screen.getByRole('region', { name: 'Instances' })).getAllByRole(
    'article',
  );
const tileTitles = () => tiles().map(tile => tile.getAttribute('aria-label'));

describe('MlToolsPage', () => {
  it('counts the instances that need attention, filters to them and says why', async () => {
    await render({ body: { items: instances } });
    await screen.findByRole('region', { name: 'Instances' });
    const toggle = screen.getByRole('button', { name: 'Needs attention (1)' });
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(toggle);
    expect(tileTitles()).toEqual(['MLflow NLP']);
    expect(
      within(screen.getByRole('article', { name: 'MLflow NLP' })).getByRole(
        'note',
        { name: 'Needs attention' },
      ),
    ).toHaveTextContent('was disabled in Keycloak');
    expect(
      screen.getByRole('button', { name: 'Needs attention (1)' }),
    ).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(
      screen.getByRole('button', { name: 'Needs attention (1)' }),
    );
    expect(tiles()).toHaveLength(3);
  });

  it('shows every instance as a tile with icon, health, owner and open button', async () => {
    await render({ body: { items: instances } });

    await screen.findByRole('region', { name: 'Instances' });
    expect(tiles()).toHaveLength(3);
    const tile = screen.getByRole('article', { name: 'MLflow NLP' });
    expect(within(tile).getByTitle('mlflow')).toBeInTheDocument();
    expect(within(tile).getByLabelText('Health status')).toHaveTextContent(
      'Degraded',
    );
    expect(within(tile).getByRole('link', { name: /nlp/ })).toHaveAttribute(
      'href',
      '/catalog/default/group/nlp',
    );
    expect(within(tile).getByRole('link', { name: /Details/ })).toHaveAttribute(
      'href',
      '/catalog/ml/component/mlflow-nlp',
    );
    expect(within(tile).getByRole('button', { name: /Open/ })).toHaveAttribute(
      'href',
      'https://mlflow-nlp.example.com',
    );

    // No UI link: the Open button is there but disabled.
    const airflow = screen.getByRole('article', { name: 'Airflow vision' });
    expect(
      within(airflow).getByRole('button', { name: 'Open' }),
    ).toBeDisabled();
  });

  it('filters by tool, owner and health, and combines the filters', async () => {
    await render({ body: { items: instances } });
    await screen.findByRole('region', { name: 'Instances' });

    await userEvent.selectOptions(screen.getByLabelText('Tool'), 'mlflow');
    expect(tileTitles()).toEqual(['MLflow NLP', 'MLflow vision']);

    await userEvent.selectOptions(
      screen.getByLabelText('Owner'),
      'group:default/vision',
    );
    expect(tileTitles()).toEqual(['MLflow vision']);

    await userEvent.selectOptions(screen.getByLabelText('Tool'), '');
    expect(tileTitles()).toEqual(['Airflow vision', 'MLflow vision']);

    await userEvent.selectOptions(screen.getByLabelText('Health'), 'error');
    expect(tileTitles()).toEqual(['Airflow vision']);

    // Options list every value, not only those left after filtering.
    expect(
      within(screen.getByLabelText('Tool')).getAllByRole('option'),
    ).toHaveLength(3);
  });

  it('filters by the categories the blueprints name, and shows icons given as URLs', async () => {
    await render({ body: { items: instances } });
    await screen.findByRole('region', { name: 'Instances' });

    await userEvent.selectOptions(
      screen.getByLabelText('Category'),
      'workflows',
    );
    expect(tileTitles()).toEqual(['Airflow vision']);
    const airflow = screen.getByRole('article', { name: 'Airflow vision' });
    expect(
      within(airflow).getByRole('img', { name: 'airflow' }),
    ).toHaveAttribute('src', 'https://icons.example.com/airflow.svg');
  });

  it('reads the filters from the URL and can clear them', async () => {
    await render(
      { body: { items: instances } },
      '/?health=degraded&tool=airflow',
    );

    expect(
      await screen.findByRole('status', {
        name: 'No instance matches these filters',
      }),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Health')).toHaveValue('degraded');

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    expect(tiles()).toHaveLength(3);
  });

  it('says the user has no access when the backend answers 403', async () => {
    await render(errorBody('NotAllowedError', 'Access denied', 403));

    expect(
      await screen.findByRole('status', { name: "You don't have access" }),
    ).toBeInTheDocument();
  });

  it('shows the backend error when the backend fails', async () => {
    await render(errorBody('Error', 'boom', 500));

    expect(
      await screen.findByText(/Could not load the ML tool instances/),
    ).toBeInTheDocument();
  });

  it('invites to create a tool when there is none', async () => {
    await render({ body: { items: [] } });

    expect(
      await screen.findByRole('status', { name: 'No ML tools yet' }),
    ).toBeInTheDocument();
  });
});
