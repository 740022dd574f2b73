import { mockServices } from '@backstage/backend-test-utils';
import {
  KeycloakAdminGateway,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { federationsToEntities } from './federationEntity';
import { createGatewayReaders } from './gatewayReaders';
import type { MlToolsKeycloakFederation } from './types';

const keycloak = {
  server: 'sso.example.com',
  baseUrl: 'https://sso.example.com',
  realm: 'ml-platform',
};
const ours = (realm: string, name: string, owner = 'platform-admins') =>
  ({
    realm,
    id: `${realm}-${name}-id`,
    name,
    providerId: 'ldap',
    config: {
      'ml-platform.io/managed-by': ['ml-platform-backstage'],
      'ml-platform.io/owner': [`group:default/${owner}`],
      connectionUrl: ['ldaps://ldap.example.com'],
      vendor: ['ad'],
      editMode: ['READ_ONLY'],
      bindCredential: ['**********'],
    },
  } as MlToolsKeycloakFederation);

describe('federationsToEntities', () => {
  it('emits a realm Resource per realm and a user-federation Resource per federation we made, nothing secret', () => {
    const { entities, problems } = federationsToEntities(
      [
        ours('corporate', 'ad'),
        ours('corporate', 'partners', 'partner-team'),
        ours('ml-platform', 'ldap'),
        {
          realm: 'ml-platform',
          name: 'hand-made',
          providerId: 'ldap',
          config: {},
        },
      ],
      keycloak,
    );
    expect(problems).toEqual([]);
    expect(
      entities.map(e => `${e.spec?.type}:${e.metadata.name}:${e.spec?.owner}`),
    ).toEqual([
      'user-federation:keycloak-corporate-federation-ad:group:default/platform-admins',
      'user-federation:keycloak-corporate-federation-partners:group:default/partner-team',
      'user-federation:keycloak-ml-platform-federation-ldap:group:default/platform-admins',
      'keycloak-realm:keycloak-realm-corporate:group:default/platform-admins',
      'keycloak-realm:keycloak-realm-ml-platform:group:default/platform-admins',
    ]);
    expect(entities[0]).toMatchObject({
      metadata: {
        annotations: {
          'ml-platform.io/keycloak-federation': 'corporate/ad',
          'ml-platform.io/keycloak-realm': 'corporate',
        },
        description: expect.stringContaining('Active Directory'),
      },
      spec: { dependsOn: ['resource:default/keycloak-realm-corporate'] },
    });
    expect(JSON.stringify(entities)).not.toContain('**********');
  });

  it('skips a marked federation without an owner, saying why', () => {
    const broken = ours('corporate', 'ad');
    delete broken.config['ml-platform.io/owner'];
    expect(federationsToEntities([broken], keycloak)).toEqual({
      entities: [],
      problems: ['federation corporate/ad has no ml-platform.io/owner'],
    });
  });
});

describe('the gateway reader of federations', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox?.stop();
  });

  it('lists the user federations of the realms the service account sees', async () => {
    sandbox = await startSandbox({ clusters: [{ name: 'east' }] });
    const kc = sandbox.keycloak!;
    const gateway = KeycloakAdminGateway.fromConfig(
      readMlToolsConfig(
        mockServices.rootConfig({
          data: {
            mlTools: {
              clusters: [
                {
                  name: 'east',
                  url: sandbox.clusters[0].url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: sandbox.clusters[0].token,
                },
              ],
              keycloak: {
                baseUrl: kc.url,
                realm: kc.realm,
                clientId: kc.clientId,
                clientSecret: kc.clientSecret,
              },
              deploy: {
                driver: 'flux',
                chartRepositories: [{ name: 'x', url: 'https://x.example' }],
              },
              namespaces: { allowed: ['ml-*'] },
              baseDomain: 'sandbox.local',
            },
          },
        }),
      ),
    );
    await gateway.createComponent(kc.realm, {
      name: 'corporate-ldap',
      providerId: 'ldap',
      providerType: 'org.keycloak.storage.UserStorageProvider',
      config: {
        'ml-platform.io/managed-by': ['ml-platform-backstage'],
        'ml-platform.io/owner': ['group:default/platform-admins'],
        bindCredential: ['s3cret'],
      },
    });
    const reader = createGatewayReaders({
      kubernetes: { list: async () => [] },
      keycloak: gateway,
    }).keycloak();
    const federations = await reader.listFederations!();
    expect(federations).toMatchObject([
      {
        realm: kc.realm,
        name: 'corporate-ldap',
        config: { bindCredential: ['**********'] },
      },
    ]);
    expect(
      federationsToEntities(federations, { ...keycloak, realm: kc.realm })
        .entities,
    ).toHaveLength(2);
  });
});
