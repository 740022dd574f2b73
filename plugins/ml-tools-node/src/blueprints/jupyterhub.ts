import type { JsonObject } from '@backstage/types';
import { z } from 'zod';
import { groupsOfRoles, MAIN_CLIENT, MAIN_COMPONENT } from './context';
import type { BlueprintContext, ToolBlueprint } from './types';

/** The pinned official chart (hub 5.5.0, KubeSpawner 7.0.0, OAuthenticator 17.4.0). */
const JUPYTERHUB_CHART = {
  repository: 'jupyterhub',
  chart: 'jupyterhub',
  version: '4.4.0',
};

/**
 * The notebook image offered when the platform lists none: the public Jupyter SciPy
 * stack, pinned to a dated build.
 *
 * @public
 */
export const JUPYTERHUB_DEFAULT_IMAGE =
  'quay.io/jupyter/scipy-notebook:2026-05-31';

/** `registry/path/name:tag`; a tag is required and `latest` is not a pin. */
const IMAGE_REF =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const imageRef = z
  .string()
  .max(300)
  .regex(
    IMAGE_REF,
    'must be an image reference with a tag, such as quay.io/jupyter/scipy-notebook:2026-05-31',
  )
  .refine(i => !i.endsWith(':latest'), {
    message: 'must pin a tag other than latest',
  });

const memory = z
  .string()
  .regex(
    /^[1-9][0-9]*(\.[0-9]+)?[KMGT]$/,
    'must be a size such as 512M, 4G or 1T',
  );

const cpus = z.number().positive().max(256);

const profileSchema = z
  .object({
    slug: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/,
        'must be a short DNS label such as gpu-small',
      ),
    displayName: z.string().min(1).max(100),
    description: z.string().max(300).optional(),
    default: z.boolean().optional(),
    cpu: z
      .object({ guarantee: cpus.optional(), limit: cpus.optional() })
      .strict()
      .optional(),
    memory: z
      .object({ guarantee: memory.optional(), limit: memory.optional() })
      .strict()
      .optional(),
    /** NVIDIA GPUs (`nvidia.com/gpu`) given to each server of the profile. */
    gpus: z.number().int().min(1).max(16).optional(),
    /** Nodes the servers of the profile run on, such as GPU nodes. */
    nodeSelector: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/**
 * What the platform team sets for every JupyterHub instance, under
 * `mlTools.tools.jupyterhub`: the notebook images users may pick (the first is the
 * default) and the server sizes users choose from when they start their server.
 *
 * @public
 */
export const jupyterhubSettingsSchema = z
  .object({
    images: z
      .array(imageRef)
      .min(1)
      .max(50)
      .default([JUPYTERHUB_DEFAULT_IMAGE]),
    profiles: z
      .array(profileSchema)
      .max(20)
      .optional()
      .refine(p => !p || new Set(p.map(x => x.slug)).size === p.length, {
        message: 'must give each profile its own slug',
      })
      .refine(p => !p || p.filter(x => x.default).length <= 1, {
        message: 'may mark one profile as the default',
      }),
  })
  .strict();

/**
 * Platform settings of the JupyterHub blueprint, after defaults.
 *
 * @public
 */
export type JupyterhubSettings = z.infer<typeof jupyterhubSettingsSchema>;

/**
 * Parameters of the JupyterHub blueprint.
 *
 * @public
 */
export const jupyterhubParametersSchema = z.object({
  image: z
    .string()
    .max(300)
    .optional()
    .describe(
      "Notebook image of the users' servers, one of those the platform offers; the first offered by default",
    ),
  storageSize: z
    .string()
    .regex(/^[1-9][0-9]*(Gi|Ti)$/, 'must be a size such as 10Gi or 1Ti')
    .default('10Gi')
    .describe("Size of each user's home volume"),
});

/**
 * Parameters of the JupyterHub blueprint, after defaults.
 *
 * @public
 */
export type JupyterhubParameters = z.infer<typeof jupyterhubParametersSchema>;

const ADMIN = 'admin';
const USER = 'user';

/** The notebook image of the instance: the one picked, else the platform's first. */
function notebookImage(
  params: JupyterhubParameters,
  settings: JupyterhubSettings,
): string {
  return params.image || settings.images[0];
}

function splitImage(image: string): { name: string; tag: string } {
  const at = image.lastIndexOf(':');
  return { name: image.slice(0, at), tag: image.slice(at + 1) };
}

type Profile = z.infer<typeof profileSchema>;

/** A platform profile as KubeSpawner's `profile_list` entry. */
function spawnerProfile(profile: Profile): JsonObject {
  const override: JsonObject = {};
  if (profile.cpu?.guarantee) override.cpu_guarantee = profile.cpu.guarantee;
  if (profile.cpu?.limit) override.cpu_limit = profile.cpu.limit;
  if (profile.memory?.guarantee)
    override.mem_guarantee = profile.memory.guarantee;
  if (profile.memory?.limit) override.mem_limit = profile.memory.limit;
  if (profile.gpus) {
    override.extra_resource_limits = { 'nvidia.com/gpu': String(profile.gpus) };
    override.extra_resource_guarantees = {
      'nvidia.com/gpu': String(profile.gpus),
    };
  }
  if (profile.nodeSelector) override.node_selector = profile.nodeSelector;
  return {
    display_name: profile.displayName,
    slug: profile.slug,
    ...(profile.description ? { description: profile.description } : {}),
    ...(profile.default ? { default: true } : {}),
    kubespawner_override: override,
  };
}

function jupyterhubValues(
  ctx: BlueprintContext<JupyterhubParameters, JupyterhubSettings>,
) {
  const { name } = ctx.instance;
  const client = ctx.keycloak!.clients[MAIN_CLIENT];
  const oidc = `${ctx.keycloak!.issuerUrl}/protocol/openid-connect`;
  const fromClientSecret = (key: string) => ({
    valueFrom: { secretKeyRef: { name: client.secretName, key } },
  });
  const profiles = ctx.settings.profiles ?? [];
  return {
    // Objects named `<instance>-hub`, `<instance>-proxy`...: several instances may
    // share a namespace.
    fullnameOverride: name,
    hub: {
      config: {
        JupyterHub: { authenticator_class: 'generic-oauth' },
        GenericOAuthenticator: {
          login_service: 'Keycloak',
          authorize_url: `${oidc}/auth`,
          token_url: `${oidc}/token`,
          userdata_url: `${oidc}/userinfo`,
          oauth_callback_url: `${ctx.url}/hub/oauth_callback`,
          scope: ['openid', 'profile', 'email'],
          username_claim: 'preferred_username',
          // Keycloak groups become JupyterHub groups at each login; the userinfo
          // response (auth state key `oauth_user`) carries them as full paths.
          manage_groups: true,
          auth_state_groups_key: 'oauth_user.groups',
          allowed_groups: groupsOfRoles(ctx.roleMappings, [USER]),
          admin_groups: groupsOfRoles(ctx.roleMappings, [ADMIN]),
        },
      },
      // OAuthenticator reads the client credentials from these variables, which come
      // from the client's Secret: they never appear in values.
      extraEnv: {
        OAUTH_CLIENT_ID: fromClientSecret('client-id'),
        OAUTH_CLIENT_SECRET: fromClientSecret('client-secret'),
      },
      db: {
        // Users, groups and tokens: a volume that outlives the release (Helm leaves it
        // on uninstall); decommission removes it unless the data is kept.
        pvc: { annotations: { 'helm.sh/resource-policy': 'keep' } },
      },
    },
    proxy: {
      // Reached through the ingress only.
      service: { type: 'ClusterIP' },
    },
    ingress: {
      enabled: true,
      hosts: [ctx.host],
      tls: [{ hosts: [ctx.host], secretName: `${name}-tls` }],
    },
    singleuser: {
      image: splitImage(notebookImage(ctx.params, ctx.settings)),
      // Per-user servers and volumes are made by KubeSpawner at run time; the instance
      // name in theirs keeps instances of one namespace apart.
      podNameTemplate: `${name}-jupyter-{user_server}`,
      storage: {
        capacity: ctx.params.storageSize,
        dynamic: { pvcNameTemplate: `claim-${name}-{user_server}` },
      },
      ...(profiles.length ? { profileList: profiles.map(spawnerProfile) } : {}),
    },
    // Cluster-scoped or node-wide parts the chart turns on by default: the user
    // scheduler (ClusterRole and ClusterRoleBinding), its placeholders, and the image
    // pullers (DaemonSets on every node, a pre-upgrade hook).
    scheduling: {
      userScheduler: { enabled: false },
      userPlaceholder: { enabled: false },
    },
    prePuller: {
      hook: { enabled: false },
      continuous: { enabled: false },
    },
  };
}

/**
 * JupyterHub on the official chart: users sign in through Keycloak with OAuthenticator's
 * generic provider, and get their own notebook server with a home volume. Members of
 * the user groups may sign in; members of the admin groups administer the hub.
 *
 * The hub's cookie secret, the proxy's API token and the auth-state encryption key are
 * generated once into the instance's Secret and handed to the release by reference
 * (Flux `valuesFrom`): the chart's own fallback (a cluster lookup at install time)
 * would draw new ones at every render under a driver that renders without the cluster.
 *
 * @public
 */
export const jupyterhubBlueprint: ToolBlueprint<
  JupyterhubParameters,
  JupyterhubSettings
> = {
  id: 'jupyterhub',
  title: 'JupyterHub',
  description:
    'Notebook servers for a team, one per user with a home volume, with single sign-on.',
  category: 'notebooks',
  icon: 'notebook',
  docsUrl: 'https://z2jh.jupyter.org/en/stable/',
  parameters:
    jupyterhubParametersSchema as unknown as z.ZodType<JupyterhubParameters>,
  settings:
    jupyterhubSettingsSchema as unknown as z.ZodType<JupyterhubSettings>,
  checkParameters: (params, settings) => {
    if (!params.image || settings.images.includes(params.image)) return [];
    return [
      {
        parameter: 'image',
        rule: `must be one of the images the platform offers (mlTools.tools.jupyterhub.images): ${settings.images.join(
          ', ',
        )}`,
      },
    ];
  },
  secrets: [
    {
      key: 'cookie-secret',
      description: "Key of the hub's session cookies",
      generate: { kind: 'hex', bytes: 32 },
    },
    {
      key: 'proxy-token',
      description: 'Token the hub uses on the proxy API',
      generate: { kind: 'hex', bytes: 32 },
    },
    {
      key: 'crypt-key',
      description: "Key encrypting users' auth state in the hub database",
      generate: { kind: 'hex', bytes: 32 },
    },
  ],
  keycloak: {
    clients: [
      {
        key: MAIN_CLIENT,
        clientType: 'confidential',
        redirectPaths: ['/hub/oauth_callback'],
        audienceScope: false,
        groupsClaim: true,
      },
    ],
    enforcedBy:
      "JupyterHub's OAuthenticator reads the groups (full paths) of the Keycloak userinfo at each sign-in: only members of the allowed groups (user role) or of the admin groups sign in, and the admin groups make hub administrators (admin status is taken back from those no longer in them). Members of subgroups are not included.",
    roles: [
      {
        name: ADMIN,
        description:
          'Hub administrator: manages users and groups, starts and stops any server and may open it',
        defaultGroups: ['owner'],
      },
      {
        name: USER,
        description:
          'Signs in and gets their own notebook server with a home volume',
      },
    ],
  },
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: JUPYTERHUB_CHART,
      values: jupyterhubValues(ctx),
      valuesFrom: [
        {
          secret: 'secrets',
          key: 'cookie-secret',
          targetPath: 'hub.config.JupyterHub.cookie_secret',
        },
        {
          secret: 'secrets',
          key: 'proxy-token',
          targetPath: 'hub.config.ConfigurableHTTPProxy.auth_token',
        },
        {
          secret: 'secrets',
          key: 'crypt-key',
          targetPath: 'hub.config.CryptKeeper.keys',
        },
      ],
    },
  ],
  health: {
    workloads: ctx => [
      { kind: 'Deployment', name: `${ctx.instance.name}-hub` },
      { kind: 'Deployment', name: `${ctx.instance.name}-proxy` },
    ],
    endpoints: ['/hub/health'],
  },
  links: ctx => [
    {
      title: 'JupyterHub',
      url: `${ctx.url}/hub/home`,
      type: 'ui',
      icon: 'dashboard',
    },
    {
      title: 'My notebook server',
      url: `${ctx.url}/hub/spawn`,
      type: 'ui',
    },
    { title: 'JupyterHub REST API', url: `${ctx.url}/hub/api`, type: 'api' },
    {
      title: 'JupyterHub documentation',
      url: 'https://jupyterhub.readthedocs.io/en/stable/',
      type: 'docs',
      icon: 'docs',
    },
  ],
  catalog: {
    backingStores: ctx => [
      {
        kind: 'volume',
        name: `${ctx.instance.name}-hub-db`,
        description:
          'Volume of the hub database (SQLite): users, groups, tokens and server states.',
      },
      {
        kind: 'volume',
        name: `${ctx.instance.name}-user-homes`,
        description: `One home volume per user (claim-${ctx.instance.name}-<user>), made when the user first starts a server.`,
      },
    ],
  },
  decommission: {
    runtimeManagers: ['kubespawner'],
  },
};
