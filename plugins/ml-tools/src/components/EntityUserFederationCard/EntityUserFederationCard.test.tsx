import { screen, within } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import type { UserFederationHealthResponse } from '@ml-platform/plugin-ml-tools-common';
import { EntityUserFederationCard } from './EntityUserFederationCard';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import { errorBody, type FakeAnswer } from '../../__testUtils__/fakeBackend';

const federationEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'keycloak-corporate-federation-ad',
    namespace: 'default',
    annotations: { 'ml-platform.io/keycloak-federation': 'corporate/ad' },
  },
  spec: { type: 'user-federation', owner: 'group:default/platform-admins' },
};
const PATH =
  '/user-federations/resource/default/keycloak-corporate-federation-ad/health';

const health: UserFederationHealthResponse = {
  status: 'ok',
  realm: 'corporate',
  name: 'ad',
  connectionUrl: 'ldaps://dc1.corp.example.com:636',
  vendor: 'ad',
  editMode: 'READ_ONLY',
  lastSync: '2026-11-30T01:00:00.000Z',
  users: 42,
  groups: 7,
  errors: [],
  consoleUrl:
    'https://kc.example.com/admin/master/console/#/corporate/user-federation/ldap/1',
};

function fact(label: string) {
  const row = screen.getByText(label).closest('tr');
  expect(row).not.toBeNull();
  return within(row as HTMLElement);
}

const render = (answer: FakeAnswer | 'pending') =>
  renderLegacy(<EntityUserFederationCard />, {
    entity: federationEntity,
    answers: { [PATH]: answer },
  });

describe('EntityUserFederationCard', () => {
  it('shows the directory, the last sync and the counts, with a console link', async () => {
    await render({ body: health });
    await screen.findByText('Realm');
    expect(fact('Realm').getByText('corporate')).toBeInTheDocument();
    expect(fact('Vendor').getByText('Active Directory')).toBeInTheDocument();
    expect(fact('Edit mode').getByText('READ_ONLY')).toBeInTheDocument();
    expect(fact('Users').getByText('42')).toBeInTheDocument();
    expect(fact('Groups').getByText('7')).toBeInTheDocument();
    expect(fact('Status').getAllByText('Healthy').length).toBeGreaterThan(0);
    expect(
      screen.getByRole('button', { name: /Open in Keycloak console/ }),
    ).toHaveAttribute('href', health.consoleUrl);
  });

  it('says what is wrong when the directory refuses the bind', async () => {
    await render({
      body: {
        ...health,
        status: 'error',
        lastSync: undefined,
        errors: ['The directory refuses the stored bind DN and credential'],
      },
    });
    await screen.findByText(
      'The directory refuses the stored bind DN and credential',
    );
    expect(fact('Last sync').getByText('Never')).toBeInTheDocument();
    expect(fact('Status').getAllByText('Error').length).toBeGreaterThan(0);
  });

  it('explains a denial', async () => {
    await render(errorBody('NotAllowedError', 'Not allowed', 403));
    expect(
      await screen.findByText(/not allowed|permission/i),
    ).toBeInTheDocument();
  });
});
