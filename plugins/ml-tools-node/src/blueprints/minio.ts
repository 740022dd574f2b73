import { z } from 'zod';
import type { KcProtocolMapper } from '../keycloak/types';
import { MAIN_CLIENT, MAIN_COMPONENT } from './context';
import type { BlueprintContext, ToolBlueprint } from './types';

/** The pinned chart (charts.min.io); its image is MinIO RELEASE.2024-12-18T13-15-44Z. */
const MINIO_CHART = { repository: 'minio', chart: 'minio', version: '5.4.0' };

/**
 * The claim MinIO reads the policies of an OpenID user from.
 *
 * @public
 */
export const MINIO_POLICY_CLAIM = 'policy';

const quantity = z
  .string()
  .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'must be a size such as 512Mi, 8Gi or 1Ti');

/** S3 bucket names, without dots (they break virtual-host style TLS). */
const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    'must be 3 to 63 lower case letters, digits or dashes, starting and ending with a letter or digit',
  );

/** MinIO's own policies: a named policy may not take one of these names. */
const BUILT_IN_POLICY_NAMES = [
  'consoleAdmin',
  'readwrite',
  'readonly',
  'writeonly',
  'diagnostics',
];

/** What a named policy allows on its buckets. */
const ACCESS = {
  read: {
    objects: ['s3:GetObject'],
    bucket: ['s3:GetBucketLocation', 's3:ListBucket'],
  },
  'read-write': {
    objects: [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ],
    bucket: [
      's3:GetBucketLocation',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
    ],
  },
  write: {
    objects: [
      's3:PutObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ],
    bucket: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
  },
} as const;

const namedPolicy = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][-_.A-Za-z0-9]*$/,
      'must be letters, digits, -, _ or ., starting with a letter or digit',
    )
    .max(64)
    .refine(n => !BUILT_IN_POLICY_NAMES.includes(n), {
      message: `must not be one of MinIO's own policies (${BUILT_IN_POLICY_NAMES.join(
        ', ',
      )})`,
    })
    .describe('Policy name, as it appears in the policy claim'),
  buckets: z
    .array(bucketName)
    .min(1)
    .max(20)
    .describe('Buckets the policy opens'),
  access: z
    .enum(['read', 'read-write', 'write'])
    .describe('What the policy allows on the objects of those buckets'),
  groups: z
    .array(z.string().min(1).max(300))
    .max(20)
    .default([])
    .describe(
      'Groups granted the policy: Group entity refs, names or Keycloak paths',
    ),
});

/**
 * Parameters of the MinIO blueprint.
 *
 * @public
 */
export const minioParametersSchema = z.object({
  mode: z
    .enum(['standalone', 'distributed'])
    .default('standalone')
    .describe(
      'standalone: one server and one volume; distributed: erasure-coded servers, one volume each',
    ),
  servers: z
    .number()
    .int()
    .min(4, 'distributed MinIO needs at least 4 servers')
    .max(16)
    .default(4)
    .describe('Servers of a distributed MinIO (ignored in standalone mode)'),
  storageSize: quantity
    .default('50Gi')
    .describe('Volume size (per server in distributed mode)'),
  storageClass: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a storage class name')
    .max(63)
    .optional()
    .describe("Storage class of the volumes; the cluster's default when empty"),
  exposeS3Api: z
    .boolean()
    .default(true)
    .describe(
      'Open the S3 API outside the cluster at https://<name>-s3.<domain>',
    ),
  buckets: z
    .array(
      z.object({
        name: bucketName.describe('Bucket name'),
        quota: quantity
          .optional()
          .describe('Hard quota of the bucket; none when empty'),
        versioning: z
          .boolean()
          .default(false)
          .describe('Keep every version of each object'),
      }),
    )
    .max(20)
    .default([])
    .refine(list => new Set(list.map(b => b.name)).size === list.length, {
      message: 'bucket names must be unique',
    })
    .meta({
      description:
        'Buckets created (never emptied nor removed) on every deploy',
      examples: [
        [
          { name: 'datasets', quota: '100Gi', versioning: true },
          { name: 'models', versioning: false },
        ],
      ],
    }),
  policies: z
    .array(namedPolicy)
    .max(20)
    .default([])
    .refine(list => new Set(list.map(p => p.name)).size === list.length, {
      message: 'policy names must be unique',
    })
    .meta({
      description:
        "Named policies on some buckets, each granted to groups (besides MinIO's own)",
      examples: [
        [
          {
            name: 'datasets-read',
            buckets: ['datasets'],
            access: 'read',
            groups: ['/team-a/viewers'],
          },
        ],
      ],
    }),
});

/**
 * Parameters of the MinIO blueprint, after defaults.
 *
 * @public
 */
export type MinioParameters = z.infer<typeof minioParametersSchema>;

/**
 * MinIO's built-in policies, which are the roles: the console and the S3 API grant a
 * signed-in user the policies named in the token's `policy` claim.
 */
const POLICIES = {
  consoleAdmin:
    'Administers the whole MinIO server: every bucket, users, policies, configuration',
  readwrite:
    'Reads and writes every object of every bucket, and creates buckets',
  readonly: 'Reads every object of every bucket',
  writeonly: 'Uploads objects to every bucket, without reading them',
} as const;

/**
 * The host of an instance's S3 API when it is exposed: `<name>-s3.<domain>`.
 *
 * @public
 */
export function minioS3Host(ctx: BlueprintContext): string {
  const [name, ...domain] = ctx.host.split('.');
  return [`${name}-s3`, ...domain].join('.');
}

/** The in-cluster URL of the S3 API (the chart's Service, port 9000). */
function inClusterS3Url(ctx: BlueprintContext): string {
  return `http://${ctx.instance.name}.${ctx.instance.namespace}.svc:9000`;
}

/** The volume of a standalone server, a part of its own so that keep-data keeps it. */
function dataClaimName(ctx: BlueprintContext): string {
  return `${ctx.instance.name}-data`;
}

/**
 * The `policy` claim: the MinIO client's roles the user holds (through any group, or a
 * parent group), one value each. Keycloak's client-role mapper reads only the roles in
 * the token's scope; the instance's client has the full scope.
 */
function policyClaimMapper(ctx: BlueprintContext): KcProtocolMapper {
  return {
    name: MINIO_POLICY_CLAIM,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usermodel-client-role-mapper',
    config: {
      'usermodel.clientRoleMapping.clientId':
        ctx.keycloak!.clients[MAIN_CLIENT].clientId,
      'claim.name': MINIO_POLICY_CLAIM,
      multivalued: 'true',
      'jsonType.label': 'String',
      'id.token.claim': 'true',
      'access.token.claim': 'true',
      'userinfo.token.claim': 'true',
      'introspection.token.claim': 'true',
    },
  };
}

/** `mc` sizes: 10Gi → 10GiB. */
function mcSize(size: string): string {
  return `${size}B`;
}

function minioValues(ctx: BlueprintContext<MinioParameters>) {
  const { name } = ctx.instance;
  const p = ctx.params;
  const client = ctx.keycloak!.clients[MAIN_CLIENT];
  const distributed = p.mode === 'distributed';
  const tls = (host: string) => [{ hosts: [host], secretName: `${name}-tls` }];
  const s3Host = minioS3Host(ctx);
  return {
    fullnameOverride: name,
    mode: p.mode,
    ...(distributed ? { replicas: p.servers, pools: 1, drivesPerNode: 1 } : {}),
    // Root credentials from the instance's Secret (keys rootUser, rootPassword).
    existingSecret: ctx.secretName,
    // The chart's default creates a `console` user with a well-known password.
    users: [],
    // The chart's default name would clash between instances of a namespace.
    serviceAccount: { create: true, name },
    resources: { requests: { memory: '1Gi' } },
    persistence: {
      enabled: true,
      size: p.storageSize,
      ...(p.storageClass ? { storageClass: p.storageClass } : {}),
      // A standalone server's volume is the instance's own (see parts): Helm never
      // owns it, so uninstalling the release cannot take the data with it.
      ...(distributed ? {} : { existingClaim: dataClaimName(ctx) }),
    },
    podLabels: ctx.labels,
    consoleIngress: {
      enabled: true,
      path: '/',
      hosts: [ctx.host],
      tls: tls(ctx.host),
    },
    ingress: p.exposeS3Api
      ? { enabled: true, path: '/', hosts: [s3Host], tls: tls(s3Host) }
      : { enabled: false },
    oidc: {
      enabled: true,
      configUrl: `${ctx.keycloak!.issuerUrl}/.well-known/openid-configuration`,
      clientId: client.clientId,
      // Client id and secret come from the client's Secret, never from values.
      existingClientSecretName: client.secretName,
      existingClientIdKey: 'client-id',
      existingClientSecretKey: 'client-secret',
      claimName: MINIO_POLICY_CLAIM,
      scopes: 'openid,profile,email',
      redirectUri: `${ctx.url}/oauth_callback`,
      displayName: 'Keycloak',
      comment: `Keycloak client ${client.clientId}`,
    },
    // The console builds its links and the login redirect from its public URL.
    environment: { MINIO_BROWSER_REDIRECT_URL: ctx.url },
    // Created when missing; `purge: false` so that a re-run never empties a bucket.
    buckets: p.buckets.map(b => ({
      name: b.name,
      policy: 'none',
      purge: false,
      versioning: b.versioning,
    })),
    // Named policies, created in MinIO by the chart's post-install job.
    policies: p.policies.map(policy => ({
      name: policy.name,
      statements: [
        {
          effect: 'Allow',
          resources: policy.buckets.map(b => `arn:aws:s3:::${b}/*`),
          actions: [...ACCESS[policy.access].objects],
        },
        {
          effect: 'Allow',
          resources: policy.buckets.map(b => `arn:aws:s3:::${b}`),
          actions: [...ACCESS[policy.access].bucket],
        },
      ],
    })),
    // The chart's bucket entries have no quota: `mc quota set` in its post-install job.
    customCommands: p.buckets
      .filter(b => b.quota)
      .map(b => ({
        command: `quota set myminio/${b.name} --size ${mcSize(b.quota!)}`,
      })),
  };
}

/**
 * MinIO object storage (S3 API and console), signing users in through Keycloak: the
 * console and the S3 STS API grant each user the MinIO policies named in the token's
 * `policy` claim, which carries the client roles the user's groups hold. The root
 * credentials are generated into the instance's Secret; buckets (with quotas) are created
 * by the chart's post-install job.
 *
 * @public
 */
export const minioBlueprint: ToolBlueprint<MinioParameters> = {
  id: 'minio',
  title: 'MinIO object storage',
  description:
    'S3-compatible object storage with its console, buckets with quotas and single sign-on; access by MinIO policy per group.',
  category: 'storage',
  icon: 'storage',
  docsUrl: 'https://min.io/docs/minio/kubernetes/upstream/',
  parameters: minioParametersSchema as unknown as z.ZodType<MinioParameters>,
  secrets: [
    {
      key: 'rootUser',
      description: 'MinIO root user',
      generate: { kind: 'alphanumeric', length: 20 },
    },
    {
      key: 'rootPassword',
      description: 'MinIO root password',
      generate: { kind: 'alphanumeric', length: 40 },
    },
  ],
  keycloak: {
    clients: [
      {
        key: MAIN_CLIENT,
        clientType: 'confidential',
        redirectPaths: ['/oauth_callback'],
        audienceScope: false,
        groupsClaim: false,
        protocolMappers: ctx => [policyClaimMapper(ctx)],
      },
    ],
    enforcedBy:
      "MinIO grants a user signing in through Keycloak (console or S3 STS) the policies named in the token's policy claim, which lists the MinIO client's roles the user holds through their groups (and their groups' parents).",
    parameterRoles: params =>
      params.policies.map(policy => ({
        name: policy.name,
        description: `${
          { read: 'Reads', 'read-write': 'Reads and writes', write: 'Writes' }[
            policy.access
          ]
        } the objects of ${policy.buckets.join(', ')}`,
        groups: policy.groups,
      })),
    roles: Object.entries(POLICIES).map(([name, description]) => ({
      name,
      description,
      ...(name === 'consoleAdmin' ? { defaultGroups: ['owner' as const] } : {}),
    })),
  },
  objectKinds: [
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', main: false },
  ],
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: MINIO_CHART,
      values: minioValues(ctx),
    },
    ...(ctx.params.mode === 'standalone'
      ? [
          {
            type: 'object' as const,
            component: 'data',
            manifest: {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: {
                name: dataClaimName(ctx),
                namespace: ctx.instance.namespace,
              },
              spec: {
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: ctx.params.storageSize } },
                ...(ctx.params.storageClass
                  ? { storageClassName: ctx.params.storageClass }
                  : {}),
              },
            },
          },
        ]
      : []),
  ],
  health: {
    workloads: ctx => [
      {
        kind: ctx.params.mode === 'distributed' ? 'StatefulSet' : 'Deployment',
        name: ctx.instance.name,
      },
    ],
    // Served by the S3 API (the S3 host), not by the console.
    endpoints: ['/minio/health/live'],
  },
  links: ctx => [
    {
      title: 'MinIO console',
      url: `${ctx.url}/`,
      type: 'ui',
      icon: 'dashboard',
    },
    {
      title: 'S3 endpoint',
      url: ctx.params.exposeS3Api
        ? `https://${minioS3Host(ctx)}`
        : inClusterS3Url(ctx),
      type: 'api',
    },
    {
      title: 'MinIO documentation',
      url: 'https://min.io/docs/minio/kubernetes/upstream/',
      type: 'docs',
      icon: 'docs',
    },
  ],
  catalog: {
    backingStores: ctx => [
      {
        kind: 'volume',
        name: `${ctx.instance.name}-data`,
        description:
          ctx.params.mode === 'distributed'
            ? `One ${ctx.params.storageSize} volume per server (${ctx.params.servers}), erasure-coded: every object of every bucket.`
            : `The server's ${ctx.params.storageSize} volume: every object of every bucket.`,
      },
      ...ctx.params.buckets.map(b => ({
        kind: 'bucket' as const,
        name: `${ctx.instance.name}-${b.name}`,
        description: `S3 bucket "${b.name}"${
          b.quota ? ` (quota ${b.quota})` : ''
        }${b.versioning ? ', versioned' : ''}.`,
      })),
    ],
  },
  decommission: {
    keepWithData: ['data'],
    // A distributed server's volumes come from its StatefulSet, which labels them with
    // its selector (the chart's `app` and `release`), not with Helm's instance label.
    dataClaimSelectors: instance => [`app=minio,release=${instance}`],
  },
};
