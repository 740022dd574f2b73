import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import type { Sandbox } from '@ml-platform/sandbox';
import {
  groupEntity,
  keycloakAdminGet,
  repoTemplate,
  startPortal,
  userEntity,
} from './__testUtils__/portal';

/*
 * JupyterHub from its template, through the real scaffolder backend on the sandbox:
 * what the hub's authenticator is told (who signs in, who administers), what the
 * realm's userinfo tells it for a user of the user role only, re-run and dry run, the
 * images the platform offers, decommission keeping the users' volumes, and the
 * instance's secrets in no channel.
 */

jest.setTimeout(240_000);

const NS = 'ml-notebooks';
const NAME = 'hub-vision';
const IMAGES = [
  'quay.io/jupyter/scipy-notebook:2026-05-31',
  'quay.io/jupyter/pytorch-notebook:2026-05-31',
];

/** The instance's Component, as the catalog provider puts it in the catalog. */
const instanceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: `sandbox-${NS}-${NAME}`,
    namespace: 'default',
    annotations: { 'ml-platform.io/instance': `sandbox/${NS}/${NAME}` },
  },
  spec: {
    type: 'jupyterhub',
    lifecycle: 'production',
    owner: 'group:default/vision',
  },
};

/** Everything the portal said in the tasks and dry runs of this file. */
const said: string[] = [];

function hubValues(overrides: JsonObject = {}): JsonObject {
  return {
    name: NAME,
    namespace: NS,
    owner: 'group:default/vision',
    // admin left to its default: the owner group.
    user: ['group:default/data-scientists'],
    image: IMAGES[1],
    storageSize: '20Gi',
    ...overrides,
  };
}

/** Every way a secret could show up in text: raw, base64 and JSON-escaped. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret, 'utf8').toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

function secretData(sandbox: Sandbox, name: string): Record<string, string> {
  const secret = sandbox.clusters[0].simulator.get('v1', 'Secret', name, NS) as
    | { data?: Record<string, string> }
    | undefined;
  return Object.fromEntries(
    Object.entries(secret?.data ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString('utf8'),
    ]),
  );
}

/** The values the hub's release gets, as the HelmRelease carries them. */
function helmRelease(sandbox: Sandbox) {
  return sandbox.clusters[0].simulator.get(
    'helm.toolkit.fluxcd.io/v2',
    'HelmRelease',
    NAME,
    NS,
  ) as { spec: { values: any; valuesFrom?: any[] } } | undefined;
}

/** What the hub's OAuthenticator gets from the realm's userinfo for a user. */
async function userinfoGroups(
  sandbox: Sandbox,
  client: { id: string; secret: string },
  username: string,
): Promise<{ preferred_username: string; groups: string[] }> {
  const kc = sandbox.keycloak!;
  const oidc = `${kc.url}/realms/${kc.realm}/protocol/openid-connect`;
  const token = await fetch(`${oidc}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: client.id,
      client_secret: client.secret,
      username,
      password: username,
      scope: 'openid profile email',
    }),
  });
  expect(token.status).toBe(200);
  const { access_token: accessToken } = (await token.json()) as {
    access_token: string;
  };
  const info = await fetch(`${oidc}/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(info.status).toBe(200);
  return (await info.json()) as {
    preferred_username: string;
    groups: string[];
  };
}

/** Operator-side set-up of the realm: a user in a group, password logins allowed. */
async function adminApi(sandbox: Sandbox) {
  const kc = sandbox.keycloak!;
  const login = await fetch(
    `${kc.url}/realms/master/protocol/openid-connect/token`,
    {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: kc.adminUsername,
        password: kc.adminPassword,
      }),
    },
  );
  const { access_token: token } = (await login.json()) as {
    access_token: string;
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${kc.url}/admin/realms/${kc.realm}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    }
    const text = await res.text();
    return {
      json: text ? JSON.parse(text) : undefined,
      location: res.headers.get('location') ?? '',
    };
  };
  return {
    async userIn(username: string, groupPath: string) {
      const created = await api('POST', '/users', {
        username,
        enabled: true,
        email: `${username}@example.com`,
        credentials: [{ type: 'password', value: username, temporary: false }],
      });
      const userId = created.location.split('/').pop()!;
      const group = (await api('GET', `/group-by-path${groupPath}`)).json;
      await api('PUT', `/users/${userId}/groups/${group.id}`);
    },
    async allowPasswordLogin(clientId: string) {
      const [client] = (await api('GET', `/clients?clientId=${clientId}`))
        .json as Array<Record<string, unknown>>;
      await api('PUT', `/clients/${client.id}`, {
        ...client,
        directAccessGrantsEnabled: true,
      });
    },
  };
}

describe('JupyterHub through the portal', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;

  const run = async (...args: Parameters<typeof portal.run>) => {
    const end = await portal.run(...args);
    said.push(end.log, JSON.stringify(end.output ?? {}));
    return end;
  };
  const dryRun = async (...args: Parameters<typeof portal.dryRun>) => {
    const res = await portal.dryRun(...args);
    said.push(JSON.stringify(res.body));
    return res;
  };

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [
        repoTemplate('jupyterhub'),
        groupEntity('notebook-users'),
        userEntity('dora', ['data-scientists']),
        instanceEntity,
      ],
      mlTools: { tools: { jupyterhub: { images: IMAGES } } },
    });
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('refuses an image the platform does not offer, naming parameters.image, before any write', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await dryRun(
      'jupyterhub',
      hubValues({ image: 'docker.io/someone/miner:1.0' }),
    );
    expect(JSON.stringify(dry.body)).toContain(
      'input.parameters.image must be one of the images the platform offers (mlTools.tools.jupyterhub.images)',
    );
    const refused = await run(
      'jupyterhub',
      hubValues({ image: 'docker.io/someone/miner:1.0' }),
    );
    expect(refused.status).toBe('failed');
    expect(refused.log).toContain('input.parameters.image must be one of');
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('a dry run reports what it would make and writes nothing', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await dryRun('jupyterhub', hubValues());
    expect(dry.status).toBe(200);
    const text = JSON.stringify(dry.body);
    expect(text).toContain(`HelmRelease`);
    expect(text).toContain(NAME);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('deploys to Ready; the authenticator lets the user groups in and makes the admin groups admins; secrets by reference only', async () => {
    const end = await run('jupyterhub', hubValues());
    expect({ status: end.status, log: end.log }).toMatchObject({
      status: 'completed',
    });
    expect(end.output?.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          url: expect.stringMatching(
            new RegExp(`^https://${NAME}\\..*/hub/home$`),
          ),
        }),
      ]),
    );
    const release = helmRelease(portal.sandbox)!;
    const values = release.spec.values;
    const auth = values.hub.config.GenericOAuthenticator;
    expect(values.hub.config.JupyterHub.authenticator_class).toBe(
      'generic-oauth',
    );
    expect(auth).toMatchObject({
      username_claim: 'preferred_username',
      manage_groups: true,
      auth_state_groups_key: 'oauth_user.groups',
      allowed_groups: ['/data-scientists'],
      // The owner group, by its full path in the realm.
      admin_groups: ['/data-scientists/vision'],
    });
    expect(auth.oauth_callback_url).toMatch(
      /^https:\/\/hub-vision\..*\/hub\/oauth_callback$/,
    );
    expect(auth.userdata_url).toMatch(/\/protocol\/openid-connect\/userinfo$/);
    expect(values.singleuser.image).toEqual({
      name: 'quay.io/jupyter/pytorch-notebook',
      tag: '2026-05-31',
    });
    expect(values.singleuser.storage.capacity).toBe('20Gi');
    // Client credentials reach the hub from the client's Secret.
    expect(values.hub.extraEnv.OAUTH_CLIENT_SECRET).toEqual({
      valueFrom: {
        secretKeyRef: { name: `${NAME}-oidc`, key: 'client-secret' },
      },
    });
    expect(release.spec.valuesFrom).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'Secret',
          name: `${NAME}-secrets`,
          valuesKey: 'cookie-secret',
          targetPath: 'hub.config.JupyterHub.cookie_secret',
        }),
        expect.objectContaining({
          valuesKey: 'proxy-token',
          targetPath: 'hub.config.ConfigurableHTTPProxy.auth_token',
        }),
      ]),
    );
    // The client Keycloak made, with the hub's callback.
    const clients = (await (
      await keycloakAdminGet(portal.sandbox, `/clients?clientId=${NAME}`)
    ).json()) as Array<{ publicClient: boolean; redirectUris: string[] }>;
    expect(clients[0].publicClient).toBe(false);
    expect(clients[0].redirectUris).toEqual([
      expect.stringMatching(/^https:\/\/hub-vision\..*\/hub\/oauth_callback$/),
    ]);
  });

  it('running the template again writes nothing', async () => {
    const mark = portal.sandbox.log.mark();
    const again = await run('jupyterhub', hubValues());
    expect(again.status).toBe('completed');
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('a user in a group mapped to user only is let in and is not an admin', async () => {
    const realm = await adminApi(portal.sandbox);
    await realm.userIn('dora', '/data-scientists');
    await realm.allowPasswordLogin(NAME);
    const oidc = secretData(portal.sandbox, `${NAME}-oidc`);
    const info = await userinfoGroups(
      portal.sandbox,
      { id: oidc['client-id'], secret: oidc['client-secret'] },
      'dora',
    );
    expect(info.preferred_username).toBe('dora');
    // A member of the parent group only: not of the owner's subgroup /data-scientists/vision.
    expect(info.groups).toEqual(['/data-scientists']);
    // OAuthenticator: allowed when a group is in allowed_groups, admin when one is in
    // admin_groups (set intersection of exact strings).
    const auth = helmRelease(portal.sandbox)!.spec.values.hub.config
      .GenericOAuthenticator;
    const inAny = (list: string[]) => info.groups.some(g => list.includes(g));
    expect(inAny(auth.allowed_groups)).toBe(true);
    expect(inAny(auth.admin_groups)).toBe(false);
  });

  it("decommission with keep-data keeps the users' volumes and the secrets; no secret shows anywhere", async () => {
    const sim = portal.sandbox.clusters[0].simulator;
    // What KubeSpawner makes when dora starts her server: a pod and a home volume,
    // labelled as the chart's hub configuration labels them.
    const spawned = {
      'app.kubernetes.io/instance': NAME,
      'app.kubernetes.io/managed-by': 'kubespawner',
      'app.kubernetes.io/name': 'jupyterhub',
      'hub.jupyter.org/username': 'dora',
    };
    sim.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `claim-${NAME}-dora`, namespace: NS, labels: spawned },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '20Gi' } },
      },
    });
    sim.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${NAME}-jupyter-dora`,
        namespace: NS,
        labels: spawned,
      },
      spec: { containers: [{ name: 'notebook', image: IMAGES[1] }] },
    });
    // Someone else's volume in the same namespace stays whatever happens.
    sim.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'claim-other-dora',
        namespace: NS,
        labels: { ...spawned, 'app.kubernetes.io/instance': 'other-hub' },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    });
    const deployedRelease = helmRelease(portal.sandbox);
    const generated = secretData(portal.sandbox, `${NAME}-secrets`);
    const oidc = secretData(portal.sandbox, `${NAME}-oidc`);
    const secrets = [
      generated['cookie-secret'],
      generated['proxy-token'],
      generated['crypt-key'],
      oidc['client-secret'],
    ];
    expect(secrets.every(s => typeof s === 'string' && s.length >= 32)).toBe(
      true,
    );

    const input = {
      instance: `component:default/${instanceEntity.metadata.name}`,
      confirmName: NAME,
      keepData: true,
    };
    const mark = portal.sandbox.log.mark();
    const dry = await dryRun('ml-tool-decommission', input);
    expect(dry.status).toBe(200);
    expect(portal.writesSince(mark)).toEqual([]);
    const end = await run('ml-tool-decommission', input, 'user:default/alice');
    expect({ status: end.status, log: end.log }).toMatchObject({
      status: 'completed',
    });
    expect(
      sim.get('v1', 'PersistentVolumeClaim', `claim-${NAME}-dora`, NS),
    ).toBeDefined();
    expect(sim.get('v1', 'Pod', `${NAME}-jupyter-dora`, NS)).toBeUndefined();
    expect(sim.get('v1', 'Secret', `${NAME}-secrets`, NS)).toBeDefined();
    expect(sim.get('v1', 'Secret', `${NAME}-oidc`, NS)).toBeUndefined();
    expect(helmRelease(portal.sandbox)).toBeUndefined();
    expect(
      sim.get('v1', 'PersistentVolumeClaim', 'claim-other-dora', NS),
    ).toBeDefined();

    // Logs, outputs and dry-run reports of every task above, the upstream request log,
    // and the HelmRelease (values and valuesFrom) as deployed.
    const haystack = [
      ...said,
      JSON.stringify(portal.sandbox.log.entries({})),
      JSON.stringify(deployedRelease),
    ].join('\n');
    for (const secret of secrets) {
      for (const form of forms(secret)) expect(haystack).not.toContain(form);
    }
  });
});
