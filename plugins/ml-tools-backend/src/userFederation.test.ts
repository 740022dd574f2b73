import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
} from '@backstage/plugin-permission-common';
import {
  KeycloakAdminGateway,
  KubernetesClientGateway,
  readMlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import {
  RUNBOOK_DIRECTORY,
  startSandbox,
  startSlapd,
  type Sandbox,
  type Slapd,
} from '@ml-platform/sandbox';
import express from 'express';
import request from 'supertest';
import { createRouter } from './router';
import { createGatewayReads } from './service/gatewayReads';
import { MlToolsService } from './service/MlToolsService';

jest.setTimeout(60_000);

const STORAGE = 'org.keycloak.storage.UserStorageProvider';
const MAPPER = 'org.keycloak.storage.ldap.mappers.LDAPStorageMapper';
const BIND_DN = 'cn=svc-keycloak,dc=example,dc=com';
const BIND_PASSWORD = 'Fed-health-9f27-s3cret';

const federationEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'keycloak-ml-platform-federation-corporate-ldap',
    namespace: 'default',
    annotations: {
      'ml-platform.io/keycloak-realm': 'ml-platform',
      'ml-platform.io/keycloak-federation': 'ml-platform/corporate-ldap',
    },
  },
  spec: { type: 'user-federation', owner: 'group:default/platform-admins' },
};
const otherResource: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'bucket', namespace: 'default' },
  spec: { type: 'bucket', owner: 'group:default/web' },
};
const HEALTH =
  '/user-federations/resource/default/keycloak-ml-platform-federation-corporate-ldap/health';

describe('GET /user-federations/:kind/:namespace/:name/health', () => {
  let sandbox: Sandbox;
  let slapd: Slapd;
  let app: express.Express;
  let denied: Set<string>;

  beforeAll(async () => {
    slapd = await startSlapd();
    await slapd.add(
      `dn: ${BIND_DN}\nobjectClass: person\ncn: svc-keycloak\nsn: svc\nuserPassword: ${BIND_PASSWORD}\n`,
    );
    sandbox = await startSandbox({ clusters: [{ name: 'east' }] });
    const kc = sandbox.keycloak!;
    const mlTools = readMlToolsConfig(
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
    );
    const gateway = KeycloakAdminGateway.fromConfig(mlTools);
    // A federation as the scaffolder action makes it, then synced.
    const id = await gateway.createComponent(kc.realm, {
      name: 'corporate-ldap',
      providerId: 'ldap',
      providerType: STORAGE,
      config: {
        'ml-platform.io/managed-by': ['ml-platform-backstage'],
        vendor: ['other'],
        connectionUrl: [slapd.url],
        bindDn: [BIND_DN],
        bindCredential: [BIND_PASSWORD],
        usersDn: [RUNBOOK_DIRECTORY.usersDn],
        usernameLDAPAttribute: ['uid'],
        uuidLDAPAttribute: ['entryUUID'],
        userObjectClasses: ['inetOrgPerson'],
        editMode: ['READ_ONLY'],
      },
    });
    const mapper = await gateway.createComponent(kc.realm, {
      name: 'groups',
      providerId: 'group-ldap-mapper',
      providerType: MAPPER,
      parentId: id,
      config: {
        'groups.dn': [RUNBOOK_DIRECTORY.groupsDn],
        'group.object.classes': ['groupOfNames'],
        'membership.ldap.attribute': ['member'],
        'membership.attribute.type': ['DN'],
        mode: ['READ_ONLY'],
      },
    });
    await gateway.syncUserStorage(kc.realm, id, 'triggerFullSync');
    await gateway.syncStorageMapper(kc.realm, id, mapper, 'fedToKeycloak');

    const { clusters, keycloak } = createGatewayReads({
      kubernetes: new KubernetesClientGateway({ clusters: mlTools.clusters }),
      keycloak: gateway,
    });
    const service = new MlToolsService({
      config: {
        cacheTtlMs: 10_000,
        clusterTimeoutMs: 5000,
        keycloakTimeoutMs: 5000,
        serverConcurrency: 8,
        keycloak: {
          server: new URL(kc.url).host,
          realm: kc.realm,
          consoleBaseUrl: kc.url,
        },
      },
      clusters,
      keycloak,
      logger: mockServices.logger.mock(),
    });
    const permissions = mockServices.permissions.mock({
      authorize: async (requests: AuthorizePermissionRequest[]) =>
        requests.map(r => ({
          result: denied.has(r.permission.name)
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
        })),
    } as any);
    const router = await createRouter({
      httpAuth: mockServices.httpAuth(),
      permissions,
      catalog: catalogServiceMock({
        entities: [federationEntity, otherResource],
      }),
      service,
      logger: mockServices.logger.mock(),
    });
    app = express().use(router).use(mockErrorHandler());
  });
  beforeEach(() => {
    denied = new Set();
  });
  afterAll(async () => {
    await sandbox?.stop();
    await slapd?.stop();
  });

  it("answers the last sync, the users and groups imported, and Keycloak's bind test, never the credential", async () => {
    const res = await request(app).get(HEALTH);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      realm: 'ml-platform',
      name: 'corporate-ldap',
      connectionUrl: slapd.url,
      editMode: 'READ_ONLY',
      users: 2,
      groups: 2,
      errors: [],
    });
    expect(Date.parse(res.body.lastSync)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.text).not.toContain(BIND_PASSWORD);
  });

  it('is 403 without the health permission and 404 for a resource that is not a federation', async () => {
    denied.add('ml-tools.instance.health.read');
    expect((await request(app).get(HEALTH)).status).toBe(403);
    denied = new Set();
    expect(
      (
        await request(app).get(
          '/user-federations/resource/default/bucket/health',
        )
      ).status,
    ).toBe(404);
  });

  it('says so when the directory no longer accepts the stored credential', async () => {
    await slapd.setPassword(BIND_DN, 'rotated-elsewhere');
    const res = await request(app).get(HEALTH);
    expect(res.body).toMatchObject({
      status: 'error',
      errors: ['The directory refuses the stored bind DN and credential'],
    });
    expect(res.text).not.toContain(BIND_PASSWORD);
  });
});
