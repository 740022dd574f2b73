import { startSlapd, RUNBOOK_DIRECTORY, type Slapd } from '../ldap/slapd';
import {
  startKeycloakSimulator,
  type RunningKeycloakSimulator,
} from './server';

type Json = any;
const R = '/admin/realms/ml-platform';
const STORAGE = 'org.keycloak.storage.UserStorageProvider';
const MAPPER = 'org.keycloak.storage.ldap.mappers.LDAPStorageMapper';

describe('LDAP user federation against a real slapd', () => {
  let slapd: Slapd;
  let kc: RunningKeycloakSimulator;
  let token: string;

  beforeAll(async () => {
    slapd = await startSlapd();
  });
  afterAll(async () => {
    await slapd?.stop();
  });
  beforeEach(async () => {
    kc = await startKeycloakSimulator({ name: 'kc-ldap' });
    token = (
      await form('ml-platform', {
        grant_type: 'client_credentials',
        client_id: 'backstage',
        client_secret: 'backstage-sandbox-secret',
      })
    ).body.access_token;
  });
  afterEach(async () => {
    await kc.stop();
  });

  async function form(realm: string, body: Record<string, string>) {
    const res = await fetch(
      `${kc.url}/realms/${realm}/protocol/openid-connect/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      },
    );
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${kc.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
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

  const ldapConfig = (bindCredential: string) => ({
    vendor: ['other'],
    connectionUrl: [slapd.url],
    bindDn: [RUNBOOK_DIRECTORY.adminDn],
    bindCredential: [bindCredential],
    usersDn: [RUNBOOK_DIRECTORY.usersDn],
    usernameLDAPAttribute: ['uid'],
    rdnLDAPAttribute: ['cn'],
    uuidLDAPAttribute: ['entryUUID'],
    userObjectClasses: ['inetOrgPerson, organizationalPerson'],
    searchScope: ['1'],
    editMode: ['READ_ONLY'],
    authType: ['simple'],
  });

  it('tests the connection and the bind, naming the failure as Keycloak does', async () => {
    const test = (body: Json) => api('POST', `${R}/testLDAPConnection`, body);
    const base = {
      connectionUrl: slapd.url,
      bindDn: RUNBOOK_DIRECTORY.adminDn,
      authType: 'simple',
    };
    expect((await test({ ...base, action: 'testConnection' })).status).toBe(
      204,
    );
    expect(
      (
        await test({
          ...base,
          action: 'testAuthentication',
          bindCredential: RUNBOOK_DIRECTORY.adminPassword,
        })
      ).status,
    ).toBe(204);
    expect(
      await test({
        ...base,
        action: 'testAuthentication',
        bindCredential: 'wrong',
      }),
    ).toMatchObject({
      status: 400,
      body: { errorMessage: 'AuthenticationFailure' },
    });
    expect(
      await test({
        ...base,
        connectionUrl: 'ldap://127.0.0.1:1',
        action: 'testConnection',
      }),
    ).toMatchObject({
      status: 400,
      body: { errorMessage: 'CommunicationError' },
    });
  });

  it('masks the bind credential, keeps it on a masked write, imports users and groups, and logs LDAP users in with their LDAP groups', async () => {
    const created = await api('POST', `${R}/components`, {
      name: 'corporate-ldap',
      providerId: 'ldap',
      providerType: STORAGE,
      config: ldapConfig(RUNBOOK_DIRECTORY.adminPassword),
    });
    expect(created.status).toBe(201);
    const id = created.headers.get('location')!.split('/').pop()!;
    const read = await api('GET', `${R}/components/${id}`);
    expect(read.body.config.bindCredential).toEqual(['**********']);
    // The default mappers Keycloak makes with the provider.
    const mappers = await api(
      'GET',
      `${R}/components?parent=${id}&type=${MAPPER}`,
    );
    expect(mappers.body.map((m: Json) => m.name).sort()).toEqual(
      expect.arrayContaining(['email', 'first name', 'last name', 'username']),
    );
    // Written back masked: the stored credential still binds.
    expect((await api('PUT', `${R}/components/${id}`, read.body)).status).toBe(
      204,
    );
    expect(
      (
        await api('POST', `${R}/testLDAPConnection`, {
          action: 'testAuthentication',
          connectionUrl: slapd.url,
          bindDn: RUNBOOK_DIRECTORY.adminDn,
          bindCredential: '**********',
          componentId: id,
        })
      ).status,
    ).toBe(204);

    const groupMapper = await api('POST', `${R}/components`, {
      name: 'groups',
      providerId: 'group-ldap-mapper',
      providerType: MAPPER,
      parentId: id,
      config: {
        'groups.dn': [RUNBOOK_DIRECTORY.groupsDn],
        'group.name.ldap.attribute': ['cn'],
        'group.object.classes': ['groupOfNames'],
        'membership.ldap.attribute': ['member'],
        'membership.attribute.type': ['DN'],
        'membership.user.ldap.attribute': ['uid'],
        mode: ['READ_ONLY'],
        'groups.path': ['/'],
      },
    });
    const mapperId = groupMapper.headers.get('location')!.split('/').pop();

    const sync = await api(
      'POST',
      `${R}/user-storage/${id}/sync?action=triggerFullSync`,
    );
    expect(sync.body).toMatchObject({ added: 2, failed: 0 });
    const groups = await api(
      'POST',
      `${R}/user-storage/${id}/mappers/${mapperId}/sync?direction=fedToKeycloak`,
    );
    expect(groups.body).toMatchObject({
      added: 2,
      status: '2 imported groups, 0 updated groups, 0 removed groups',
    });
    const nick = (await api('GET', `${R}/users?username=nkili&exact=true`))
      .body[0];
    expect(nick).toMatchObject({
      federationLink: id,
      email: 'nkili@example.com',
      firstName: 'Nick Kiliadis',
      lastName: 'Kiliadis',
    });
    expect(nick.attributes.LDAP_ENTRY_DN).toEqual([
      RUNBOOK_DIRECTORY.users[0].dn,
    ]);

    // A client whose tokens carry group paths, for direct grants.
    await api('POST', `${R}/clients`, {
      clientId: 'ldap-login',
      publicClient: true,
      directAccessGrantsEnabled: true,
      protocolMappers: [
        {
          name: 'groups',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-group-membership-mapper',
          config: {
            'claim.name': 'groups',
            'full.path': 'true',
            'access.token.claim': 'true',
          },
        },
      ],
    });
    const login = (username: string, password: string) =>
      form('ml-platform', {
        grant_type: 'password',
        client_id: 'ldap-login',
        username,
        password,
      });
    expect((await login('nkili', 'wrong')).status).toBe(400);
    for (const user of RUNBOOK_DIRECTORY.users) {
      const ok = await login(user.uid, user.password);
      expect(ok.status).toBe(200);
      const claims = JSON.parse(
        Buffer.from(ok.body.access_token.split('.')[1], 'base64url').toString(),
      );
      expect(claims.groups).toEqual(user.groups.map(g => `/${g}`));
    }
  });
});
