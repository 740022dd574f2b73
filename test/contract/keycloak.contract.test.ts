/*
 * Contract of the Keycloak simulator, written only against @keycloak/keycloak-admin-client
 * (plus fetch for the OpenID Connect endpoints and node:crypto for signatures).
 *
 * By default it runs against the sandbox's simulator (started through `startSandbox`). Point it at a real Keycloak with
 * KEYCLOAK_URL and KEYCLOAK_REALM plus either KEYCLOAK_CLIENT_ID / KEYCLOAK_CLIENT_SECRET
 * (a service account allowed to administer the realm) or KEYCLOAK_ADMIN_USER /
 * KEYCLOAK_ADMIN_PASSWORD (a master-realm administrator). Against a real server it
 * creates uniquely named objects, removes them afterwards, and skips the cases only a
 * sandbox can stage (injected faults, early token expiry).
 */
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { createPublicKey, verify, type JsonWebKeyInput } from 'node:crypto';
import {
  RUNBOOK_DIRECTORY,
  startSlapd,
  type Slapd,
} from '@ml-platform/sandbox';
import {
  describeSandbox,
  name,
  REAL_URL,
  startTarget,
  unique,
  statusOf,
  type Target,
} from './keycloakTarget';

jest.setTimeout(60_000);

type Claims = Record<string, any>;

/** The payload of a JWT, unverified. */
function decodeJwt(jwt: string): Claims {
  return JSON.parse(
    Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'),
  );
}

/** Verifies an RS256 JWT against a JWKS; returns its header and payload. */
function verifyJwt(
  jwt: string,
  jwks: { keys: Array<JsonWebKeyInput['key'] & { kid?: string }> },
) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  const jwk = jwks.keys.find(k => k.kid === header.kid);
  if (!jwk) throw new Error(`no key ${header.kid} in the JWKS`);
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(s, 'base64url'),
  );
  if (!ok) throw new Error('signature does not verify');
  return { header, payload: decodeJwt(jwt) };
}

describe('Keycloak contract', () => {
  let target: Target;
  let kc: KcAdminClient;
  const cleanup: Array<() => Promise<unknown>> = [];

  // Objects most cases share: a confidential client, a user with a password, two groups.
  let appId: string;
  const appClientId = name('app');
  let appSecret: string;
  let userId: string;
  const username = name('user');
  const userPassword = 'Contract-pass-1';
  let parentGroupId: string;
  let childGroupId: string;

  const oidc = (path: string) =>
    `${target.url}/realms/${target.realm}/protocol/openid-connect${path}`;

  async function token(
    form: Record<string, string>,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(oidc('/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    return { status: res.status, body: await res.json() };
  }

  const appToken = async () =>
    (
      await token({
        grant_type: 'client_credentials',
        client_id: appClientId,
        client_secret: appSecret,
      })
    ).body.access_token as string;

  const userToken = async (scope?: string) =>
    (
      await token({
        grant_type: 'password',
        client_id: appClientId,
        client_secret: appSecret,
        username,
        password: userPassword,
        ...(scope ? { scope } : {}),
      })
    ).body.access_token as string;

  beforeAll(async () => {
    target = await startTarget();
    kc = new KcAdminClient({ baseUrl: target.url, realmName: target.realm });
    await target.login(kc);

    ({ id: appId } = await kc.clients.create({
      clientId: appClientId,
      publicClient: false,
      serviceAccountsEnabled: true,
      directAccessGrantsEnabled: true,
      attributes: { 'ml-platform/instance': 'contract' },
    }));
    cleanup.push(() => kc.clients.del({ id: appId }));
    appSecret = (await kc.clients.getClientSecret({ id: appId })).value!;

    ({ id: userId } = await kc.users.create({
      username,
      email: `${username}@contract.example`,
      firstName: 'Contract',
      lastName: 'User',
      enabled: true,
      emailVerified: true,
      credentials: [
        { type: 'password', value: userPassword, temporary: false },
      ],
    }));
    cleanup.push(() => kc.users.del({ id: userId }));

    ({ id: parentGroupId } = await kc.groups.create({ name: name('parent') }));
    cleanup.push(() => kc.groups.del({ id: parentGroupId }));
    ({ id: childGroupId } = await kc.groups.createChildGroup(
      { id: parentGroupId },
      { name: 'child' },
    ));
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) {
      await step().catch(() => undefined);
    }
    await target?.sandbox?.stop();
  });

  describe('OpenID Connect', () => {
    it('publishes discovery and a JWKS that verifies the tokens it issues', async () => {
      const discovery = await (
        await fetch(
          `${target.url}/realms/${target.realm}/.well-known/openid-configuration`,
        )
      ).json();
      expect(discovery).toMatchObject({
        issuer: `${target.url}/realms/${target.realm}`,
        token_endpoint: oidc('/token'),
        jwks_uri: oidc('/certs'),
        userinfo_endpoint: oidc('/userinfo'),
        end_session_endpoint: oidc('/logout'),
        authorization_endpoint: oidc('/auth'),
      });

      const access = await appToken();
      const jwks = await (await fetch(discovery.jwks_uri)).json();
      const { payload, header } = verifyJwt(access, jwks);
      expect(header.alg).toBe('RS256');
      expect(payload.iss).toBe(discovery.issuer);
      expect(payload).toMatchObject({ azp: appClientId, typ: 'Bearer' });
      expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    });

    it('issues client-credentials and password tokens with the user claims', async () => {
      const sa = decodeJwt(await appToken());
      expect(sa.preferred_username).toBe(`service-account-${appClientId}`);

      const login = await token({
        grant_type: 'password',
        client_id: appClientId,
        client_secret: appSecret,
        username,
        password: userPassword,
        scope: 'openid',
      });
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ token_type: 'Bearer' });
      expect(login.body.expires_in).toBeGreaterThan(0);
      expect(login.body.refresh_token).toEqual(expect.any(String));
      expect(login.body.id_token).toEqual(expect.any(String));
      const claims = decodeJwt(login.body.access_token) as Claims;
      expect(claims).toMatchObject({
        sub: userId,
        azp: appClientId,
        preferred_username: username,
        email: `${username}@contract.example`,
        email_verified: true,
      });
      expect(claims.realm_access.roles).toContain('offline_access');

      const userinfo = await fetch(oidc('/userinfo'), {
        headers: { authorization: `Bearer ${login.body.access_token}` },
      });
      expect(userinfo.status).toBe(200);
      expect(await userinfo.json()).toMatchObject({
        sub: userId,
        preferred_username: username,
      });
    });

    it('refuses bad client credentials and bad passwords', async () => {
      const unknown = await token({
        grant_type: 'client_credentials',
        client_id: name('nope'),
        client_secret: 'x',
      });
      expect(unknown).toEqual({
        status: 401,
        body: {
          error: 'invalid_client',
          error_description: 'Invalid client or Invalid client credentials',
        },
      });
      const wrongSecret = await token({
        grant_type: 'client_credentials',
        client_id: appClientId,
        client_secret: 'x',
      });
      expect(wrongSecret).toEqual({
        status: 401,
        body: {
          error: 'unauthorized_client',
          error_description: 'Invalid client or Invalid client credentials',
        },
      });
      const badPassword = await token({
        grant_type: 'password',
        client_id: appClientId,
        client_secret: appSecret,
        username,
        password: 'wrong',
      });
      // Keycloak 26 answers 400; older servers answered 401.
      expect([400, 401]).toContain(badPassword.status);
      expect(badPassword.body).toEqual({
        error: 'invalid_grant',
        error_description: 'Invalid user credentials',
      });
    });

    it('answers 401 on the admin API for an invalid token and 403 for a non-admin user', async () => {
      const stranger = new KcAdminClient({
        baseUrl: target.url,
        realmName: target.realm,
      });
      const b64 = (o: object) =>
        Buffer.from(JSON.stringify(o)).toString('base64url');
      stranger.setAccessToken(
        `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({
          sub: 'nobody',
        })}.c2lnbmF0dXJl`,
      );
      expect(await statusOf(stranger.clients.find())).toMatchObject({
        status: 401,
        data: { error: 'HTTP 401 Unauthorized' },
      });

      const access = await userToken();
      const [h, , s] = access.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...decodeJwt(access), preferred_username: 'admin' }),
      ).toString('base64url');
      stranger.setAccessToken(`${h}.${forged}.${s}`);
      expect((await statusOf(stranger.groups.find())).status).toBe(401);

      stranger.setAccessToken(access);
      expect(await statusOf(stranger.groups.find())).toMatchObject({
        status: 403,
        data: { error: 'HTTP 403 Forbidden' },
      });
    });

    it('lets a master administrator administer the realm', async () => {
      if (!target.master) return;
      const admin = new KcAdminClient({
        baseUrl: target.url,
        realmName: 'master',
      });
      await admin.auth({
        grantType: 'password',
        clientId: 'admin-cli',
        ...target.master,
      });
      admin.setConfig({ realmName: target.realm });
      expect((await admin.groups.findOne({ id: parentGroupId }))?.name).toBe(
        name('parent'),
      );
      const realms = await admin.realms.find();
      expect(realms.map(r => r.realm)).toEqual(
        expect.arrayContaining(['master', target.realm]),
      );
    });
  });

  describe('clients', () => {
    it('creates, finds by clientId, updates attributes, rotates the secret and deletes', async () => {
      const clientId = name('crud');
      const { id } = await kc.clients.create({
        clientId,
        description: 'first',
        attributes: { 'ml-platform/instance': 'a', keep: 'me' },
      });
      cleanup.push(() => kc.clients.del({ id }));

      const found = await kc.clients.find({ clientId });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ id, clientId, publicClient: false });
      expect(found[0].attributes).toMatchObject({
        'ml-platform/instance': 'a',
        keep: 'me',
      });
      expect(
        await kc.clients.find({ clientId: clientId.slice(0, -1) }),
      ).toEqual([]);
      const searched = await kc.clients.find({
        clientId: clientId.slice(0, -1),
        search: true,
      });
      expect(searched.map(c => c.clientId)).toContain(clientId);

      await kc.clients.update(
        { id },
        {
          ...found[0],
          description: 'second',
          attributes: { ...found[0].attributes, 'ml-platform/instance': 'b' },
        },
      );
      const updated = await kc.clients.findOne({ id });
      expect(updated).toMatchObject({ description: 'second' });
      expect(updated!.attributes).toMatchObject({
        'ml-platform/instance': 'b',
        keep: 'me',
      });

      const secret = await kc.clients.getClientSecret({ id });
      expect(secret).toMatchObject({
        type: 'secret',
        value: expect.any(String),
      });
      const rotated = await kc.clients.generateNewClientSecret({ id });
      expect(rotated.value).not.toBe(secret.value);
      expect((await kc.clients.getClientSecret({ id })).value).toBe(
        rotated.value,
      );

      expect(await statusOf(kc.clients.create({ clientId }))).toMatchObject({
        status: 409,
        data: { errorMessage: `Client ${clientId} already exists` },
      });

      await kc.clients.del({ id });
      expect(await kc.clients.findOne({ id })).toBeNull();
      expect(await statusOf(kc.clients.del({ id }))).toMatchObject({
        status: 404,
        data: { error: 'Could not find client' },
      });
    });

    it('has a service-account user and client roles', async () => {
      const sa = await kc.clients.getServiceAccountUser({ id: appId });
      expect(sa.username).toBe(`service-account-${appClientId}`);

      const { roleName } = await kc.clients.createRole({
        id: appId,
        name: 'EDIT',
      });
      expect(roleName).toBe('EDIT');
      expect(
        (await kc.clients.findRole({ id: appId, roleName: 'EDIT' }))
          ?.clientRole,
      ).toBe(true);
      expect(
        (await kc.clients.listRoles({ id: appId })).map(r => r.name),
      ).toContain('EDIT');
      expect(
        (await statusOf(kc.clients.createRole({ id: appId, name: 'EDIT' })))
          .status,
      ).toBe(409);
    });
  });

  describe('client scopes and mappers shape the tokens', () => {
    it('adds the audience of an audience mapper on a default client scope', async () => {
      const scopeName = name('aud');
      const { id: scopeId } = await kc.clientScopes.create({
        name: scopeName,
        protocol: 'openid-connect',
        attributes: { 'include.in.token.scope': 'true' },
      });
      cleanup.push(() => kc.clientScopes.del({ id: scopeId }));
      expect(
        (
          await statusOf(
            kc.clientScopes.create({
              name: scopeName,
              protocol: 'openid-connect',
            }),
          )
        ).status,
      ).toBe(409);

      await kc.clientScopes.addProtocolMapper(
        { id: scopeId },
        {
          name: 'audience',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-audience-mapper',
          config: {
            'included.custom.audience': name('api'),
            'access.token.claim': 'true',
            'id.token.claim': 'false',
          },
        },
      );
      const mapper = await kc.clientScopes.findProtocolMapperByName({
        id: scopeId,
        name: 'audience',
      });
      expect(mapper?.protocolMapper).toBe('oidc-audience-mapper');

      await kc.clients.addDefaultClientScope({
        id: appId,
        clientScopeId: scopeId,
      });
      const defaults = await kc.clients.listDefaultClientScopes({ id: appId });
      expect(defaults.map(s => s.name)).toContain(scopeName);

      const aud = decodeJwt(await appToken()).aud;
      expect([aud].flat()).toContain(name('api'));

      await kc.clients.delDefaultClientScope({
        id: appId,
        clientScopeId: scopeId,
      });
      expect([decodeJwt(await appToken()).aud].flat()).not.toContain(
        name('api'),
      );
    });

    it('adds a groups claim through a group membership mapper', async () => {
      await kc.users.addToGroup({ id: userId, groupId: childGroupId });
      await kc.clients.addProtocolMapper(
        { id: appId },
        {
          name: 'groups',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-group-membership-mapper',
          config: {
            'claim.name': 'groups',
            'full.path': 'true',
            'access.token.claim': 'true',
            'id.token.claim': 'true',
            'userinfo.token.claim': 'true',
          },
        },
      );
      const mappers = await kc.clients.listProtocolMappers({ id: appId });
      const groupsMapper = mappers.find(m => m.name === 'groups')!;
      expect(groupsMapper.config).toMatchObject({ 'full.path': 'true' });

      const claims = decodeJwt(await userToken()) as Claims;
      expect(claims.groups).toEqual([`/${name('parent')}/child`]);

      await kc.clients.updateProtocolMapper(
        { id: appId, mapperId: groupsMapper.id! },
        {
          ...groupsMapper,
          config: { ...groupsMapper.config, 'full.path': 'false' },
        },
      );
      expect((decodeJwt(await userToken()) as Claims).groups).toEqual([
        'child',
      ]);
      await kc.clients.delProtocolMapper({
        id: appId,
        mapperId: groupsMapper.id!,
      });
      expect((decodeJwt(await userToken()) as Claims).groups).toBeUndefined();
      await kc.users.delFromGroup({ id: userId, groupId: childGroupId });
    });
  });

  describe('groups', () => {
    it('builds a tree with paths and subGroupCount, and pages children', async () => {
      const parent = await kc.groups.findOne({ id: parentGroupId });
      expect(parent).toMatchObject({
        name: name('parent'),
        path: `/${name('parent')}`,
        subGroupCount: 1,
      });

      for (const child of ['child-b', 'child-a']) {
        await kc.groups.createChildGroup(
          { id: parentGroupId },
          { name: child },
        );
      }
      const children = await kc.groups.listSubGroups({
        parentId: parentGroupId,
      });
      expect(children.map(g => g.name)).toEqual([
        'child',
        'child-a',
        'child-b',
      ]);
      expect(children[0]).toMatchObject({
        path: `/${name('parent')}/child`,
        parentId: parentGroupId,
        subGroupCount: 0,
      });
      const page = await kc.groups.listSubGroups({
        parentId: parentGroupId,
        first: 1,
        max: 1,
      });
      expect(page.map(g => g.name)).toEqual(['child-a']);
      expect(
        (await kc.groups.findOne({ id: parentGroupId }))?.subGroupCount,
      ).toBe(3);

      const byPath = await kc.realms.getGroupByPath({
        realm: target.realm,
        path: `${name('parent')}/child`,
      });
      expect(byPath.id).toBe(childGroupId);
    });

    it('lists the top level without subgroups and nests search matches', async () => {
      const top = await kc.groups.find({ search: name('parent'), exact: true });
      expect(top).toHaveLength(1);
      expect(top[0]).toMatchObject({
        id: parentGroupId,
        subGroupCount: expect.any(Number),
      });

      const nested = await kc.groups.find({ search: `${unique}-parent` });
      const match = nested.find(g => g.id === parentGroupId);
      expect(match).toBeDefined();

      const deep = await kc.groups.find({ search: 'child-a' });
      const ours = deep.find(g => g.id === parentGroupId)!;
      expect(ours.subGroups!.map(g => g.name)).toEqual(['child-a']);

      const first = await kc.groups.find({ first: 0, max: 1 });
      expect(first).toHaveLength(1);
      expect(first[0].subGroups).toEqual([]);
      const { count } = await kc.groups.count();
      expect(count).toBeGreaterThanOrEqual(4);
    });

    it('answers 409 on a sibling name clash', async () => {
      expect(
        await statusOf(kc.groups.create({ name: name('parent') })),
      ).toMatchObject({
        status: 409,
        data: {
          errorMessage: `Top level group named '${name(
            'parent',
          )}' already exists.`,
        },
      });
      expect(
        await statusOf(
          kc.groups.createChildGroup({ id: parentGroupId }, { name: 'child' }),
        ),
      ).toMatchObject({
        status: 409,
        data: { errorMessage: "Sibling group named 'child' already exists." },
      });
    });

    it('maps realm and client roles to a group', async () => {
      const realmRole = name('reader');
      await kc.roles.create({ name: realmRole });
      cleanup.push(() => kc.roles.delByName({ name: realmRole }));
      const reader = (await kc.roles.findOneByName({ name: realmRole }))!;
      await kc.clients
        .createRole({ id: appId, name: 'MANAGE' })
        .catch(() => undefined);
      const manage = (await kc.clients.findRole({
        id: appId,
        roleName: 'MANAGE',
      }))!;

      await kc.groups.addRealmRoleMappings({
        id: childGroupId,
        roles: [{ id: reader.id!, name: reader.name! }],
      });
      await kc.groups.addClientRoleMappings({
        id: childGroupId,
        clientUniqueId: appId,
        roles: [{ id: manage.id!, name: manage.name! }],
      });
      const mappings = await kc.groups.listRoleMappings({ id: childGroupId });
      expect(mappings.realmMappings?.map(r => r.name)).toEqual([realmRole]);
      expect(
        mappings.clientMappings?.[appClientId]?.mappings.map(
          (r: { name?: string }) => r.name,
        ),
      ).toEqual(['MANAGE']);
      expect(
        (await kc.groups.listRealmRoleMappings({ id: childGroupId })).map(
          r => r.name,
        ),
      ).toEqual([realmRole]);
      expect(
        (
          await kc.groups.listClientRoleMappings({
            id: childGroupId,
            clientUniqueId: appId,
          })
        ).map(r => r.name),
      ).toEqual(['MANAGE']);
      const available = await kc.groups.listAvailableClientRoleMappings({
        id: childGroupId,
        clientUniqueId: appId,
      });
      expect(available.map(r => r.name)).not.toContain('MANAGE');

      // A member of the group gets the roles in its tokens.
      await kc.users.addToGroup({ id: userId, groupId: childGroupId });
      const claims = decodeJwt(await userToken()) as Claims;
      expect(claims.realm_access.roles).toContain(realmRole);
      expect(claims.resource_access[appClientId].roles).toContain('MANAGE');
      await kc.users.delFromGroup({ id: userId, groupId: childGroupId });

      await kc.groups.delRealmRoleMappings({
        id: childGroupId,
        roles: [{ id: reader.id!, name: reader.name! }],
      });
      await kc.groups.delClientRoleMappings({
        id: childGroupId,
        clientUniqueId: appId,
        roles: [{ id: manage.id!, name: manage.name! }],
      });
      expect(await kc.groups.listRoleMappings({ id: childGroupId })).toEqual(
        {},
      );
    });
  });

  describe('users', () => {
    it('creates, searches, joins groups and lists members', async () => {
      const other = name('member');
      const { id } = await kc.users.create({
        username: other,
        email: `${other}@contract.example`,
        enabled: true,
      });
      cleanup.push(() => kc.users.del({ id }));
      expect(
        (await statusOf(kc.users.create({ username: other }))).status,
      ).toBe(409);

      expect((await kc.users.find({ search: other })).map(u => u.id)).toEqual([
        id,
      ]);
      expect(
        (await kc.users.find({ username: other, exact: true })).map(u => u.id),
      ).toEqual([id]);
      expect(
        (await kc.users.find({ email: `${other}@contract.example` })).map(
          u => u.id,
        ),
      ).toEqual([id]);
      expect(await kc.users.count({ search: unique })).toBeGreaterThanOrEqual(
        2,
      );

      // Keycloak's user profile validates the whole representation, so send all of it.
      const current = (await kc.users.findOne({ id }))!;
      await kc.users.update({ id }, { ...current, firstName: 'Renamed' });
      expect((await kc.users.findOne({ id }))?.firstName).toBe('Renamed');
      await kc.users.resetPassword({
        id,
        credential: {
          type: 'password',
          value: 'Another-pass-2',
          temporary: false,
        },
      });

      await kc.users.addToGroup({ id, groupId: parentGroupId });
      await kc.users.addToGroup({ id, groupId: childGroupId });
      const groups = await kc.users.listGroups({ id });
      expect(groups.map(g => g.path).sort()).toEqual([
        `/${name('parent')}`,
        `/${name('parent')}/child`,
      ]);
      expect(await kc.users.countGroups({ id })).toEqual({ count: 2 });

      const members = await kc.groups.listMembers({ id: parentGroupId });
      expect(members.map(u => u.username)).toEqual([other]);
      expect(
        await kc.groups.listMembers({ id: parentGroupId, first: 1, max: 10 }),
      ).toEqual([]);

      await kc.users.delFromGroup({ id, groupId: parentGroupId });
      expect((await kc.users.listGroups({ id })).map(g => g.name)).toEqual([
        'child',
      ]);
      await kc.users.delFromGroup({ id, groupId: childGroupId });
    });
  });

  describe('user federation', () => {
    let ldap: Slapd | undefined;
    beforeAll(async () => {
      if (!process.env.KEYCLOAK_LDAP_URL) ldap = await startSlapd();
    });
    afterAll(() => ldap?.stop());

    it('creates an LDAP component and answers a sync with a SynchronizationResult', async () => {
      const { id } = await kc.components.create({
        name: name('ldap'),
        providerId: 'ldap',
        providerType: 'org.keycloak.storage.UserStorageProvider',
        config: {
          enabled: ['true'],
          vendor: ['other'],
          // A real OpenLDAP (Debian's slapd) seeded with the runbook's directory, or the
          // one KEYCLOAK_LDAP_URL names next to a real Keycloak (seeded the same way).
          connectionUrl: [process.env.KEYCLOAK_LDAP_URL ?? ldap!.url],
          usersDn: [RUNBOOK_DIRECTORY.usersDn],
          bindDn: [RUNBOOK_DIRECTORY.adminDn],
          bindCredential: [RUNBOOK_DIRECTORY.adminPassword],
          authType: ['simple'],
          editMode: ['READ_ONLY'],
          usernameLDAPAttribute: ['uid'],
          rdnLDAPAttribute: ['cn'],
          uuidLDAPAttribute: ['entryUUID'],
          userObjectClasses: ['inetOrgPerson'],
          searchScope: ['1'],
          importEnabled: ['true'],
          syncRegistrations: ['false'],
        },
      });
      cleanup.push(() => kc.components.del({ id }));
      const component = await kc.components.findOne({ id });
      expect(component).toMatchObject({
        providerId: 'ldap',
        providerType: 'org.keycloak.storage.UserStorageProvider',
      });
      expect(
        (
          await kc.components.find({
            type: 'org.keycloak.storage.UserStorageProvider',
          })
        ).map(c => c.id),
      ).toContain(id);

      if (REAL_URL && !process.env.KEYCLOAK_LDAP_URL) return;
      const result = await kc.userStorageProvider.sync({
        id,
        action: 'triggerFullSync',
      });
      expect(result).toEqual({
        ignored: false,
        added: expect.any(Number),
        updated: expect.any(Number),
        removed: expect.any(Number),
        failed: expect.any(Number),
        status: expect.stringMatching(/imported users/),
      });
    });
  });

  describe('partial export', () => {
    it('exports every group nested with its client roles, and clients only with their secrets masked', async () => {
      await kc.clients.createRole({ id: appId, name: 'reader' });
      const role = await kc.clients.findRole({ id: appId, roleName: 'reader' });
      await kc.groups.addClientRoleMappings({
        id: childGroupId,
        clientUniqueId: appId,
        roles: [{ id: role!.id!, name: 'reader' }],
      });
      const exported = await kc.realms.export({
        realm: target.realm,
        exportGroupsAndRoles: true,
        exportClients: false,
      });
      const parent = exported.groups?.find(g => g.name === name('parent'));
      expect(parent?.path).toBe(`/${name('parent')}`);
      const child = parent?.subGroups?.find(g => g.name === 'child');
      expect(child).toMatchObject({
        path: `/${name('parent')}/child`,
        clientRoles: { [appClientId]: ['reader'] },
      });
      expect(JSON.stringify(exported)).not.toContain(appSecret);

      const withClients = await kc.realms.export({
        realm: target.realm,
        exportClients: true,
      });
      const app = withClients.clients?.find(c => c.clientId === appClientId);
      expect(app?.secret).toBe('**********');
      expect(JSON.stringify(withClients)).not.toContain(appSecret);
    });
  });

  describeSandbox('sandbox-only cases', () => {
    it('expires tokens early, and a fresh login works again', async () => {
      const session = new KcAdminClient({
        baseUrl: target.url,
        realmName: target.realm,
      });
      await target.login(session);
      await session.clients.find({ clientId: appClientId });
      target.sandbox!.simulator.expireTokens();
      expect(
        (await statusOf(session.clients.find({ clientId: appClientId })))
          .status,
      ).toBe(401);
      await target.login(session);
      expect(
        await session.clients.find({ clientId: appClientId }),
      ).toHaveLength(1);
      await target.login(kc);
    });

    it('imports the users a directory component lists on a sync', async () => {
      const ldapUser = name('dir');
      const { id } = await kc.components.create({
        name: name('dir'),
        providerId: 'ldap',
        providerType: 'org.keycloak.storage.UserStorageProvider',
        config: {
          'sandbox.users': [
            JSON.stringify([
              { username: ldapUser, email: `${ldapUser}@ldap.example` },
            ]),
          ],
        },
      });
      cleanup.push(() => kc.components.del({ id }));
      expect(
        await kc.userStorageProvider.sync({ id, action: 'triggerFullSync' }),
      ).toMatchObject({
        added: 1,
        status: '1 imported users, 0 updated users',
      });
      const [imported] = await kc.users.find({
        username: ldapUser,
        exact: true,
      });
      expect(imported.federationLink).toBe(id);
      expect(
        await kc.userStorageProvider.sync({
          id,
          action: 'triggerChangedUsersSync',
        }),
      ).toMatchObject({ added: 0, updated: 0 });
    });

    it('surfaces a 429 with Retry-After and a 5xx', async () => {
      const faults = target.sandbox!.faults;
      // The admin client asks for collections with a trailing slash.
      faults.add({
        match: { server: 'keycloak', path: '/clients/?$' },
        errorRate: 1,
        status: 429,
        retryAfterSeconds: 3,
        times: 1,
      });
      const limited = await statusOf(
        kc.clients.find({ clientId: appClientId }),
      );
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');

      faults.add({
        match: { server: 'keycloak', path: '/groups' },
        errorRate: 1,
        status: 503,
        times: 1,
      });
      expect((await statusOf(kc.groups.find())).status).toBe(503);

      faults.add({
        match: { server: 'keycloak', path: '/users' },
        errorRate: 1,
        status: 500,
        times: 1,
      });
      expect((await statusOf(kc.users.find())).status).toBe(500);

      expect(await kc.clients.find({ clientId: appClientId })).toHaveLength(1);
      const log = target.sandbox!.log;
      expect(
        log.count({ server: 'keycloak', path: /\/clients\/?$/, method: 'GET' }),
      ).toBeGreaterThan(0);
      expect(
        log.entries({ server: 'keycloak' }).some(e => e.status === 429),
      ).toBe(true);
    });
  });
});
