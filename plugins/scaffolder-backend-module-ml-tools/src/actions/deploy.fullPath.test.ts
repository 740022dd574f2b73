import { mlflowInput, startHarness } from '../__testUtils__/harness';

jest.setTimeout(120_000);

type Harness = Awaited<ReturnType<typeof startHarness>>;

/** A small admin client over Keycloak's REST API, as an operator would script it. */
async function keycloakAdmin(h: Harness) {
  const kc = h.sandbox.keycloak!;
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
  expect(login.status).toBe(200);
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
  const groupByPath = async (path: string) =>
    (await api('GET', `/group-by-path${path}`)).json as { id: string };
  return {
    async ensureGroup(path: string): Promise<string> {
      try {
        return (await groupByPath(path)).id;
      } catch {
        const segments = path.split('/').filter(Boolean);
        const parentPath = `/${segments.slice(0, -1).join('/')}`;
        const name = segments[segments.length - 1];
        if (segments.length === 1) {
          await api('POST', '/groups', { name });
        } else {
          const parent = await this.ensureGroup(parentPath);
          await api('POST', `/groups/${parent}/children`, { name });
        }
        return (await groupByPath(path)).id;
      }
    },
    async userIn(username: string, groupPath: string): Promise<void> {
      const created = await api('POST', '/users', {
        username,
        enabled: true,
        email: `${username}@example.com`,
        credentials: [{ type: 'password', value: username, temporary: false }],
      });
      const userId = created.location.split('/').pop()!;
      const groupId = await this.ensureGroup(groupPath);
      await api('PUT', `/users/${userId}/groups/${groupId}`);
    },
    /** Lets the test sign users in with a password to read the tokens the tool gets. */
    async allowPasswordLogin(clientId: string): Promise<void> {
      const [client] = (await api('GET', `/clients?clientId=${clientId}`))
        .json as Array<Record<string, unknown>>;
      await api('PUT', `/clients/${client.id}`, {
        ...client,
        directAccessGrantsEnabled: true,
      });
    },
  };
}

/** The `groups` claim of the ID token the instance's client gets for a user. */
async function groupsClaim(
  h: Harness,
  client: { id: string; secret: string },
  username: string,
): Promise<string[]> {
  const kc = h.sandbox.keycloak!;
  const res = await fetch(
    `${kc.url}/realms/${kc.realm}/protocol/openid-connect/token`,
    {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: client.id,
        client_secret: client.secret,
        username,
        password: username,
        scope: 'openid',
      }),
    },
  );
  expect(res.status).toBe(200);
  const { id_token: idToken } = (await res.json()) as { id_token: string };
  const claims = JSON.parse(
    Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8'),
  );
  return claims.groups ?? [];
}

/**
 * The admission rule of the image's OIDC auth plugin (mlflow-oidc-auth): an exact
 * string match of the groups claim against the admin list, then the user list.
 */
function mlflowAccess(
  claim: string[],
  oidcAuth: { adminGroupName: string[]; groupName: string[] },
): 'admin' | 'user' | 'none' {
  if (claim.some(g => oidcAuth.adminGroupName.includes(g))) return 'admin';
  if (claim.some(g => oidcAuth.groupName.includes(g))) return 'user';
  return 'none';
}

describe('groups are identified by full path from claim to tool', () => {
  it('gives /team-a/vision its role and nothing to a member of /team-b/vision', async () => {
    const h = await startHarness();
    try {
      const result = await h.run(
        'ml-tools:deploy',
        mlflowInput({
          name: 'mlflow-paths',
          roleMappings: { admin: ['/team-a/vision'], user: ['/team-a'] },
        }),
      );
      expect(result.error).toBeUndefined();

      const admin = await keycloakAdmin(h);
      await admin.userIn('ann', '/team-a/vision');
      await admin.userIn('bea', '/team-b/vision');
      await admin.allowPasswordLogin('mlflow-paths');

      const oidc = h.cluster.simulator.get(
        'v1',
        'Secret',
        'mlflow-paths-oidc',
        'ml-vision',
      );
      const client = {
        id: 'mlflow-paths',
        secret: Buffer.from(
          (oidc!.data as Record<string, string>)['client-secret'],
          'base64',
        ).toString('utf8'),
      };
      const release = h.cluster.simulator.get(
        'helm.toolkit.fluxcd.io/v2',
        'HelmRelease',
        'mlflow-paths',
        'ml-vision',
      );
      const oidcAuth = (release!.spec as any).values.oidcAuth;
      expect(oidcAuth.adminGroupName).toEqual(['/team-a/vision']);
      expect(oidcAuth.groupName).toEqual(['/team-a']);

      const ann = await groupsClaim(h, client, 'ann');
      const bea = await groupsClaim(h, client, 'bea');
      expect(ann).toEqual(['/team-a/vision']);
      expect(bea).toEqual(['/team-b/vision']);
      expect(mlflowAccess(ann, oidcAuth)).toBe('admin');
      // Same last segment "vision", another team: no access at all.
      expect(mlflowAccess(bea, oidcAuth)).toBe('none');
    } finally {
      await h.stop();
    }
  });
});
