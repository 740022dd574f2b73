import { parse } from 'yaml';
import {
  blueprintParts,
  createBlueprintContext,
  secretsBySecretName,
} from './context';
import { keycloakBlueprint, type KeycloakParameters } from './keycloak';
import type {
  AnyToolBlueprint,
  BlueprintContext,
  BlueprintPart,
} from './types';

const config = {
  baseDomain: 'ml.example.com',
  ingressScheme: 'https' as const,
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml',
    authRealm: 'ml',
    clientId: 'backstage',
    clientSecret: 'x',
    consoleBaseUrl: 'https://sso.example.com',
    requestTimeoutMs: 1000,
  },
};

function context(blueprint: AnyToolBlueprint = keycloakBlueprint, params = {}) {
  return createBlueprintContext(config, {
    blueprint,
    instance: { cluster: 'prod', namespace: 'iam', name: 'sso-lab' },
    owner: 'group:default/platform',
    params: blueprint.parameters.parse(params),
    roleMappings: {},
  }) as BlueprintContext<KeycloakParameters>;
}

function release(parts: BlueprintPart[], component: string) {
  const part = parts.find(p => p.component === component);
  if (part?.type !== 'release') throw new Error(`no release ${component}`);
  return part;
}

describe('the Keycloak server blueprint', () => {
  const ctx = context(keycloakBlueprint, { databaseSize: '16Gi' });
  const parts = blueprintParts(keycloakBlueprint, ctx);

  it('applies its database first and waits for it, then the server named after the instance', () => {
    expect(
      parts.map(p => [
        p.component,
        p.type === 'release' ? p.name : '',
        !!p.waitForReady,
      ]),
    ).toEqual([
      ['database', 'sso-lab-postgresql', true],
      ['main', 'sso-lab', false],
    ]);
    expect(release(parts, 'main').chart).toEqual({
      repository: 'codecentric',
      chart: 'keycloakx',
      version: '7.1.11',
    });
    expect(release(parts, 'database').chart).toEqual({
      repository: 'bitnami',
      chart: 'postgresql',
      version: '17.1.0',
    });
  });

  it('points the server at its database, the password by Secret reference', () => {
    const server = release(parts, 'main').values as any;
    const database = release(parts, 'database').values as any;
    expect(server.database).toEqual({
      vendor: 'postgres',
      hostname: 'sso-lab-postgresql',
      port: 5432,
      database: database.auth.database,
      username: database.auth.username,
      existingSecret: database.auth.existingSecret,
      existingSecretKey: 'password',
    });
    expect(server.database.password).toBeUndefined();
    expect(database.auth.password).toBeUndefined();
    expect(database.auth.postgresPassword).toBeUndefined();
    expect(database.primary.persistence.size).toBe('16Gi');
    // The Secret the charts read is one the instance's secrets fill, with the keys read.
    const secrets = secretsBySecretName(keycloakBlueprint, 'sso-lab');
    expect(secrets.get(database.auth.existingSecret)?.map(s => s.key)).toEqual([
      'username',
      'password',
      'postgres-password',
    ]);
  });

  it('sets the hostname and the bootstrap admin from the instance Secret, no value inline', () => {
    const server = release(parts, 'main').values as any;
    const env = parse(server.extraEnv) as Array<{
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef: { name: string; key: string } };
    }>;
    expect(env).toEqual([
      { name: 'KC_HOSTNAME', value: 'https://sso-lab.ml.example.com' },
      {
        name: 'KC_BOOTSTRAP_ADMIN_USERNAME',
        valueFrom: {
          secretKeyRef: { name: 'sso-lab-secrets', key: 'admin-username' },
        },
      },
      {
        name: 'KC_BOOTSTRAP_ADMIN_PASSWORD',
        valueFrom: {
          secretKeyRef: { name: 'sso-lab-secrets', key: 'admin-password' },
        },
      },
    ]);
    const keys = secretsBySecretName(keycloakBlueprint, 'sso-lab')
      .get('sso-lab-secrets')
      ?.map(s => s.key);
    expect(keys).toEqual(['admin-username', 'admin-password']);
    expect(server.proxy).toEqual({
      enabled: true,
      mode: 'xforwarded',
      http: { enabled: true },
    });
    expect(server.ingress.rules).toEqual([
      {
        host: 'sso-lab.ml.example.com',
        paths: [{ path: '/', pathType: 'Prefix' }],
      },
    ]);
  });

  it('has no Keycloak client and says who administers it instead', () => {
    expect(keycloakBlueprint.keycloak).toBeUndefined();
    expect(ctx.keycloak).toBeUndefined();
    expect(keycloakBlueprint.accessNote).toMatch(/master realm/);
  });

  it('is healthy by both StatefulSets and the master realm discovery document', () => {
    expect(keycloakBlueprint.health.workloads!(ctx)).toEqual([
      { kind: 'StatefulSet', name: 'sso-lab' },
      { kind: 'StatefulSet', name: 'sso-lab-postgresql' },
    ]);
    expect(keycloakBlueprint.health.endpoints).toEqual([
      '/realms/master/.well-known/openid-configuration',
    ]);
    expect(keycloakBlueprint.links(ctx).map(l => l.url)).toEqual([
      'https://sso-lab.ml.example.com/admin/master/console/',
      'https://sso-lab.ml.example.com/realms/master/account/',
      'https://sso-lab.ml.example.com/realms/master/.well-known/openid-configuration',
      'https://www.keycloak.org/documentation',
    ]);
    expect(keycloakBlueprint.decommission?.keepWithData).toEqual(['database']);
  });
});

describe('the parts of a blueprint', () => {
  const withParts = (
    parts: (ctx: BlueprintContext) => BlueprintPart[],
  ): AnyToolBlueprint => ({ ...keycloakBlueprint, parts });
  const db = release(blueprintParts(keycloakBlueprint, context()), 'database');
  const main = release(blueprintParts(keycloakBlueprint, context()), 'main');

  it('need exactly one main part, anywhere in the order', () => {
    expect(() =>
      blueprintParts(
        withParts(() => [db]),
        context(),
      ),
    ).toThrow(/exactly one part must be the "main" component \(found 0\)/);
    expect(() =>
      blueprintParts(
        withParts(() => [main, { ...db, component: 'main' }]),
        context(),
      ),
    ).toThrow(/found 2/);
    expect(
      blueprintParts(
        withParts(() => [main, db]),
        context(),
      ).map(p => p.component),
    ).toEqual(['main', 'database']);
  });

  it('need the main release named after the instance, which is how it is found', () => {
    expect(() =>
      blueprintParts(
        withParts(() => [db, { ...main, name: 'sso-lab-server' }]),
        context(),
      ),
    ).toThrow(
      /must be named after the instance \("sso-lab"\), not "sso-lab-server"/,
    );
  });
});
