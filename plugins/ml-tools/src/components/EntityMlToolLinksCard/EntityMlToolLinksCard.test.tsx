import { screen, within } from '@testing-library/react';
import { EntityMlToolLinksCard } from './EntityMlToolLinksCard';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import {
  INSTANCE_PATHS,
  errorBody,
  instanceEntity,
  type FakeAnswer,
} from '../../__testUtils__/fakeBackend';

const render = (answer: FakeAnswer | 'pending') =>
  renderLegacy(<EntityMlToolLinksCard />, {
    entity: instanceEntity,
    answers: { [INSTANCE_PATHS.links]: answer },
  });

describe('EntityMlToolLinksCard', () => {
  it('lists UI, API, Keycloak console and docs links, UI first', async () => {
    await render({
      body: {
        entityRef: 'component:ml/mlflow-a',
        links: [
          { title: 'Docs', url: 'https://mlflow.org/docs', type: 'docs' },
          {
            title: 'Keycloak client',
            url: 'https://kc.example.com/admin/ml/clients/1',
            type: 'keycloak-console',
          },
          { title: 'MLflow', url: 'https://mlflow-a.example.com', type: 'ui' },
          {
            title: 'Tracking API',
            url: 'https://mlflow-a.example.com/api',
            type: 'api',
          },
        ],
      },
    });

    const list = await screen.findByRole('list', { name: 'Links' });
    const links = within(list).getAllByRole('link');
    expect(links.map(link => link.getAttribute('href'))).toEqual([
      'https://mlflow-a.example.com',
      'https://mlflow-a.example.com/api',
      'https://kc.example.com/admin/ml/clients/1',
      'https://mlflow.org/docs',
    ]);
    expect(links[0]).toHaveTextContent('MLflow');
  });

  it('shows a long URL whole: it wraps inside the card, and the link carries it as href and title', async () => {
    const consoleUrl =
      'https://keycloak.platform.example.com/admin/master/console/#/ml-platform/clients/3f1c2b9e-5d7a-4c1e-9b2f-8a6d0e4c7b13/settings';
    await render({
      body: {
        entityRef: 'component:ml/mlflow-a',
        links: [
          {
            title: 'Keycloak client',
            url: consoleUrl,
            type: 'keycloak-console',
          },
        ],
      },
    });

    const list = await screen.findByRole('list', { name: 'Links' });
    const link = within(list).getByRole('link', { name: /Keycloak client/ });
    expect(link).toHaveAttribute('href', consoleUrl);
    expect(link).toHaveAttribute('title', consoleUrl);
    // The URL itself, in full (not cut with an ellipsis), allowed to break anywhere.
    const shown = within(list).getByText(consoleUrl, { exact: true });
    expect(shown).toHaveAttribute('title', consoleUrl);
    expect(shown).toHaveStyle({
      overflowWrap: 'anywhere',
      whiteSpace: 'normal',
    });
    expect(shown).not.toHaveStyle({ textOverflow: 'ellipsis' });
    // One entry per link: the card does not repeat a URL.
    expect(within(list).getAllByText(consoleUrl)).toHaveLength(1);
  });

  it('keeps partial links of a degraded instance usable', async () => {
    // An instance whose ingress is not ready yet still exposes its docs link.
    await render({
      body: {
        entityRef: 'component:ml/mlflow-a',
        links: [
          { title: 'Docs', url: 'https://mlflow.org/docs', type: 'docs' },
        ],
      },
    });

    expect(await screen.findByRole('link', { name: /Docs/ })).toHaveAttribute(
      'href',
      'https://mlflow.org/docs',
    );
  });

  it('says the user has no access when the backend answers 403', async () => {
    await render(errorBody('NotAllowedError', 'Access denied', 403));

    expect(
      await screen.findByRole('status', { name: "You don't have access" }),
    ).toHaveTextContent('the links of this instance');
  });

  it('shows the backend error when the backend fails', async () => {
    await render(errorBody('Error', 'boom', 500));

    expect(
      await screen.findByText(/Could not load the links of this instance/),
    ).toBeInTheDocument();
  });

  it('says so when there is nothing to open', async () => {
    await render({ body: { entityRef: 'component:ml/mlflow-a', links: [] } });

    expect(
      await screen.findByRole('status', { name: 'No links' }),
    ).toBeInTheDocument();
  });

  it('says the instance is unknown when the backend answers 404', async () => {
    await render(errorBody('NotFoundError', 'No instance', 404));

    expect(
      await screen.findByRole('status', { name: 'Instance not found' }),
    ).toBeInTheDocument();
  });
});
