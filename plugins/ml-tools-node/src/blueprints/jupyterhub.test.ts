import {
  blueprintParts,
  createBlueprintContext,
  toolSettings,
} from './context';
import {
  JUPYTERHUB_DEFAULT_IMAGE,
  jupyterhubBlueprint as blueprint,
} from './jupyterhub';
import type { BlueprintRelease } from './types';

const config = {
  baseDomain: 'ml.example.com',
  ingressScheme: 'https' as const,
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml',
    authRealm: 'master',
    clientId: 'backstage',
    clientSecret: 'x',
    consoleBaseUrl: 'https://sso.example.com',
    requestTimeoutMs: 1000,
  },
};

function release(
  params: Record<string, unknown> = {},
  settings?: Record<string, unknown>,
): BlueprintRelease {
  const ctx = createBlueprintContext(
    { ...config, tools: settings ? { jupyterhub: settings as any } : {} },
    {
      blueprint,
      instance: { cluster: 'c', namespace: 'ml-team', name: 'nb' },
      owner: 'group:default/vision',
      params: blueprint.parameters.parse(params) as any,
      roleMappings: {
        admin: ['/team-a/vision'],
        user: ['/team-a', '/team-b/vision'],
      },
    },
  );
  return blueprintParts(blueprint, ctx)[0] as BlueprintRelease;
}

describe('the JupyterHub blueprint', () => {
  it('tells GenericOAuthenticator who signs in and who administers, by full group path', () => {
    const values = release().values as any;
    expect(values.hub.config.JupyterHub.authenticator_class).toBe(
      'generic-oauth',
    );
    expect(values.hub.config.GenericOAuthenticator).toEqual({
      login_service: 'Keycloak',
      authorize_url:
        'https://sso.example.com/realms/ml/protocol/openid-connect/auth',
      token_url:
        'https://sso.example.com/realms/ml/protocol/openid-connect/token',
      userdata_url:
        'https://sso.example.com/realms/ml/protocol/openid-connect/userinfo',
      oauth_callback_url: 'https://nb.ml.example.com/hub/oauth_callback',
      scope: ['openid', 'profile', 'email'],
      username_claim: 'preferred_username',
      manage_groups: true,
      auth_state_groups_key: 'oauth_user.groups',
      allowed_groups: ['/team-a', '/team-b/vision'],
      admin_groups: ['/team-a/vision'],
    });
    expect(blueprint.keycloak!.clients[0].redirectPaths).toEqual([
      '/hub/oauth_callback',
    ]);
  });

  it('hands the hub its secrets by reference only', () => {
    const part = release();
    const values = part.values as any;
    expect(values.hub.extraEnv).toEqual({
      OAUTH_CLIENT_ID: {
        valueFrom: { secretKeyRef: { name: 'nb-oidc', key: 'client-id' } },
      },
      OAUTH_CLIENT_SECRET: {
        valueFrom: { secretKeyRef: { name: 'nb-oidc', key: 'client-secret' } },
      },
    });
    expect(part.valuesFrom).toEqual([
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
    ]);
    // Nothing of them in values.
    expect(values.proxy.secretToken).toBeUndefined();
    expect(values.hub.cookieSecret).toBeUndefined();
    expect(values.hub.config.JupyterHub.cookie_secret).toBeUndefined();
    expect(values.hub.config.ConfigurableHTTPProxy).toBeUndefined();
  });

  it("takes the form's image and home volume size, else the platform's first image", () => {
    expect((release().values as any).singleuser.image).toEqual({
      name: 'quay.io/jupyter/scipy-notebook',
      tag: JUPYTERHUB_DEFAULT_IMAGE.split(':')[1],
    });
    const settings = { images: ['registry.example.com:5000/ml/nb:1.2'] };
    expect((release({}, settings).values as any).singleuser.image).toEqual({
      name: 'registry.example.com:5000/ml/nb',
      tag: '1.2',
    });
    const values = release(
      { image: 'registry.example.com:5000/ml/nb:1.2', storageSize: '50Gi' },
      settings,
    ).values as any;
    expect(values.singleuser.storage.capacity).toBe('50Gi');
    expect(values.singleuser.storage.dynamic.pvcNameTemplate).toBe(
      'claim-nb-{user_server}',
    );
    expect(values.singleuser.podNameTemplate).toBe('nb-jupyter-{user_server}');
  });

  it('refuses an image the platform does not offer, naming the parameter', () => {
    const settings = toolSettings(blueprint, {
      jupyterhub: { images: ['r.example.com/nb:1'] },
    });
    expect(
      blueprint.checkParameters!(
        { image: 'r.example.com/nb:1' } as any,
        settings as any,
      ),
    ).toEqual([]);
    expect(blueprint.checkParameters!({} as any, settings as any)).toEqual([]);
    expect(
      blueprint.checkParameters!(
        { image: 'evil.example.com/nb:1' } as any,
        settings as any,
      ),
    ).toEqual([
      {
        parameter: 'image',
        rule: 'must be one of the images the platform offers (mlTools.tools.jupyterhub.images): r.example.com/nb:1',
      },
    ]);
  });

  it('checks the platform settings: pinned images, distinct profiles', () => {
    expect(toolSettings(blueprint, {})).toEqual({
      images: [JUPYTERHUB_DEFAULT_IMAGE],
    });
    expect(() =>
      toolSettings(blueprint, { jupyterhub: { images: ['quay.io/x/nb'] } }),
    ).toThrow(
      /mlTools\.tools\.jupyterhub\.images\[0\] must be an image reference with a tag/,
    );
    expect(() =>
      toolSettings(blueprint, {
        jupyterhub: { images: ['quay.io/x/nb:latest'] },
      }),
    ).toThrow(/images\[0\] must pin a tag other than latest/);
    const profile = { slug: 'small', displayName: 'Small' };
    expect(() =>
      toolSettings(blueprint, { jupyterhub: { profiles: [profile, profile] } }),
    ).toThrow(/profiles must give each profile its own slug/);
  });

  it("turns the platform's profiles into the spawner's profile list", () => {
    const values = release(
      {},
      {
        profiles: [
          {
            slug: 'cpu',
            displayName: 'CPU, 2 cores',
            default: true,
            cpu: { limit: 2, guarantee: 0.5 },
            memory: { limit: '8G', guarantee: '2G' },
          },
          {
            slug: 'gpu',
            displayName: 'One GPU',
            description: 'For training',
            gpus: 1,
            nodeSelector: { 'nvidia.com/gpu.present': 'true' },
          },
        ],
      },
    ).values as any;
    expect(values.singleuser.profileList).toEqual([
      {
        display_name: 'CPU, 2 cores',
        slug: 'cpu',
        default: true,
        kubespawner_override: {
          cpu_guarantee: 0.5,
          cpu_limit: 2,
          mem_guarantee: '2G',
          mem_limit: '8G',
        },
      },
      {
        display_name: 'One GPU',
        slug: 'gpu',
        description: 'For training',
        kubespawner_override: {
          extra_resource_limits: { 'nvidia.com/gpu': '1' },
          extra_resource_guarantees: { 'nvidia.com/gpu': '1' },
          node_selector: { 'nvidia.com/gpu.present': 'true' },
        },
      },
    ]);
    expect((release().values as any).singleuser.profileList).toBeUndefined();
  });

  it('keeps cluster-scoped and node-wide parts of the chart off', () => {
    const values = release().values as any;
    expect(values.scheduling).toEqual({
      userScheduler: { enabled: false },
      userPlaceholder: { enabled: false },
    });
    expect(values.prePuller).toEqual({
      hook: { enabled: false },
      continuous: { enabled: false },
    });
    expect(values.fullnameOverride).toBe('nb');
  });
});
