import { builtInBlueprints } from './builtIn';
import { blueprintParts, createBlueprintContext } from './context';
import { mlflowBlueprint, type MlflowParameters } from './mlflow';
import type { BlueprintContext } from './types';
import { DefaultBlueprintRegistry } from './registry';

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

function mlflowContext(): BlueprintContext<MlflowParameters> {
  const params = mlflowBlueprint.parameters.parse({ databaseSize: '16Gi' });
  return createBlueprintContext(config, {
    blueprint: mlflowBlueprint,
    instance: { cluster: 'prod', namespace: 'ml-a', name: 'mlflow-a' },
    owner: 'group:default/vision',
    params,
    roleMappings: {
      admin: ['/vision'],
      EDIT: ['/data/vision-eng'],
      READ: [],
      MANAGE: [],
    },
  }) as BlueprintContext<MlflowParameters>;
}

describe('the blueprint registry', () => {
  it('holds the built-in blueprints and refuses duplicates and bad ids', () => {
    const registry = DefaultBlueprintRegistry.create([...builtInBlueprints]);
    expect(registry.get('mlflow').title).toBe('MLflow tracking server');
    expect(() => registry.get('nope')).toThrow(
      /Unknown blueprint "nope"; known blueprints: mlflow/,
    );
    expect(() => registry.add(mlflowBlueprint)).toThrow(/already registered/);
    expect(() => registry.add({ ...mlflowBlueprint, id: 'Bad Id' })).toThrow(
      /DNS-1123/,
    );
    registry.seal();
    expect(() => registry.add({ ...mlflowBlueprint, id: 'other' })).toThrow(
      /during backend startup/,
    );
  });
});

describe('the MLflow blueprint', () => {
  it('fills its parameters with defaults and refuses bad sizes', () => {
    expect(mlflowBlueprint.parameters.parse({})).toEqual({
      databaseSize: '8Gi',
      artifactStorageSize: '20Gi',
      defaultPermission: 'READ',
    });
    expect(
      mlflowBlueprint.parameters.safeParse({ databaseSize: '8GB' }).success,
    ).toBe(false);
  });

  it('builds the release values: database and bucket in the release, secrets by reference only', () => {
    const ctx = mlflowContext();
    const [main, proxy] = blueprintParts(mlflowBlueprint, ctx);
    if (main.type !== 'release' || proxy.type !== 'release') {
      throw new Error('MLflow deploys releases');
    }
    expect(main.name).toBe('mlflow-a');
    const values = main.values as any;
    expect(values.postgresql.enabled).toBe(true);
    expect(values.postgresql.auth.existingSecret).toBe('mlflow-a-secrets');
    expect(values.postgresql.primary.persistence.size).toBe('16Gi');
    expect(
      values.postgresql.primary.initdb.scripts['mlflow-auth-db.sql'],
    ).toMatch(/CREATE DATABASE mlflow_auth/);
    expect(values.minio.buckets[0].name).toBe('mlflow');
    expect(values.ingress.enabled).toBe(false);
    expect(JSON.parse(values.extraEnvVars.MLFLOW_SSO_ROLE_MAPPINGS)).toEqual({
      EDIT: ['/data/vision-eng'],
      MANAGE: [],
      READ: [],
      admin: ['/vision'],
    });
    expect(JSON.stringify(values)).not.toMatch(/password"\s*:\s*"[^"]/i);
    expect(proxy).toMatchObject({
      name: 'mlflow-a-proxy',
      component: 'auth-proxy',
    });
    const proxyValues = proxy.values as any;
    expect(proxyValues.config).toEqual({
      clientID: 'mlflow-a',
      existingSecret: 'mlflow-a-oidc',
    });
    expect(proxyValues.extraArgs['oidc-issuer-url']).toBe(
      'https://sso.example.com/realms/ml',
    );
    expect(proxyValues.extraArgs.upstream).toBe(
      'http://mlflow-a.ml-a.svc:5000',
    );
    expect(proxyValues.ingress.hosts).toEqual(['mlflow-a.ml.example.com']);
    expect(proxyValues.extraEnv).toEqual([
      {
        name: 'OAUTH2_PROXY_ALLOWED_GROUPS',
        value: '/data/vision-eng,/vision',
      },
    ]);
  });

  it('describes links, health and backing stores', () => {
    const ctx = mlflowContext();
    expect(mlflowBlueprint.links(ctx).map(l => l.url)).toEqual([
      'https://mlflow-a.ml.example.com/',
      'https://mlflow-a.ml.example.com/api/2.0/mlflow',
      'https://mlflow.org/docs/latest/',
    ]);
    expect(mlflowBlueprint.health.workloads!(ctx).map(w => w.name)).toContain(
      'mlflow-a-postgresql',
    );
    expect(mlflowBlueprint.catalog.backingStores(ctx).map(s => s.kind)).toEqual(
      ['database', 'database', 'bucket'],
    );
  });
});
