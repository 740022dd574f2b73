import {
  startKeycloakSimulator,
  type RunningKeycloakSimulator,
} from './server';
import { KeycloakSimulator } from './simulator';

type Json = any;

describe('KeycloakSimulator over HTTP', () => {
  let kc: RunningKeycloakSimulator;

  beforeEach(async () => {
    kc = await startKeycloakSimulator({ name: 'kc-test' });
  });

  afterEach(async () => {
    await kc.stop();
  });

  async function tokenRequest(
    realm: string,
    form: Record<string, string>,
    basic?: string,
  ) {
    const res = await fetch(
      `${kc.url}/realms/${realm}/protocol/openid-connect/token`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(basic
            ? {
                authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
              }
            : {}),
        },
        body: new URLSearchParams(form),
      },
    );
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function serviceToken(): Promise<string> {
    const { body } = await tokenRequest('ml-platform', {
      grant_type: 'client_credentials',
      client_id: 'backstage',
      client_secret: 'backstage-sandbox-secret',
    });
    return body.access_token;
  }

  async function api(
    token: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ) {
    const res = await fetch(`${kc.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : undefined) as Json,
    };
  }

  const R = '/admin/realms/ml-platform';

  describe('OpenID Connect endpoints', () => {
    it('publishes discovery, JWKS and the realm descriptor', async () => {
      const discovery = await api(
        undefined,
        'GET',
        '/realms/ml-platform/.well-known/openid-configuration',
      );
      expect(discovery.status).toBe(200);
      expect(discovery.body).toMatchObject({
        issuer: `${kc.url}/realms/ml-platform`,
        token_endpoint: `${kc.url}/realms/ml-platform/protocol/openid-connect/token`,
        jwks_uri: `${kc.url}/realms/ml-platform/protocol/openid-connect/certs`,
      });
      const certs = await api(
        undefined,
        'GET',
        '/realms/ml-platform/protocol/openid-connect/certs',
      );
      expect(certs.body.keys[0]).toMatchObject({
        kty: 'RSA',
        alg: 'RS256',
        use: 'sig',
        e: 'AQAB',
      });
      const info = await api(undefined, 'GET', '/realms/ml-platform');
      expect(info.body.realm).toBe('ml-platform');
      const missing = await api(
        undefined,
        'GET',
        '/realms/nope/.well-known/openid-configuration',
      );
      expect(missing).toMatchObject({
        status: 404,
        body: { error: 'Realm does not exist' },
      });
    });

    it('answers the token endpoint failures as Keycloak does', async () => {
      expect(
        await tokenRequest('ml-platform', { client_id: 'backstage' }),
      ).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'Missing form parameter: grant_type',
        },
      });
      expect(
        await tokenRequest('ml-platform', {
          grant_type: 'client_credentials',
          client_id: 'nope',
          client_secret: 'x',
        }),
      ).toEqual({
        status: 401,
        body: {
          error: 'invalid_client',
          error_description: 'Invalid client or Invalid client credentials',
        },
      });
      expect(
        await tokenRequest(
          'ml-platform',
          { grant_type: 'client_credentials' },
          'backstage:wrong',
        ),
      ).toEqual({
        status: 401,
        body: {
          error: 'unauthorized_client',
          error_description: 'Invalid client or Invalid client credentials',
        },
      });
      expect(
        await tokenRequest('ml-platform', {
          grant_type: 'password',
          client_id: 'backstage',
          client_secret: 'backstage-sandbox-secret',
          username: 'alice',
          password: 'wrong',
        }),
      ).toEqual({
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'Invalid user credentials',
        },
      });
      expect(
        await tokenRequest('ml-platform', {
          grant_type: 'client_credentials',
          client_id: 'admin-cli',
        }),
      ).toMatchObject({ status: 401, body: { error: 'unauthorized_client' } });
      expect(
        await tokenRequest('ml-platform', {
          grant_type: 'magic',
          client_id: 'admin-cli',
        }),
      ).toMatchObject({
        status: 400,
        body: { error: 'unsupported_grant_type' },
      });
    });

    it('refreshes a password login and stops refreshing once tokens are expired', async () => {
      const login = await tokenRequest('master', {
        grant_type: 'password',
        client_id: 'admin-cli',
        username: 'admin',
        password: 'admin',
      });
      expect(login.status).toBe(200);
      const refreshed = await tokenRequest('master', {
        grant_type: 'refresh_token',
        client_id: 'admin-cli',
        refresh_token: login.body.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.session_state).toBe(login.body.session_state);

      kc.simulator.expireTokens();
      expect(
        await tokenRequest('master', {
          grant_type: 'refresh_token',
          client_id: 'admin-cli',
          refresh_token: refreshed.body.refresh_token,
        }),
      ).toEqual({
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'Token is not active',
        },
      });
    });

    it('serves userinfo to openid tokens and challenges the rest', async () => {
      const login = await tokenRequest('ml-platform', {
        grant_type: 'password',
        client_id: 'backstage',
        client_secret: 'backstage-sandbox-secret',
        username: 'bob',
        password: 'bob',
        scope: 'openid',
      });
      const userinfo = await api(
        login.body.access_token,
        'GET',
        '/realms/ml-platform/protocol/openid-connect/userinfo',
      );
      expect(userinfo.status).toBe(200);
      expect(userinfo.body).toMatchObject({
        preferred_username: 'bob',
        email: 'bob@ml-platform.example',
      });

      const none = await api(
        undefined,
        'GET',
        '/realms/ml-platform/protocol/openid-connect/userinfo',
      );
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe(
        'Bearer realm="ml-platform"',
      );
      const bad = await api(
        'garbage',
        'GET',
        '/realms/ml-platform/protocol/openid-connect/userinfo',
      );
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain(
        'error="invalid_token"',
      );

      const noOpenid = await api(
        await serviceToken(),
        'GET',
        '/realms/ml-platform/protocol/openid-connect/userinfo',
      );
      expect(noOpenid.status).toBe(403);
    });

    it('uses the configured token lifetime', async () => {
      kc.simulator.setTokenLifetime(42);
      const { body } = await tokenRequest('ml-platform', {
        grant_type: 'client_credentials',
        client_id: 'backstage',
        client_secret: 'backstage-sandbox-secret',
      });
      expect(body.expires_in).toBe(42);
    });
  });

  describe('admin API authentication', () => {
    it('answers 401 without a token and for a garbage or expired one', async () => {
      expect(await api(undefined, 'GET', `${R}/clients`)).toMatchObject({
        status: 401,
        body: { error: 'HTTP 401 Unauthorized' },
      });
      expect((await api('x.y.z', 'GET', `${R}/clients`)).status).toBe(401);

      const token = await serviceToken();
      expect((await api(token, 'GET', `${R}/clients`)).status).toBe(200);
      kc.simulator.expireTokens();
      expect((await api(token, 'GET', `${R}/clients`)).status).toBe(401);
      expect(
        (await api(await serviceToken(), 'GET', `${R}/clients`)).status,
      ).toBe(200);
    });

    it('answers 403 to a plain user and to a service account outside its realm', async () => {
      const alice = await tokenRequest('ml-platform', {
        grant_type: 'password',
        client_id: 'backstage',
        client_secret: 'backstage-sandbox-secret',
        username: 'alice',
        password: 'alice',
      });
      expect(
        await api(alice.body.access_token, 'GET', `${R}/groups`),
      ).toMatchObject({
        status: 403,
        body: { error: 'HTTP 403 Forbidden' },
      });
      expect(
        (await api(await serviceToken(), 'GET', '/admin/realms/master/clients'))
          .status,
      ).toBe(403);
    });

    it('lets the master administrator into every realm and grants roles per family', async () => {
      const admin = await tokenRequest('master', {
        grant_type: 'password',
        client_id: 'admin-cli',
        username: 'admin',
        password: 'admin',
      });
      const token = admin.body.access_token;
      expect((await api(token, 'GET', `${R}/users`)).status).toBe(200);
      const realms = await api(token, 'GET', '/admin/realms');
      expect(realms.body.map((r: Json) => r.realm)).toEqual(
        expect.arrayContaining(['master', 'ml-platform']),
      );

      // A viewer of users may read users and groups, and nothing else.
      const users = await api(
        token,
        'GET',
        `${R}/users?username=carol&exact=true`,
      );
      const carol = users.body[0];
      await api(token, 'PUT', `${R}/users/${carol.id}/reset-password`, {
        type: 'password',
        value: 'carol',
        temporary: false,
      });
      const management = (
        await api(token, 'GET', `${R}/clients?clientId=realm-management`)
      ).body[0];
      const viewUsers = (
        await api(
          token,
          'GET',
          `${R}/clients/${management.id}/roles/view-users`,
        )
      ).body;
      expect(
        (
          await api(
            token,
            'POST',
            `${R}/users/${carol.id}/role-mappings/clients/${management.id}`,
            [viewUsers],
          )
        ).status,
      ).toBe(204);
      const carolToken = (
        await tokenRequest('ml-platform', {
          grant_type: 'password',
          client_id: 'backstage',
          client_secret: 'backstage-sandbox-secret',
          username: 'carol',
          password: 'carol',
        })
      ).body.access_token;
      expect((await api(carolToken, 'GET', `${R}/users`)).status).toBe(200);
      expect((await api(carolToken, 'GET', `${R}/groups`)).status).toBe(200);
      expect(
        (await api(carolToken, 'POST', `${R}/groups`, { name: 'nope' })).status,
      ).toBe(403);
      expect((await api(carolToken, 'GET', `${R}/clients`)).status).toBe(403);
    });

    it('names a missing realm, route and object the way Keycloak does', async () => {
      const token = await serviceToken();
      // The realm is resolved before anyone is authorised.
      expect(
        await api(token, 'GET', '/admin/realms/nope/clients'),
      ).toMatchObject({
        status: 404,
        body: { error: 'Realm not found.' },
      });
      const admin = (
        await tokenRequest('master', {
          grant_type: 'password',
          client_id: 'admin-cli',
          username: 'admin',
          password: 'admin',
        })
      ).body.access_token;
      expect(
        await api(admin, 'GET', '/admin/realms/nope/clients'),
      ).toMatchObject({
        status: 404,
        body: { error: 'Realm not found.' },
      });
      expect(await api(token, 'GET', `${R}/clients/missing`)).toMatchObject({
        status: 404,
        body: { error: 'Could not find client' },
      });
      expect(await api(token, 'GET', `${R}/users/missing`)).toMatchObject({
        status: 404,
        body: { error: 'User not found' },
      });
      expect(await api(token, 'GET', `${R}/groups/missing`)).toMatchObject({
        status: 404,
        body: { error: 'Could not find group by id' },
      });
      expect(await api(token, 'GET', `${R}/nothing-here`)).toMatchObject({
        status: 404,
        body: { error: 'Unable to find matching target resource method' },
      });
    });
  });

  describe('admin API behaviour', () => {
    let token: string;
    beforeEach(async () => {
      token = await serviceToken();
    });

    it('creates with 201 and a Location ending in the new id', async () => {
      const client = await api(token, 'POST', `${R}/clients`, {
        clientId: 'made',
      });
      expect(client.status).toBe(201);
      const id = client.headers.get('location')!.split('/').pop();
      expect(
        (await api(token, 'GET', `${R}/clients/${id}`)).body.clientId,
      ).toBe('made');
      expect(client.body).toBeUndefined();

      const role = await api(token, 'POST', `${R}/clients/${id}/roles`, {
        name: 'READ ME',
      });
      expect(role.headers.get('location')).toBe(
        `${kc.url}${R}/clients/${id}/roles/READ%20ME`,
      );

      const parent = await api(token, 'POST', `${R}/groups`, {
        name: 'parent',
      });
      const parentId = parent.headers.get('location')!.split('/').pop();
      const child = await api(
        token,
        'POST',
        `${R}/groups/${parentId}/children`,
        { name: 'child' },
      );
      expect(child.status).toBe(201);
      expect(child.headers.get('location')).toBe(
        `${kc.url}${R}/groups/${child.body.id}`,
      );
      expect(child.body).toMatchObject({
        name: 'child',
        path: '/parent/child',
        parentId,
      });
      expect(child.body.subGroupCount).toBeUndefined();
    });

    it('lists top-level groups unpaged by default, and pages on either bound', async () => {
      for (let i = 0; i < 12; i++) {
        await api(token, 'POST', `${R}/groups`, {
          name: `g${String(i).padStart(2, '0')}`,
        });
      }
      const all = await api(token, 'GET', `${R}/groups`);
      expect(all.body).toHaveLength(16);
      expect(all.body.map((g: Json) => g.name)).toEqual(
        [...all.body.map((g: Json) => g.name)].sort(),
      );
      const ds = all.body.find((g: Json) => g.name === 'data-scientists');
      expect(ds).toMatchObject({
        path: '/data-scientists',
        subGroupCount: 1,
        subGroups: [],
      });
      expect((await api(token, 'GET', `${R}/groups?max=3`)).body).toHaveLength(
        3,
      );
      expect(
        (await api(token, 'GET', `${R}/groups?first=14`)).body,
      ).toHaveLength(2);
      expect((await api(token, 'GET', `${R}/groups?first=x`)).status).toBe(404);
      expect((await api(token, 'GET', `${R}/groups/count`)).body).toEqual({
        count: 17,
      });
      expect(
        (await api(token, 'GET', `${R}/groups/count?top=true`)).body,
      ).toEqual({ count: 16 });
    });

    it('pages children 0..10 by default', async () => {
      const parent = await api(token, 'POST', `${R}/groups`, { name: 'many' });
      const parentId = parent.headers.get('location')!.split('/').pop();
      for (let i = 0; i < 12; i++) {
        await api(token, 'POST', `${R}/groups/${parentId}/children`, {
          name: `c${String(i).padStart(2, '0')}`,
        });
      }
      const page = await api(token, 'GET', `${R}/groups/${parentId}/children`);
      expect(page.body).toHaveLength(10);
      expect(page.body[0]).toMatchObject({
        name: 'c00',
        subGroupCount: 0,
        attributes: {},
      });
      expect(
        (await api(token, 'GET', `${R}/groups/${parentId}/children?first=10`))
          .body,
      ).toHaveLength(2);
      expect(
        (await api(token, 'GET', `${R}/groups/${parentId}`)).body.subGroupCount,
      ).toBe(12);
    });

    it('searches over the whole tree, pages the matches and nests them in their ancestors', async () => {
      await api(token, 'POST', `${R}/groups`, { name: 'alpha-one' });
      const beta = await api(token, 'POST', `${R}/groups`, {
        name: 'beta-alpha',
      });
      const betaId = beta.headers.get('location')!.split('/').pop();
      await api(token, 'POST', `${R}/groups/${betaId}/children`, {
        name: 'alpha-kid',
      });

      const names = async (query: string) =>
        (await api(token, 'GET', `${R}/groups?${query}`)).body.map(
          (g: Json) => g.name,
        );
      expect(await names('search=alpha')).toEqual(['alpha-one', 'beta-alpha']);
      expect(await names('search=alpha&max=1')).toEqual(['beta-alpha']);
      expect(await names('search=alpha&first=2')).toEqual(['beta-alpha']);
      expect(await names('search=alpha&first=1&max=1')).toEqual(['alpha-one']);
      expect(await names('search=ALPHA-K')).toEqual(['beta-alpha']);
      const nested = (await api(token, 'GET', `${R}/groups?search=kid`))
        .body[0];
      expect(nested.subGroups).toMatchObject([
        { name: 'alpha-kid', path: '/beta-alpha/alpha-kid' },
      ]);
      expect(
        (
          await api(
            token,
            'GET',
            `${R}/groups?search=kid&populateHierarchy=false`,
          )
        ).body,
      ).toMatchObject([{ name: 'alpha-kid' }]);
      expect(
        (await api(token, 'GET', `${R}/groups/count?search=alpha`)).body,
      ).toEqual({ count: 3 });
      expect(
        (await api(token, 'GET', `${R}/group-by-path/beta-alpha/alpha-kid`))
          .body.name,
      ).toBe('alpha-kid');
    });

    it('pages users 100 by default and searches by prefix', async () => {
      for (let i = 0; i < 101; i++) {
        await api(token, 'POST', `${R}/users`, {
          username: `user${String(i).padStart(3, '0')}`,
        });
      }
      expect((await api(token, 'GET', `${R}/users`)).body).toHaveLength(100);
      expect((await api(token, 'GET', `${R}/users/count`)).body).toBe(105);
      expect((await api(token, 'GET', `${R}/users?max=200`)).body).toHaveLength(
        105,
      );
      expect(
        (await api(token, 'GET', `${R}/users?search=ali`)).body.map(
          (u: Json) => u.username,
        ),
      ).toEqual(['alice']);
      expect((await api(token, 'GET', `${R}/users?search=lice`)).body).toEqual(
        [],
      );
      expect(
        (await api(token, 'GET', `${R}/users?search=*lice*`)).body,
      ).toHaveLength(1);
      expect(
        (await api(token, 'GET', `${R}/users?email=ml-platform.example`)).body,
      ).toHaveLength(4);
      expect(
        (await api(token, 'GET', `${R}/users?username=al&exact=true`)).body,
      ).toEqual([]);
    });

    it('pages roles only when both bounds or a search are given', async () => {
      const all = (await api(token, 'GET', `${R}/roles`)).body;
      expect(all.length).toBeGreaterThan(2);
      expect((await api(token, 'GET', `${R}/roles?max=1`)).body).toHaveLength(
        all.length,
      );
      expect(
        (await api(token, 'GET', `${R}/roles?first=0&max=1`)).body,
      ).toHaveLength(1);
      expect(
        (await api(token, 'GET', `${R}/roles?search=offline&max=5`)).body,
      ).toMatchObject([{ name: 'offline_access' }]);
    });

    it('answers 409 with Keycloak messages', async () => {
      expect(
        await api(token, 'POST', `${R}/clients`, { clientId: 'backstage' }),
      ).toMatchObject({
        status: 409,
        body: { errorMessage: 'Client backstage already exists' },
      });
      expect(
        await api(token, 'POST', `${R}/groups`, { name: 'ml-engineers' }),
      ).toMatchObject({
        status: 409,
        body: {
          errorMessage: "Top level group named 'ml-engineers' already exists.",
        },
      });
      expect(
        await api(token, 'POST', `${R}/users`, { username: 'alice' }),
      ).toMatchObject({
        status: 409,
        body: { errorMessage: 'User exists with same username' },
      });
      expect(
        await api(token, 'POST', `${R}/roles`, { name: 'offline_access' }),
      ).toMatchObject({
        status: 409,
        body: { errorMessage: 'Role with name offline_access already exists' },
      });
      expect(
        await api(token, 'POST', `${R}/client-scopes`, { name: 'email' }),
      ).toMatchObject({
        status: 409,
        body: { errorMessage: 'Client Scope email already exists' },
      });
    });

    it('imports the configured directory users on a user-storage sync', async () => {
      const created = await api(token, 'POST', `${R}/components`, {
        name: 'corporate-ldap',
        providerId: 'ldap',
        providerType: 'org.keycloak.storage.UserStorageProvider',
        config: {
          'sandbox.users': [
            JSON.stringify([
              {
                username: 'erin',
                email: 'erin@corp.test',
                groups: ['/ml-engineers'],
              },
            ]),
          ],
        },
      });
      const id = created.headers.get('location')!.split('/').pop();
      const sync = (action: string) =>
        api(token, 'POST', `${R}/user-storage/${id}/sync?action=${action}`);
      expect((await sync('triggerFullSync')).body).toEqual({
        ignored: false,
        added: 1,
        updated: 0,
        removed: 0,
        failed: 0,
        status: '1 imported users, 0 updated users',
      });
      expect((await sync('triggerChangedUsersSync')).body).toMatchObject({
        added: 0,
        updated: 0,
      });
      expect((await sync('triggerFullSync')).body).toMatchObject({
        added: 0,
        updated: 1,
      });
      expect((await sync('nonsense')).status).toBe(404);
      const erin = (
        await api(token, 'GET', `${R}/users?username=erin&exact=true`)
      ).body[0];
      expect(erin.federationLink).toBe(id);
      expect(
        (await api(token, 'GET', `${R}/users/${erin.id}/groups`)).body,
      ).toMatchObject([{ path: '/ml-engineers' }]);
      await api(token, 'DELETE', `${R}/components/${id}`);
      expect((await api(token, 'GET', `${R}/users/${erin.id}`)).status).toBe(
        404,
      );
    });
  });

  describe('faults, log and snapshots', () => {
    it('answers injected faults and records every request, failed ones included', async () => {
      const ruleId = kc.faults.add({
        match: { server: 'keycloak', path: '/clients$' },
        errorRate: 1,
        status: 429,
        retryAfterSeconds: 7,
        times: 1,
      });
      const mark = kc.log.mark();
      const token = await serviceToken();
      const limited = await api(token, 'GET', `${R}/clients`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect((await api(token, 'GET', `${R}/clients`)).status).toBe(200);
      expect((await api(undefined, 'GET', `${R}/clients`)).status).toBe(401);
      kc.faults.remove(ruleId);

      const entries = kc.log.entries({ since: mark, server: 'keycloak' });
      expect(entries.map(e => [e.method, e.path, e.status])).toEqual([
        ['POST', '/realms/ml-platform/protocol/openid-connect/token', 200],
        ['GET', `${R}/clients`, 429],
        ['GET', `${R}/clients`, 200],
        ['GET', `${R}/clients`, 401],
      ]);
      expect(entries.every(e => e.target === 'kc-test')).toBe(true);
    });

    it('holds a request under a hang fault until released', async () => {
      kc.faults.add({ match: { path: '/groups' }, hang: true, times: 1 });
      const token = await serviceToken();
      const pending = api(token, 'GET', `${R}/groups`).then(
        () => 'answered',
        () => 'dropped',
      );
      await new Promise(resolve => setTimeout(resolve, 50));
      kc.faults.releaseHanging();
      expect(await pending).toBe('dropped');
    });

    it('restores a snapshot with its keys, so earlier tokens stay valid', async () => {
      const token = await serviceToken();
      await api(token, 'POST', `${R}/clients`, {
        clientId: 'kept',
        attributes: { a: 'b' },
      });
      const state = JSON.parse(JSON.stringify(kc.simulator.snapshot()));
      const restored = await startKeycloakSimulator({ state, port: 0 });
      try {
        restored.simulator.setBaseUrl(kc.url);
        const res = await fetch(`${restored.url}${R}/clients?clientId=kept`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as Json)[0].attributes).toEqual({ a: 'b' });
      } finally {
        await restored.stop();
      }
      expect(
        () =>
          new KeycloakSimulator({
            log: kc.log,
            faults: kc.faults,
            state: { nope: 1 },
          }),
      ).toThrow(/snapshot/);
    });
  });
});
