import { authenticateFederated } from './ldap';
import {
  errorProse,
  KeycloakHttpError,
  oauthError,
  ok,
  PLAIN_JSON,
  type Reply,
  type RequestContext,
  type Router,
} from './http';
import type { SigningKeys } from './keys';
import type { ClientState } from './model';
import type { RealmStore } from './realmStore';
import type { TokenService, ValidToken } from './tokens';

/** What the protocol endpoints need from the simulator. */
export interface OidcEnv {
  realm(name: string): RealmStore | undefined;
  keys: SigningKeys;
  tokens: TokenService;
}

const BASE = '/realms/:realm';
const OIDC = `${BASE}/protocol/openid-connect`;

function realmOf(env: OidcEnv, ctx: RequestContext): RealmStore {
  const realm = env.realm(ctx.params.realm);
  if (!realm) throw errorProse(404, 'Realm does not exist');
  return realm;
}

/** Form parameters of a POST (or the query of a GET). */
function formOf(ctx: RequestContext): URLSearchParams {
  if (ctx.method === 'GET') return ctx.query;
  return new URLSearchParams(ctx.rawBody.toString('utf8'));
}

function tokenReply(body: unknown): Reply {
  return {
    status: 200,
    body,
    contentType: PLAIN_JSON,
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  };
}

const INVALID_CLIENT = 'Invalid client or Invalid client credentials';

/**
 * Authenticates the calling client from HTTP Basic or the form's `client_id` /
 * `client_secret`. An unknown client is `invalid_client`, a wrong secret
 * `unauthorized_client`, with the same description, as Keycloak answers.
 */
export function authenticateClient(
  realm: RealmStore,
  ctx: RequestContext,
  form: URLSearchParams,
): ClientState {
  let clientId = form.get('client_id') ?? undefined;
  let secret = form.get('client_secret') ?? undefined;
  const header = ctx.headers.authorization;
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString(
      'utf8',
    );
    const idx = decoded.indexOf(':');
    if (idx >= 0) {
      const plusAsSpace = (s: string) =>
        decodeURIComponent(s.replace(/\+/g, ' '));
      try {
        clientId = plusAsSpace(decoded.slice(0, idx));
        secret = plusAsSpace(decoded.slice(idx + 1));
      } catch {
        throw oauthError(401, 'invalid_client', INVALID_CLIENT);
      }
    }
  }
  if (!clientId) throw oauthError(401, 'invalid_client', INVALID_CLIENT);
  const client = realm.clientByClientId(clientId);
  if (!client || !client.enabled)
    throw oauthError(401, 'invalid_client', INVALID_CLIENT);
  if (!client.publicClient && (!secret || secret !== client.secret)) {
    throw oauthError(401, 'unauthorized_client', INVALID_CLIENT);
  }
  if (client.bearerOnly) {
    throw oauthError(400, 'invalid_client', 'Bearer-only not allowed');
  }
  return client;
}

async function tokenEndpoint(
  env: OidcEnv,
  ctx: RequestContext,
): Promise<Reply> {
  const realm = realmOf(env, ctx);
  const form = new URLSearchParams(ctx.rawBody.toString('utf8'));
  const grantType = form.get('grant_type');
  if (!grantType) {
    throw oauthError(
      400,
      'invalid_request',
      'Missing form parameter: grant_type',
    );
  }
  const client = authenticateClient(realm, ctx, form);
  const scope = form.get('scope') ?? undefined;

  switch (grantType) {
    case 'password': {
      if (!client.directAccessGrantsEnabled) {
        throw oauthError(
          400,
          'unauthorized_client',
          'Client not allowed for direct access grants',
        );
      }
      const username = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      const user =
        realm.userByUsername(username) ?? realm.userByEmail(username);
      // A federated user's password is the directory's: Keycloak binds as the user.
      const passwordOk =
        user && user.federationLink
          ? await authenticateFederated(realm, user, password)
          : !!user && realm.checkPassword(user, password);
      // Keycloak 26 answers a failed direct grant with 400, not 401.
      if (!user || user.serviceAccountClientId || !passwordOk) {
        throw oauthError(400, 'invalid_grant', 'Invalid user credentials');
      }
      if (!user.enabled)
        throw oauthError(400, 'invalid_grant', 'Account disabled');
      if (user.requiredActions.length > 0) {
        throw oauthError(400, 'invalid_grant', 'Account is not fully set up');
      }
      return tokenReply(
        env.tokens.issue(
          { realm, client, user, scope, serviceAccount: false },
          ctx.baseUrl,
        ),
      );
    }
    case 'client_credentials': {
      if (client.publicClient) {
        throw oauthError(
          401,
          'unauthorized_client',
          'Public client not allowed to retrieve service account',
        );
      }
      if (!client.serviceAccountsEnabled) {
        throw oauthError(
          401,
          'unauthorized_client',
          'Client not enabled to retrieve service account',
        );
      }
      realm.enableServiceAccount(client);
      const user = realm.user(client.serviceAccountUserId!);
      return tokenReply(
        env.tokens.issue(
          { realm, client, user, scope, serviceAccount: true },
          ctx.baseUrl,
        ),
      );
    }
    case 'refresh_token': {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) {
        throw oauthError(
          400,
          'invalid_request',
          'Missing parameter: refresh_token',
        );
      }
      const valid = env.tokens.validate(refreshToken, 'Refresh');
      if (!valid || valid.realm !== realm) {
        if (env.tokens.isWellFormedButInactive(refreshToken)) {
          throw oauthError(400, 'invalid_grant', 'Token is not active');
        }
        throw oauthError(400, 'invalid_grant', 'Invalid refresh token');
      }
      if (valid.client.id !== client.id) {
        throw oauthError(
          400,
          'invalid_grant',
          "Invalid refresh token. Token client and authorized client don't match",
        );
      }
      return tokenReply(
        env.tokens.issue(
          {
            realm,
            client,
            user: valid.user,
            scope:
              typeof valid.claims.scope === 'string'
                ? valid.claims.scope
                : undefined,
            serviceAccount: false,
            sessionId:
              typeof valid.claims.sid === 'string'
                ? valid.claims.sid
                : undefined,
            authTime:
              typeof valid.claims.auth_time === 'number'
                ? valid.claims.auth_time
                : undefined,
          },
          ctx.baseUrl,
        ),
      );
    }
    default:
      throw oauthError(400, 'unsupported_grant_type', 'Unsupported grant_type');
  }
}

/** Userinfo refuses with an empty body and the reason in `WWW-Authenticate`. */
function bearerChallenge(
  realm: string,
  status: number,
  error?: string,
  description?: string,
): KeycloakHttpError {
  const challenge = error
    ? `Bearer realm="${realm}", error="${error}", error_description="${description}"`
    : `Bearer realm="${realm}"`;
  return new KeycloakHttpError({
    status,
    body: '',
    contentType: 'text/plain;charset=utf-8',
    headers: { 'www-authenticate': challenge },
  });
}

function userinfoEndpoint(env: OidcEnv, ctx: RequestContext): Reply {
  const realm = realmOf(env, ctx);
  const header = ctx.headers.authorization;
  let token: string | undefined;
  if (header?.toLowerCase().startsWith('bearer '))
    token = header.slice(7).trim();
  else if (ctx.method === 'POST')
    token = formOf(ctx).get('access_token') ?? undefined;
  if (!token) throw bearerChallenge(realm.name, 401);
  const valid = env.tokens.validate(token, 'Bearer');
  if (!valid || valid.realm !== realm) {
    throw bearerChallenge(
      realm.name,
      401,
      'invalid_token',
      'Token verification failed',
    );
  }
  const scopes = String(valid.claims.scope ?? '').split(' ');
  if (!scopes.includes('openid')) {
    throw bearerChallenge(
      realm.name,
      403,
      'insufficient_scope',
      'Missing openid scope',
    );
  }
  return ok(env.tokens.userinfo(valid), PLAIN_JSON);
}

function introspectEndpoint(env: OidcEnv, ctx: RequestContext): Reply {
  const realm = realmOf(env, ctx);
  const form = formOf(ctx);
  const client = authenticateClient(realm, ctx, form);
  if (client.publicClient) {
    throw oauthError(403, 'invalid_request', 'Client not allowed.');
  }
  const token = form.get('token') ?? '';
  const valid: ValidToken | undefined =
    env.tokens.validate(token, 'Bearer') ??
    env.tokens.validate(token, 'Refresh');
  if (!valid || valid.realm !== realm) return ok({ active: false }, PLAIN_JSON);
  return ok(
    {
      ...valid.claims,
      client_id: valid.claims.azp,
      username: valid.claims.preferred_username ?? valid.user.username,
      token_type: valid.claims.typ,
      active: true,
    },
    PLAIN_JSON,
  );
}

function discovery(env: OidcEnv, ctx: RequestContext): Reply {
  const realm = realmOf(env, ctx);
  const issuer = env.tokens.issuer(ctx.baseUrl, realm.name);
  const oidc = `${issuer}/protocol/openid-connect`;
  return ok(
    {
      issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      introspection_endpoint: `${oidc}/token/introspect`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
      frontchannel_logout_session_supported: true,
      frontchannel_logout_supported: true,
      jwks_uri: `${oidc}/certs`,
      check_session_iframe: `${oidc}/login-status-iframe.html`,
      grant_types_supported: [
        'authorization_code',
        'client_credentials',
        'implicit',
        'password',
        'refresh_token',
      ],
      acr_values_supported: ['0', '1'],
      response_types_supported: [
        'code',
        'none',
        'id_token',
        'token',
        'id_token token',
        'code id_token',
        'code token',
        'code id_token token',
      ],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      userinfo_signing_alg_values_supported: ['RS256', 'none'],
      request_object_signing_alg_values_supported: ['RS256', 'none'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      registration_endpoint: `${issuer}/clients-registrations/openid-connect`,
      token_endpoint_auth_methods_supported: [
        'private_key_jwt',
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
      ],
      token_endpoint_auth_signing_alg_values_supported: [
        'RS256',
        'HS256',
        'HS512',
      ],
      introspection_endpoint_auth_methods_supported: [
        'private_key_jwt',
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
      ],
      claims_supported: [
        'aud',
        'sub',
        'iss',
        'auth_time',
        'name',
        'given_name',
        'family_name',
        'preferred_username',
        'email',
        'acr',
      ],
      claim_types_supported: ['normal'],
      claims_parameter_supported: true,
      scopes_supported: [
        'openid',
        ...realm
          .clientScopes()
          .filter(s => s.protocol === 'openid-connect')
          .map(s => s.name),
      ],
      request_parameter_supported: true,
      request_uri_parameter_supported: true,
      require_request_uri_registration: true,
      code_challenge_methods_supported: ['plain', 'S256'],
      tls_client_certificate_bound_access_tokens: true,
      revocation_endpoint: `${oidc}/revoke`,
      revocation_endpoint_auth_methods_supported: [
        'private_key_jwt',
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
      ],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      require_pushed_authorization_requests: false,
      authorization_response_iss_parameter_supported: true,
    },
    PLAIN_JSON,
  );
}

/** The OpenID Connect endpoints of every realm. */
export function registerOidc(router: Router<undefined, OidcEnv>): void {
  router.add('GET', BASE, undefined, (ctx, env) => {
    const realm = realmOf(env, ctx);
    const issuer = env.tokens.issuer(ctx.baseUrl, realm.name);
    return ok({
      realm: realm.name,
      public_key: env.keys.publicKeyDer(),
      'token-service': `${issuer}/protocol/openid-connect`,
      'account-service': `${issuer}/account`,
      'tokens-not-before': 0,
    });
  });
  router.add(
    'GET',
    `${BASE}/.well-known/openid-configuration`,
    undefined,
    (ctx, env) => discovery(env, ctx),
  );
  router.add('GET', `${OIDC}/certs`, undefined, (ctx, env) => {
    realmOf(env, ctx);
    return ok(env.keys.jwks(), PLAIN_JSON);
  });
  router.add('POST', `${OIDC}/token`, undefined, (ctx, env) =>
    tokenEndpoint(env, ctx),
  );
  router.add('GET', `${OIDC}/userinfo`, undefined, (ctx, env) =>
    userinfoEndpoint(env, ctx),
  );
  router.add('POST', `${OIDC}/userinfo`, undefined, (ctx, env) =>
    userinfoEndpoint(env, ctx),
  );
  router.add('POST', `${OIDC}/token/introspect`, undefined, (ctx, env) =>
    introspectEndpoint(env, ctx),
  );
  router.add('POST', `${OIDC}/revoke`, undefined, (ctx, env) => {
    const realm = realmOf(env, ctx);
    authenticateClient(realm, ctx, formOf(ctx));
    return { status: 200 };
  });
  const logout = (ctx: RequestContext, env: OidcEnv): Reply => {
    realmOf(env, ctx);
    return { status: 204 };
  };
  router.add('GET', `${OIDC}/logout`, undefined, logout);
  router.add('POST', `${OIDC}/logout`, undefined, logout);
}
