import { z } from 'zod';
import { authProxyRelease } from './authProxy';
import { mappedGroupPaths, MAIN_CLIENT, MAIN_COMPONENT } from './context';
import type { BlueprintContext, ToolBlueprint } from './types';

/** The pinned chart of the tracking server. */
const MLFLOW_CHART = {
  repository: 'community-charts',
  chart: 'mlflow',
  version: '1.8.1',
};

const quantity = z
  .string()
  .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'must be a size such as 512Mi, 8Gi or 1Ti');

/**
 * Parameters of the MLflow blueprint.
 *
 * @public
 */
export const mlflowParametersSchema = z.object({
  databaseSize: quantity
    .default('8Gi')
    .describe('Volume size of the PostgreSQL backend store'),
  artifactStorageSize: quantity
    .default('20Gi')
    .describe('Volume size of the MinIO artifact store'),
  defaultPermission: z
    .enum(['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'])
    .default('READ')
    .describe('MLflow permission of users on resources they do not own'),
});

/**
 * Parameters of the MLflow blueprint, after defaults.
 *
 * @public
 */
export type MlflowParameters = z.infer<typeof mlflowParametersSchema>;

function mlflowValues(ctx: BlueprintContext<MlflowParameters>) {
  const { name } = ctx.instance;
  const secret = ctx.secretName;
  const pgHost = `${name}-postgresql`;
  return {
    fullnameOverride: name,
    extraPodLabels: ctx.labels,
    service: { type: 'ClusterIP', port: 5000 },
    // The auth proxy opens the host; MLflow itself stays cluster-internal.
    ingress: { enabled: false },
    backendStore: {
      databaseMigration: true,
      databaseConnectionCheck: true,
      postgres: {
        enabled: true,
        host: pgHost,
        port: 5432,
        database: 'mlflow',
        driver: 'psycopg2',
      },
      existingDatabaseSecret: {
        name: secret,
        usernameKey: 'db-username',
        passwordKey: 'db-password',
      },
    },
    postgresql: {
      enabled: true,
      auth: {
        username: 'mlflow',
        database: 'mlflow',
        existingSecret: secret,
        secretKeys: {
          adminPasswordKey: 'postgres-password',
          userPasswordKey: 'db-password',
        },
      },
      primary: {
        persistence: { enabled: true, size: ctx.params.databaseSize },
        initdb: {
          scripts: {
            'mlflow-auth-db.sql': 'CREATE DATABASE mlflow_auth OWNER mlflow;',
          },
        },
        podLabels: ctx.labels,
      },
    },
    minio: {
      enabled: true,
      mode: 'standalone',
      existingSecret: secret,
      persistence: { enabled: true, size: ctx.params.artifactStorageSize },
      buckets: [{ name: 'mlflow', policy: 'none', purge: false }],
      podLabels: ctx.labels,
    },
    artifactRoot: {
      proxiedArtifactStorage: true,
      s3: {
        enabled: true,
        bucket: 'mlflow',
        existingSecret: {
          name: secret,
          keyOfAccessKeyId: 'rootUser',
          keyOfSecretAccessKey: 'rootPassword',
        },
      },
    },
    extraEnvVars: {
      MLFLOW_S3_ENDPOINT_URL: `http://${name}-minio:9000`,
      MLFLOW_S3_IGNORE_TLS: 'true',
      // Read by the SSO authorization function: MLflow permission → group paths.
      MLFLOW_SSO_ROLE_MAPPINGS: JSON.stringify(
        Object.fromEntries(
          Object.entries(ctx.roleMappings)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([role, paths]) => [role, [...paths].sort()]),
        ),
      ),
    },
    auth: {
      enabled: true,
      defaultPermission: ctx.params.defaultPermission,
      existingAdminSecret: {
        name: secret,
        usernameKey: 'admin-username',
        passwordKey: 'admin-password',
      },
      postgres: {
        enabled: true,
        host: pgHost,
        port: 5432,
        database: 'mlflow_auth',
        driver: 'psycopg2',
        existingSecret: {
          name: secret,
          usernameKey: 'db-username',
          passwordKey: 'db-password',
        },
      },
    },
  };
}

/**
 * MLflow tracking server with its PostgreSQL backend store and MinIO artifact store in
 * the same release (the chart's bundled dependencies), behind the auth proxy, with the
 * MLflow permissions READ / EDIT / MANAGE / admin mapped to Keycloak groups.
 *
 * The database (`mlflow`, plus `mlflow_auth` for MLflow's permission store) and the
 * bucket are created in the cluster by the release itself: the portal never connects to
 * them.
 *
 * @public
 */
export const mlflowBlueprint: ToolBlueprint<MlflowParameters> = {
  id: 'mlflow',
  title: 'MLflow tracking server',
  description:
    'Experiment tracking and model registry, with PostgreSQL, an S3 bucket and single sign-on.',
  category: 'experiment-tracking',
  icon: 'experiment',
  docsUrl: 'https://mlflow.org/docs/latest/',
  parameters: mlflowParametersSchema as unknown as z.ZodType<MlflowParameters>,
  secrets: [
    {
      key: 'db-username',
      description: 'Database user of MLflow',
      value: 'mlflow',
    },
    {
      key: 'db-password',
      description: 'Password of the MLflow database user',
      generate: { kind: 'alphanumeric', length: 32 },
    },
    {
      key: 'postgres-password',
      description: 'Password of the PostgreSQL superuser',
      generate: { kind: 'alphanumeric', length: 32 },
    },
    {
      key: 'rootUser',
      description: 'MinIO root user (S3 access key)',
      generate: { kind: 'alphanumeric', length: 20 },
    },
    {
      key: 'rootPassword',
      description: 'MinIO root password (S3 secret key)',
      generate: { kind: 'alphanumeric', length: 40 },
    },
    { key: 'admin-username', description: 'MLflow admin user', value: 'admin' },
    {
      key: 'admin-password',
      description: 'Password of the MLflow admin user',
      generate: { kind: 'alphanumeric', length: 32 },
    },
  ],
  keycloak: {
    clients: [
      {
        key: MAIN_CLIENT,
        clientType: 'confidential',
        redirectPaths: ['/oauth2/callback'],
        audienceScope: true,
        groupsClaim: true,
        cookieSecret: true,
      },
    ],
    enforcedBy:
      'The auth proxy lets in members of mapped groups; MLflow maps each group to its permission.',
    roles: [
      {
        name: 'admin',
        description: 'MLflow administrator: every permission on everything',
        defaultGroups: ['owner'],
      },
      {
        name: 'MANAGE',
        description: 'Read, update, delete and manage permissions',
      },
      { name: 'EDIT', description: 'Read and update' },
      { name: 'READ', description: 'Read only' },
    ],
  },
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: MLFLOW_CHART,
      values: mlflowValues(ctx),
    },
    authProxyRelease(ctx, {
      upstream: `http://${ctx.instance.name}.${ctx.instance.namespace}.svc:5000`,
      allowedGroups: mappedGroupPaths(ctx.roleMappings),
    }),
  ],
  health: {
    workloads: ctx => [
      { kind: 'Deployment', name: ctx.instance.name },
      { kind: 'StatefulSet', name: `${ctx.instance.name}-postgresql` },
      { kind: 'Deployment', name: `${ctx.instance.name}-minio` },
      { kind: 'Deployment', name: `${ctx.instance.name}-proxy` },
    ],
    endpoints: ['/health'],
  },
  links: ctx => [
    { title: 'MLflow', url: `${ctx.url}/`, type: 'ui', icon: 'dashboard' },
    {
      title: 'MLflow REST API',
      url: `${ctx.url}/api/2.0/mlflow`,
      type: 'api',
    },
    {
      title: 'MLflow documentation',
      url: 'https://mlflow.org/docs/latest/',
      type: 'docs',
      icon: 'docs',
    },
  ],
  catalog: {
    backingStores: ctx => [
      {
        kind: 'database',
        name: `${ctx.instance.name}-mlflow-db`,
        description:
          'PostgreSQL database "mlflow": the tracking store (experiments, runs, parameters, metrics) and the model registry.',
      },
      {
        kind: 'database',
        name: `${ctx.instance.name}-mlflow-auth-db`,
        description:
          'PostgreSQL database "mlflow_auth": the permission store of MLflow (users and who may read, edit or manage each experiment and model).',
      },
      {
        kind: 'bucket',
        name: `${ctx.instance.name}-mlflow-artifacts`,
        description:
          'MinIO bucket "mlflow": the artifacts logged by runs (models, plots, files).',
      },
    ],
  },
};
