import { z } from 'zod';
import { groupsOfRoles, MAIN_CLIENT, MAIN_COMPONENT } from './context';
import type { BlueprintContext, ToolBlueprint } from './types';

/** The pinned chart of the tracking server. */
const MLFLOW_CHART = {
  repository: 'community-charts',
  chart: 'mlflow',
  version: '1.11.5',
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

/** Roles the tool's own auth plugin enforces from the ID token's groups claim. */
const ADMIN = 'admin';
const USER = 'user';

function mlflowValues(ctx: BlueprintContext<MlflowParameters>) {
  const { name } = ctx.instance;
  const client = ctx.keycloak!.clients[MAIN_CLIENT];
  // The chart reads the database password from `<release>-postgresql` (key `password`).
  const database = `${name}-postgresql`;
  return {
    fullnameOverride: name,
    extraPodLabels: ctx.labels,
    // MLflow signs users in itself (oidcAuth), so its own ingress opens the host.
    ingress: {
      enabled: true,
      hosts: [{ host: ctx.host, paths: [{ path: '/', pathType: 'Prefix' }] }],
      tls: [{ hosts: [ctx.host], secretName: `${name}-tls` }],
    },
    backendStore: { databaseMigration: true, databaseConnectionCheck: true },
    postgresql: {
      enabled: true,
      // The chart's templates name the subchart's objects `<fullname>-postgresql`.
      fullnameOverride: database,
      auth: {
        username: 'mlflow',
        database: 'mlflow',
        existingSecret: database,
      },
      primary: {
        persistence: { enabled: true, size: ctx.params.databaseSize },
        initdb: {
          scripts: {
            'oidc-auth-db.sql': 'CREATE DATABASE mlflow_auth OWNER mlflow;',
          },
        },
        podLabels: ctx.labels,
      },
    },
    minio: {
      enabled: true,
      fullnameOverride: `${name}-minio`,
      // The subchart's default service account name would clash between instances.
      serviceAccount: { name: `${name}-minio` },
      existingSecret: ctx.secretName,
      persistence: { enabled: true, size: ctx.params.artifactStorageSize },
      buckets: [{ name: 'mlflow', policy: 'none', purge: false }],
      podLabels: ctx.labels,
    },
    artifactRoot: {
      // Clients upload through MLflow: nobody but the server holds the S3 keys.
      proxiedArtifactStorage: true,
      s3: {
        enabled: true,
        bucket: 'mlflow',
        existingSecret: {
          name: ctx.secretName,
          keyOfAccessKeyId: 'rootUser',
          keyOfSecretAccessKey: 'rootPassword',
        },
      },
    },
    oidcAuth: {
      enabled: true,
      discoveryUrl: `${
        ctx.keycloak!.issuerUrl
      }/.well-known/openid-configuration`,
      clientId: client.clientId,
      existingSecret: {
        name: client.secretName,
        clientSecretKey: 'client-secret',
      },
      redirectUri: `${ctx.url}/callback`,
      audience: client.clientId,
      groupsAttribute: 'groups',
      // Matched literally against the groups claim, which carries full paths.
      groupName: groupsOfRoles(ctx.roleMappings, [USER]),
      adminGroupName: groupsOfRoles(ctx.roleMappings, [ADMIN]),
      defaultPermission: ctx.params.defaultPermission,
      sessionCookieSecure: ctx.url.startsWith('https://'),
      database: {
        postgres: {
          enabled: true,
          host: database,
          port: 5432,
          database: 'mlflow_auth',
          driver: 'psycopg2',
          existingSecret: {
            name: database,
            usernameKey: 'username',
            passwordKey: 'password',
          },
        },
      },
    },
  };
}

/**
 * MLflow tracking server with its PostgreSQL backend store and MinIO artifact store in
 * the same release (the chart's bundled dependencies), signing users in through
 * Keycloak with the image's OIDC auth plugin: members of the admin groups administer
 * everything, members of the user groups sign in with the default permission on what
 * others made (and manage what they make).
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
      key: 'username',
      description: 'Database user of MLflow',
      value: 'mlflow',
      secret: 'postgresql',
    },
    {
      key: 'password',
      description: 'Password of the MLflow database user',
      generate: { kind: 'alphanumeric', length: 32 },
      secret: 'postgresql',
    },
    {
      key: 'postgres-password',
      description: 'Password of the PostgreSQL superuser',
      generate: { kind: 'alphanumeric', length: 32 },
      secret: 'postgresql',
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
  ],
  keycloak: {
    clients: [
      {
        key: MAIN_CLIENT,
        clientType: 'confidential',
        redirectPaths: ['/callback'],
        audienceScope: true,
        groupsClaim: true,
      },
    ],
    enforcedBy:
      "MLflow's OIDC auth plugin reads the groups claim (full paths) of the ID token: admin groups administer everything, user groups may sign in. Members of subgroups are not included.",
    roles: [
      {
        name: ADMIN,
        description:
          'MLflow administrator: every permission on every experiment and model, and manages permissions',
        defaultGroups: ['owner'],
      },
      {
        name: USER,
        description:
          'Signs in; manages what they create and has the default permission on the rest',
      },
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
  ],
  health: {
    workloads: ctx => [
      { kind: 'Deployment', name: ctx.instance.name },
      { kind: 'StatefulSet', name: `${ctx.instance.name}-postgresql` },
      { kind: 'Deployment', name: `${ctx.instance.name}-minio` },
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
