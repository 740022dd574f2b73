import { stringify } from 'yaml';
import { z } from 'zod';
import { MAIN_COMPONENT } from './context';
import type { BlueprintContext, ToolBlueprint } from './types';

/** The server's chart: the official Keycloak image (quay.io/keycloak/keycloak). */
const KEYCLOAKX_CHART = {
  repository: 'codecentric',
  chart: 'keycloakx',
  version: '7.1.11',
};

/** The database's chart: the server's chart bundles none. */
const POSTGRESQL_CHART = {
  repository: 'bitnami',
  chart: 'postgresql',
  version: '17.1.0',
};

/** The part holding the server's data: kept when decommission keeps the data. */
const DATABASE_COMPONENT = 'database';

/** Database and user of the server in its PostgreSQL. */
const DB_NAME = 'keycloak';
const DB_USER = 'keycloak';

/** Keys of the instance's secrets Secret the server reads its bootstrap admin from. */
const ADMIN_USERNAME_KEY = 'admin-username';
const ADMIN_PASSWORD_KEY = 'admin-password';

/** The realm every Keycloak starts with, where its bootstrap admin lives. */
const MASTER_REALM = 'master';

const DOCS_URL = 'https://www.keycloak.org/documentation';

const quantity = z
  .string()
  .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'must be a size such as 512Mi, 8Gi or 1Ti');

/**
 * Parameters of the Keycloak server blueprint.
 *
 * @public
 */
export const keycloakParametersSchema = z.object({
  databaseSize: quantity
    .default('8Gi')
    .describe(
      'Volume size of the PostgreSQL database (realms, users, sessions)',
    ),
});

/**
 * Parameters of the Keycloak server blueprint, after defaults.
 *
 * @public
 */
export type KeycloakParameters = z.infer<typeof keycloakParametersSchema>;

/** The database release (and its Service and Secret) of an instance. */
function databaseName(ctx: BlueprintContext): string {
  return `${ctx.instance.name}-postgresql`;
}

function databaseValues(ctx: BlueprintContext<KeycloakParameters>) {
  const database = databaseName(ctx);
  return {
    fullnameOverride: database,
    auth: {
      username: DB_USER,
      database: DB_NAME,
      // Both passwords (`password`, `postgres-password`) come from this Secret.
      existingSecret: database,
    },
    primary: {
      persistence: { enabled: true, size: ctx.params.databaseSize },
      podLabels: ctx.labels,
    },
  };
}

/** A container environment variable read from a key of a Secret. */
function fromSecret(name: string, secret: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function serverValues(ctx: BlueprintContext<KeycloakParameters>) {
  const { name } = ctx.instance;
  const database = databaseName(ctx);
  // The chart takes further environment as a YAML string; built as objects here.
  const env = [
    // Every URL Keycloak issues (tokens' issuer, redirects, consoles) uses this one.
    { name: 'KC_HOSTNAME', value: ctx.url },
    // Made only while the database holds no admin yet; kept in the Secret afterwards.
    fromSecret(
      'KC_BOOTSTRAP_ADMIN_USERNAME',
      ctx.secretName,
      ADMIN_USERNAME_KEY,
    ),
    fromSecret(
      'KC_BOOTSTRAP_ADMIN_PASSWORD',
      ctx.secretName,
      ADMIN_PASSWORD_KEY,
    ),
  ];
  return {
    fullnameOverride: name,
    // Production mode: `start` refuses to run without a hostname and a real database.
    command: ['/opt/keycloak/bin/kc.sh', 'start', '--http-port=8080'],
    // Keycloak 17+ serves at the root (/realms, /admin), not under the old /auth.
    http: { relativePath: '/' },
    // TLS ends at the ingress controller, which sends X-Forwarded-* headers.
    proxy: { enabled: true, mode: 'xforwarded', http: { enabled: true } },
    database: {
      vendor: 'postgres',
      hostname: database,
      port: 5432,
      database: DB_NAME,
      username: DB_USER,
      existingSecret: database,
      existingSecretKey: 'password',
    },
    // The server's pod waits for the database port before Keycloak starts.
    dbchecker: { enabled: true },
    extraEnv: stringify(env),
    ingress: {
      enabled: true,
      rules: [{ host: ctx.host, paths: [{ path: '/', pathType: 'Prefix' }] }],
      tls: [{ hosts: [ctx.host], secretName: `${name}-tls` }],
    },
    podLabels: ctx.labels,
  };
}

/**
 * A Keycloak server of its own (the official image, through the codecentric `keycloakx`
 * chart) with its own PostgreSQL (a bitnami `postgresql` release, applied and ready
 * first). Its bootstrap admin (master realm) and its database passwords are generated
 * into Secrets and reach the pods by Secret reference only. The ingress opens the
 * instance's host; Keycloak issues every URL for that host and trusts the ingress
 * controller's forwarded headers.
 *
 * It has no client in the platform's realm and maps no groups to roles: it is an identity
 * provider of its own, whose administrators are its own master-realm accounts.
 *
 * @public
 */
export const keycloakBlueprint: ToolBlueprint<KeycloakParameters> = {
  id: 'keycloak',
  title: 'Keycloak server',
  description:
    'An identity and access management server of your own, with its PostgreSQL database and a generated admin account.',
  category: 'identity',
  icon: 'identity',
  docsUrl: DOCS_URL,
  parameters:
    keycloakParametersSchema as unknown as z.ZodType<KeycloakParameters>,
  secrets: [
    {
      key: ADMIN_USERNAME_KEY,
      description: 'User name of the bootstrap admin of the master realm',
      value: 'admin',
    },
    {
      key: ADMIN_PASSWORD_KEY,
      description: 'Password of the bootstrap admin of the master realm',
      generate: { kind: 'alphanumeric', length: 32 },
    },
    {
      key: 'username',
      description: 'Database user of Keycloak',
      value: DB_USER,
      secret: 'postgresql',
    },
    {
      key: 'password',
      description: 'Password of the Keycloak database user',
      generate: { kind: 'alphanumeric', length: 32 },
      secret: 'postgresql',
    },
    {
      key: 'postgres-password',
      description: 'Password of the PostgreSQL superuser',
      generate: { kind: 'alphanumeric', length: 32 },
      secret: 'postgresql',
    },
  ],
  accessNote:
    "This Keycloak is an identity provider of its own: it has no client in the platform's realm and no roles mapped to its groups. Its administrators are the accounts of its master realm, starting with the generated bootstrap admin, whose user name and password are in the instance's Secret <instance>-secrets (keys admin-username and admin-password); sign in to the admin console with it and create named administrators.",
  parts: ctx => [
    {
      type: 'release',
      name: databaseName(ctx),
      component: DATABASE_COMPONENT,
      chart: POSTGRESQL_CHART,
      values: databaseValues(ctx),
      // Keycloak creates its schema at first start: the database must accept connections.
      waitForReady: true,
    },
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: KEYCLOAKX_CHART,
      values: serverValues(ctx),
    },
  ],
  health: {
    workloads: ctx => [
      { kind: 'StatefulSet', name: ctx.instance.name },
      { kind: 'StatefulSet', name: databaseName(ctx) },
    ],
    endpoints: [`/realms/${MASTER_REALM}/.well-known/openid-configuration`],
  },
  links: ctx => [
    {
      title: 'Keycloak admin console',
      url: `${ctx.url}/admin/${MASTER_REALM}/console/`,
      type: 'ui',
      icon: 'dashboard',
    },
    {
      title: 'Account console (master realm)',
      url: `${ctx.url}/realms/${MASTER_REALM}/account/`,
      type: 'ui',
      icon: 'user',
    },
    {
      title: 'OpenID configuration (master realm)',
      url: `${ctx.url}/realms/${MASTER_REALM}/.well-known/openid-configuration`,
      type: 'api',
    },
    {
      title: 'Keycloak documentation',
      url: DOCS_URL,
      type: 'docs',
      icon: 'docs',
    },
  ],
  catalog: {
    backingStores: ctx => [
      {
        kind: 'database',
        name: `${ctx.instance.name}-keycloak-db`,
        description: `PostgreSQL database "${DB_NAME}": the realms, users, groups, clients and sessions of this Keycloak.`,
      },
    ],
  },
  decommission: { keepWithData: [DATABASE_COMPONENT] },
};
