/*
 * What a fresh realm holds before anyone touches it: the clients, client scopes and
 * protocol mappers Keycloak creates with every realm. Only the parts that shape tokens or
 * show up in listings are reproduced.
 */

type Rep = Record<string, unknown>;

/** Keycloak's admin roles, held by the realm's management client. */
export const ADMIN_ROLE_NAMES = [
  'create-client',
  'impersonation',
  'manage-authorization',
  'manage-clients',
  'manage-events',
  'manage-identity-providers',
  'manage-realm',
  'manage-users',
  'query-clients',
  'query-groups',
  'query-realms',
  'query-users',
  'view-authorization',
  'view-clients',
  'view-events',
  'view-identity-providers',
  'view-realm',
  'view-users',
];

const ALL_TOKENS = {
  'introspection.token.claim': 'true',
  'userinfo.token.claim': 'true',
  'id.token.claim': 'true',
  'access.token.claim': 'true',
};

function property(
  name: string,
  attribute: string,
  claim: string,
  type = 'String',
): Rep {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usermodel-property-mapper',
    config: {
      ...ALL_TOKENS,
      'user.attribute': attribute,
      'claim.name': claim,
      'jsonType.label': type,
    },
  };
}

function userAttribute(name: string, attr: string, claim: string): Rep {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usermodel-attribute-mapper',
    config: {
      ...ALL_TOKENS,
      'user.attribute': attr,
      'claim.name': claim,
      'jsonType.label': 'String',
    },
  };
}

function sessionNote(
  name: string,
  note: string,
  claim: string,
  type = 'String',
): Rep {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usersessionmodel-note-mapper',
    config: {
      'user.session.note': note,
      'claim.name': claim,
      'jsonType.label': type,
      'id.token.claim': 'true',
      'access.token.claim': 'true',
      'introspection.token.claim': 'true',
    },
  };
}

function scope(
  name: string,
  inToken: boolean,
  mappers: Rep[],
  description?: string,
): Rep {
  return {
    name,
    description,
    protocol: 'openid-connect',
    attributes: {
      'include.in.token.scope': String(inToken),
      'display.on.consent.screen': 'true',
    },
    protocolMappers: mappers,
  };
}

/** The realm's built-in client scopes and whether each is a realm default or optional. */
export function builtInClientScopes(): Array<{
  rep: Rep;
  kind: 'default' | 'optional' | 'none';
}> {
  return [
    {
      kind: 'default',
      rep: scope(
        'profile',
        true,
        [
          property('username', 'username', 'preferred_username'),
          {
            name: 'full name',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-full-name-mapper',
            config: { ...ALL_TOKENS },
          },
          property('given name', 'firstName', 'given_name'),
          property('family name', 'lastName', 'family_name'),
        ],
        'OpenID Connect built-in scope: profile',
      ),
    },
    {
      kind: 'default',
      rep: scope(
        'email',
        true,
        [
          property('email', 'email', 'email'),
          property(
            'email verified',
            'emailVerified',
            'email_verified',
            'boolean',
          ),
        ],
        'OpenID Connect built-in scope: email',
      ),
    },
    {
      kind: 'default',
      rep: scope(
        'roles',
        false,
        [
          {
            name: 'realm roles',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-usermodel-realm-role-mapper',
            config: {
              'claim.name': 'realm_access.roles',
              'jsonType.label': 'String',
              multivalued: 'true',
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
              'user.attribute': 'foo',
            },
          },
          {
            name: 'client roles',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-usermodel-client-role-mapper',
            config: {
              'claim.name': 'resource_access.${client_id}.roles',
              'jsonType.label': 'String',
              multivalued: 'true',
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
              'user.attribute': 'foo',
            },
          },
          {
            name: 'audience resolve',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-audience-resolve-mapper',
            config: {
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
            },
          },
        ],
        'OpenID Connect scope for add user roles to the access token',
      ),
    },
    {
      kind: 'default',
      rep: scope(
        'web-origins',
        false,
        [
          {
            name: 'allowed web origins',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-allowed-origins-mapper',
            config: {
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
            },
          },
        ],
        'OpenID Connect scope for add allowed web origins to the access token',
      ),
    },
    {
      kind: 'default',
      rep: scope(
        'acr',
        false,
        [
          {
            name: 'acr loa level',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-acr-mapper',
            config: {
              'id.token.claim': 'true',
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
            },
          },
        ],
        'OpenID Connect scope for add acr (authentication context class reference) to the token',
      ),
    },
    {
      kind: 'default',
      rep: scope(
        'basic',
        false,
        [
          {
            name: 'sub',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-sub-mapper',
            config: {
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
            },
          },
          sessionNote('auth_time', 'AUTH_TIME', 'auth_time', 'long'),
        ],
        'OpenID Connect scope for add all basic claims to the token',
      ),
    },
    {
      kind: 'optional',
      rep: scope('address', true, [], 'OpenID Connect built-in scope: address'),
    },
    {
      kind: 'optional',
      rep: scope(
        'phone',
        true,
        [
          userAttribute('phone number', 'phoneNumber', 'phone_number'),
          userAttribute(
            'phone number verified',
            'phoneNumberVerified',
            'phone_number_verified',
          ),
        ],
        'OpenID Connect built-in scope: phone',
      ),
    },
    {
      kind: 'optional',
      rep: scope(
        'offline_access',
        true,
        [],
        'OpenID Connect built-in scope: offline_access',
      ),
    },
    {
      kind: 'optional',
      rep: scope(
        'microprofile-jwt',
        true,
        [
          property('upn', 'username', 'upn'),
          {
            name: 'groups',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-usermodel-realm-role-mapper',
            config: {
              'claim.name': 'groups',
              'jsonType.label': 'String',
              multivalued: 'true',
              'id.token.claim': 'true',
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
              'user.attribute': 'foo',
            },
          },
        ],
        'Microprofile - JWT built-in scope',
      ),
    },
    {
      // Attached to a client when its service account is enabled.
      kind: 'none',
      rep: scope(
        'service_account',
        false,
        [
          sessionNote('Client Host', 'clientHost', 'clientHost'),
          sessionNote('Client ID', 'client_id', 'client_id'),
          sessionNote('Client IP Address', 'clientAddress', 'clientAddress'),
        ],
        'Specific scope for a client enabled for service accounts',
      ),
    },
  ];
}

/** The realm's built-in clients and the client roles each carries. */
export function builtInClients(
  realmName: string,
): Array<{ rep: Rep; roles: string[] }> {
  const account = `/realms/${realmName}/account/`;
  return [
    {
      rep: {
        clientId: 'account',
        name: '${client_account}',
        rootUrl: '${authBaseUrl}',
        baseUrl: account,
        publicClient: true,
        redirectUris: [`${account}*`],
      },
      roles: [
        'delete-account',
        'manage-account',
        'manage-account-links',
        'manage-consent',
        'view-applications',
        'view-consent',
        'view-groups',
        'view-profile',
      ],
    },
    {
      rep: {
        clientId: 'account-console',
        name: '${client_account-console}',
        rootUrl: '${authBaseUrl}',
        baseUrl: account,
        publicClient: true,
        redirectUris: [`${account}*`],
      },
      roles: [],
    },
    {
      rep: {
        clientId: 'admin-cli',
        name: '${client_admin-cli}',
        publicClient: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: true,
      },
      roles: [],
    },
    {
      rep: { clientId: 'broker', name: '${client_broker}', bearerOnly: true },
      roles: ['read-token'],
    },
    {
      rep: {
        clientId: realmName === 'master' ? 'master-realm' : 'realm-management',
        name:
          realmName === 'master'
            ? 'master Realm'
            : '${client_realm-management}',
        bearerOnly: true,
      },
      roles: ADMIN_ROLE_NAMES,
    },
    {
      rep: {
        clientId: 'security-admin-console',
        name: '${client_security-admin-console}',
        rootUrl: '${authAdminUrl}',
        baseUrl: `/admin/${realmName}/console/`,
        publicClient: true,
        redirectUris: [`/admin/${realmName}/console/*`],
        webOrigins: ['+'],
      },
      roles: [],
    },
  ];
}
