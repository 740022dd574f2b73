import { builtInBlueprints } from './builtIn';
import {
  blueprintParts,
  createBlueprintContext,
  secretsBySecretName,
} from './context';
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
      user: ['/data/vision-eng'],
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

  it('builds the release values: database and bucket in the release, groups by full path, secrets by reference only', () => {
    const ctx = mlflowContext();
    const parts = blueprintParts(mlflowBlueprint, ctx);
    expect(parts).toHaveLength(1);
    const [main] = parts;
    if (main.type !== 'release') throw new Error('MLflow deploys a release');
    expect(main.name).toBe('mlflow-a');
    expect(main.chart).toEqual({
      repository: 'community-charts',
      chart: 'mlflow',
      version: '1.11.5',
    });
    const values = main.values as any;
    expect(values.postgresql.enabled).toBe(true);
    expect(values.postgresql.auth.existingSecret).toBe('mlflow-a-postgresql');
    expect(values.postgresql.primary.persistence.size).toBe('16Gi');
    expect(
      values.postgresql.primary.initdb.scripts['oidc-auth-db.sql'],
    ).toMatch(/CREATE DATABASE mlflow_auth/);
    expect(values.minio.buckets[0].name).toBe('mlflow');
    expect(values.minio.existingSecret).toBe('mlflow-a-secrets');
    expect(values.ingress.hosts[0].host).toBe('mlflow-a.ml.example.com');
    expect(values.oidcAuth).toMatchObject({
      enabled: true,
      clientId: 'mlflow-a',
      existingSecret: {
        name: 'mlflow-a-oidc',
        clientSecretKey: 'client-secret',
      },
      redirectUri: 'https://mlflow-a.ml.example.com/callback',
      adminGroupName: ['/vision'],
      groupName: ['/data/vision-eng'],
      defaultPermission: 'READ',
    });
    expect(JSON.stringify(values)).not.toMatch(/password"\s*:\s*"[^"]/i);
  });

  it('keeps database credentials in the Secret the chart reads, the bucket keys in the instance Secret', () => {
    const bySecret = secretsBySecretName(mlflowBlueprint, 'mlflow-a');
    expect([...bySecret.keys()].sort()).toEqual([
      'mlflow-a-postgresql',
      'mlflow-a-secrets',
    ]);
    expect(bySecret.get('mlflow-a-postgresql')!.map(k => k.key)).toEqual([
      'username',
      'password',
      'postgres-password',
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
