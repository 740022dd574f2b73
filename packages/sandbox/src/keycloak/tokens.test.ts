import { SigningKeys } from './keys';
import { setClaim } from './mappers';
import type { SimulatorState } from './model';
import { RealmStore } from './realmStore';
import { TokenService } from './tokens';

const BASE = 'http://kc.test';

function decode(token: string): Record<string, any> {
  return JSON.parse(
    Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
  );
}

describe('token issuing', () => {
  const keyState = SigningKeys.generate();

  function setup() {
    const state: SimulatorState = {
      version: 1,
      keys: keyState,
      tokenLifetimeSeconds: 120,
      refreshLifetimeSeconds: 1800,
      tokenSequence: 0,
      expiredThroughSequence: 0,
      realms: {},
    };
    const realm = RealmStore.create('team');
    state.realms[realm.state.id] = realm.state;
    const keys = new SigningKeys(keyState);
    const tokens = new TokenService(keys, state, name =>
      name === 'team' ? realm : undefined,
    );
    const client = realm.createClient({
      clientId: 'portal',
      secret: 's3cret',
      directAccessGrantsEnabled: true,
      serviceAccountsEnabled: true,
    });
    const parent = realm.createGroup({ name: 'data' });
    const child = realm.createGroup({ name: 'vision' }, parent);
    const user = realm.createUser({
      username: 'Alice',
      email: 'alice@example.test',
      firstName: 'Alice',
      lastName: 'Liddell',
      enabled: true,
      attributes: { team: ['red', 'blue'], level: '3' },
    });
    realm.joinGroup(user, child);
    return { state, realm, keys, tokens, client, user, parent, child };
  }

  it('issues RS256 access tokens whose claims follow the default scopes', () => {
    const { tokens, keys, realm, client, user } = setup();
    const response = tokens.issue(
      { realm, client, user, serviceAccount: false },
      BASE,
    );

    expect(response.expires_in).toBe(120);
    expect(response.token_type).toBe('Bearer');
    expect(response.refresh_token).toBeDefined();
    expect(response.id_token).toBeUndefined();
    expect(response.scope).toBe('profile email');
    expect(keys.verify(response.access_token)?.header.alg).toBe('RS256');
    expect(keys.verify(response.refresh_token!)?.header.alg).toBe('HS512');

    const claims = decode(response.access_token);
    expect(claims).toMatchObject({
      iss: `${BASE}/realms/team`,
      typ: 'Bearer',
      azp: 'portal',
      sub: user.id,
      preferred_username: 'alice',
      email: 'alice@example.test',
      given_name: 'Alice',
      family_name: 'Liddell',
      name: 'Alice Liddell',
      acr: '1',
      aud: 'account',
    });
    expect(claims.exp - claims.iat).toBe(120);
    expect(claims.realm_access.roles).toEqual(
      expect.arrayContaining([
        'default-roles-team',
        'offline_access',
        'uma_authorization',
      ]),
    );
    expect(claims.resource_access.account.roles).toEqual(
      expect.arrayContaining(['manage-account', 'view-profile']),
    );
    expect(claims.groups).toBeUndefined();
  });

  it('adds an ID token and the openid scope when openid is requested', () => {
    const { tokens, realm, client, user } = setup();
    const response = tokens.issue(
      { realm, client, user, serviceAccount: false, scope: 'openid phone' },
      BASE,
    );
    expect(response.scope.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'phone']),
    );
    const id = decode(response.id_token!);
    expect(id).toMatchObject({
      typ: 'ID',
      aud: 'portal',
      sub: user.id,
      email: 'alice@example.test',
    });
    expect(id.realm_access).toBeUndefined();
  });

  it('lets client-scope mappers shape the token: audience, groups, hardcoded and attributes', () => {
    const { tokens, realm, client, user } = setup();
    const scope = realm.createClientScope({
      name: 'portal-audience',
      protocolMappers: [
        {
          name: 'aud',
          protocolMapper: 'oidc-audience-mapper',
          config: {
            'included.client.audience': 'mlflow',
            'access.token.claim': 'true',
          },
        },
        {
          name: 'custom aud',
          protocolMapper: 'oidc-audience-mapper',
          config: { 'included.custom.audience': 'https://api.example.test' },
        },
        {
          name: 'groups',
          protocolMapper: 'oidc-group-membership-mapper',
          config: {
            'claim.name': 'groups',
            'full.path': 'true',
            'access.token.claim': 'true',
          },
        },
        {
          name: 'group names',
          protocolMapper: 'oidc-group-membership-mapper',
          config: { 'claim.name': 'group_names', 'full.path': 'false' },
        },
        {
          name: 'tenant',
          protocolMapper: 'oidc-hardcoded-claim-mapper',
          config: {
            'claim.name': 'tenant.id',
            'claim.value': '42',
            'jsonType.label': 'long',
          },
        },
        {
          name: 'team',
          protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: {
            'user.attribute': 'team',
            'claim.name': 'teams',
            multivalued: 'true',
          },
        },
        {
          name: 'level',
          protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: {
            'user.attribute': 'level',
            'claim.name': 'level',
            'jsonType.label': 'int',
          },
        },
        {
          name: 'not in access token',
          protocolMapper: 'oidc-hardcoded-claim-mapper',
          config: {
            'claim.name': 'hidden',
            'claim.value': 'x',
            'access.token.claim': 'false',
          },
        },
      ],
    });
    client.defaultClientScopes.push(scope.id);

    const claims = decode(
      tokens.issue({ realm, client, user, serviceAccount: false }, BASE)
        .access_token,
    );
    expect(claims.aud).toEqual(
      expect.arrayContaining(['mlflow', 'https://api.example.test', 'account']),
    );
    expect(claims.groups).toEqual(['/data/vision']);
    expect(claims.group_names).toEqual(['vision']);
    expect(claims.tenant).toEqual({ id: 42 });
    expect(claims.teams).toEqual(['red', 'blue']);
    expect(claims.level).toBe(3);
    expect(claims.hidden).toBeUndefined();
  });

  it('applies optional scopes only when requested, and client-level mappers always', () => {
    const { tokens, realm, client, user } = setup();
    const optional = realm.createClientScope({
      name: 'extra',
      protocolMappers: [
        {
          name: 'flag',
          protocolMapper: 'oidc-hardcoded-claim-mapper',
          config: {
            'claim.name': 'extra',
            'claim.value': 'true',
            'jsonType.label': 'boolean',
          },
        },
      ],
    });
    client.optionalClientScopes.push(optional.id);
    realm.addMapper(client, {
      name: 'own',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: { 'claim.name': 'own', 'claim.value': 'yes' },
    });

    const plain = decode(
      tokens.issue({ realm, client, user, serviceAccount: false }, BASE)
        .access_token,
    );
    expect(plain.extra).toBeUndefined();
    expect(plain.own).toBe('yes');
    const asked = decode(
      tokens.issue(
        { realm, client, user, serviceAccount: false, scope: 'extra' },
        BASE,
      ).access_token,
    );
    expect(asked.extra).toBe(true);
  });

  it('puts roles mapped through groups and their ancestors into the token', () => {
    const { tokens, realm, client, user, parent } = setup();
    const realmRole = realm.createRole(realm.state.id, false, {
      name: 'data-reader',
    });
    const clientRole = realm.createRole(client.id, true, { name: 'EDIT' });
    parent.roleIds.push(realmRole.id, clientRole.id);

    const claims = decode(
      tokens.issue({ realm, client, user, serviceAccount: false }, BASE)
        .access_token,
    );
    expect(claims.realm_access.roles).toContain('data-reader');
    expect(claims.resource_access.portal.roles).toEqual(['EDIT']);
    // The audience resolver never names the token's own client.
    expect(claims.aud).toBe('account');
  });

  it('gives service accounts their client claims and no refresh token', () => {
    const { tokens, realm, client } = setup();
    const sa = realm.user(client.serviceAccountUserId!);
    const response = tokens.issue(
      { realm, client, user: sa, serviceAccount: true },
      BASE,
    );
    expect(response.refresh_token).toBeUndefined();
    expect(response.refresh_expires_in).toBe(0);
    expect(decode(response.access_token)).toMatchObject({
      preferred_username: 'service-account-portal',
      client_id: 'portal',
      sub: sa.id,
    });
  });

  it('validates tokens and expires every token issued so far on demand', () => {
    const { tokens, realm, client, user } = setup();
    const before = tokens.issue(
      { realm, client, user, serviceAccount: false },
      BASE,
    );
    expect(tokens.validate(before.access_token, 'Bearer')?.user).toBe(user);
    expect(tokens.validate(before.access_token, 'Refresh')).toBeUndefined();
    expect(tokens.validate(before.refresh_token!, 'Refresh')?.client).toBe(
      client,
    );

    tokens.expireAll();
    expect(tokens.validate(before.access_token, 'Bearer')).toBeUndefined();
    expect(tokens.validate(before.refresh_token!, 'Refresh')).toBeUndefined();
    expect(tokens.isWellFormedButInactive(before.refresh_token!)).toBe(true);

    const after = tokens.issue(
      { realm, client, user, serviceAccount: false },
      BASE,
    );
    expect(tokens.validate(after.access_token, 'Bearer')).toBeDefined();
  });

  it('rejects tampered, foreign and disabled-subject tokens', () => {
    const { tokens, realm, client, user } = setup();
    const token = tokens.issue(
      { realm, client, user, serviceAccount: false },
      BASE,
    ).access_token;
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decode(token), preferred_username: 'mallory' }),
    ).toString('base64url');
    expect(tokens.validate(`${h}.${forged}.${s}`, 'Bearer')).toBeUndefined();
    expect(tokens.validate(`${h}.${p}`, 'Bearer')).toBeUndefined();

    const otherKeys = new SigningKeys(SigningKeys.generate());
    expect(otherKeys.verify(token)).toBeUndefined();

    user.enabled = false;
    expect(tokens.validate(token, 'Bearer')).toBeUndefined();
  });
});

describe('setClaim', () => {
  it('nests on dots, keeps escaped dots and merges arrays', () => {
    const claims: Record<string, unknown> = {};
    setClaim(claims, 'resource_access.my\\.app.roles', ['a']);
    setClaim(claims, 'resource_access.my\\.app.roles', ['b', 'a']);
    setClaim(claims, 'flat', 1);
    expect(claims).toEqual({
      resource_access: { 'my.app': { roles: ['a', 'b'] } },
      flat: 1,
    });
  });
});
