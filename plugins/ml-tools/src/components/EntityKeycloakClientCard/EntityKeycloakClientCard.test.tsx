import { screen, within } from '@testing-library/react';
import type { KeycloakClientSummaryResponse } from '@ml-platform/plugin-ml-tools-common';
import { EntityKeycloakClientCard } from './EntityKeycloakClientCard';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import {
  INSTANCE_PATHS,
  errorBody,
  keycloakClientEntity,
  type FakeAnswer,
} from '../../__testUtils__/fakeBackend';

const client: KeycloakClientSummaryResponse = {
  clientId: 'mlflow-a',
  enabled: true,
  protocol: 'openid-connect',
  publicClient: false,
  redirectUris: ['https://mlflow-a.example.com/oauth2/callback'],
  defaultClientScopes: ['profile', 'mlflow-a-audience'],
  audience: 'mlflow-a',
  instanceRef: 'sandbox/ml/mlflow-a',
  consoleUrl: 'https://kc.example.com/admin/master/console/#/ml/clients/1',
};

/** The value cell next to a label in the facts table. */
function fact(label: string) {
  const row = screen.getByText(label).closest('tr');
  expect(row).not.toBeNull();
  return within(row as HTMLElement);
}

const render = (answer: FakeAnswer | 'pending') =>
  renderLegacy(<EntityKeycloakClientCard />, {
    entity: keycloakClientEntity,
    answers: { [INSTANCE_PATHS.keycloakClient]: answer },
  });

describe('EntityKeycloakClientCard', () => {
  it('shows the client facts and links to the Keycloak console', async () => {
    await render({ body: client });

    await screen.findByText('Client ID');
    expect(fact('Client ID').getByText('mlflow-a')).toBeInTheDocument();
    expect(fact('Enabled').getByText('Yes')).toBeInTheDocument();
    expect(fact('Access type').getByText('Confidential')).toBeInTheDocument();
    expect(fact('Protocol').getByText('openid-connect')).toBeInTheDocument();
    expect(
      fact('Redirect URIs').getByText(
        'https://mlflow-a.example.com/oauth2/callback',
      ),
    ).toBeInTheDocument();
    expect(
      fact('Default client scopes').getByText('mlflow-a-audience'),
    ).toBeInTheDocument();
    expect(fact('Audience').getByText('mlflow-a')).toBeInTheDocument();
    expect(
      fact('Instance').getByText('sandbox/ml/mlflow-a'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: /Open in Keycloak console/ }),
    ).toHaveAttribute('href', client.consoleUrl);
  });

  it('shows a disabled public client plainly (degraded SSO)', async () => {
    await render({
      body: {
        ...client,
        enabled: false,
        publicClient: true,
        redirectUris: [],
        audience: undefined,
        consoleUrl: undefined,
      },
    });

    await screen.findByText('Client ID');
    expect(fact('Enabled').getByText('No')).toBeInTheDocument();
    expect(fact('Access type').getByText('Public')).toBeInTheDocument();
    expect(fact('Audience').getByText('—')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Open in Keycloak console/ }),
    ).not.toBeInTheDocument();
  });

  it('never shows a secret, even if a backend sent one', async () => {
    await render({ body: { ...client, secret: 's3cr3t-value' } });

    await screen.findByText('mlflow-a-audience');
    expect(screen.queryByText(/s3cr3t-value/)).not.toBeInTheDocument();
  });

  it('says the user has no access when the backend answers 403', async () => {
    await render(errorBody('NotAllowedError', 'Access denied', 403));

    expect(
      await screen.findByRole('status', { name: "You don't have access" }),
    ).toHaveTextContent('this Keycloak client');
  });

  it('says the client is gone when Keycloak has no such client (404)', async () => {
    await render(errorBody('NotFoundError', 'No client', 404));

    expect(
      await screen.findByRole('status', { name: 'Client not found' }),
    ).toBeInTheDocument();
  });

  it('shows the backend error when Keycloak fails', async () => {
    await render(errorBody('Error', 'Keycloak down', 502));

    expect(
      await screen.findByText(/Could not load this Keycloak client/),
    ).toBeInTheDocument();
  });

  it('says so when Keycloak returns an empty client', async () => {
    await render({ body: { ...client, clientId: '' } });

    expect(
      await screen.findByRole('status', { name: 'No client details' }),
    ).toBeInTheDocument();
  });
});
