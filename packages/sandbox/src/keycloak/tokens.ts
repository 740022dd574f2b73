import { randomUUID } from 'node:crypto';
import type { SigningKeys } from './keys';
import { applyMappers, type MapperContext, type TokenKind } from './mappers';
import type {
  ClientScopeState,
  ClientState,
  MapperState,
  SimulatorState,
  UserState,
} from './model';
import type { RealmStore } from './realmStore';

/** The token endpoint's success body, fields in the order Keycloak emits them. */
export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_expires_in: number;
  refresh_token?: string;
  token_type: 'Bearer';
  id_token?: string;
  'not-before-policy': number;
  session_state?: string;
  scope: string;
}

/** What a login asks for. */
export interface IssueRequest {
  realm: RealmStore;
  client: ClientState;
  user: UserState;
  /** The `scope` form parameter, space separated. */
  scope?: string;
  serviceAccount: boolean;
  /** Kept across refreshes. */
  sessionId?: string;
  authTime?: number;
}

/** A token that passed every check, with what it refers to. */
export interface ValidToken {
  claims: Record<string, unknown>;
  realm: RealmStore;
  user: UserState;
  client: ClientState;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Realm name from an issuer URL (`.../realms/<name>`). */
export function realmOfIssuer(iss: unknown): string | undefined {
  if (typeof iss !== 'string') return undefined;
  const match = /\/realms\/([^/]+)$/.exec(iss);
  return match ? decodeURIComponent(match[1]) : undefined;
}

/**
 * Issues and checks tokens. Every token id carries a sequence number, so `expireAll` can
 * turn every token issued so far into an expired one while its `exp` claim still lies in
 * the future: exactly what a server-side revocation or an early expiry looks like to a
 * client that trusts `exp`.
 */
export class TokenService {
  constructor(
    private readonly keys: SigningKeys,
    private readonly state: SimulatorState,
    private readonly realms: (name: string) => RealmStore | undefined,
  ) {}

  issuer(baseUrl: string, realmName: string): string {
    return `${baseUrl}/realms/${encodeURIComponent(realmName)}`;
  }

  expireAll(): void {
    this.state.expiredThroughSequence = this.state.tokenSequence;
  }

  private nextJti(): string {
    this.state.tokenSequence += 1;
    return `${this.state.tokenSequence.toString(36)}:${randomUUID()}`;
  }

  private expiredEarly(jti: unknown): boolean {
    if (typeof jti !== 'string') return true;
    const seq = parseInt(jti.split(':')[0], 36);
    return !Number.isFinite(seq) || seq <= this.state.expiredThroughSequence;
  }

  /** The client scopes a request gets: the client's defaults plus requested optional ones. */
  appliedScopes(
    realm: RealmStore,
    client: ClientState,
    scopeParam: string | undefined,
  ): { scopes: ClientScopeState[]; openid: boolean } {
    const requested = new Set((scopeParam ?? '').split(/\s+/).filter(Boolean));
    const scopes: ClientScopeState[] = [];
    for (const id of client.defaultClientScopes) {
      const scope = realm.state.clientScopes[id];
      if (scope) scopes.push(scope);
    }
    for (const id of client.optionalClientScopes) {
      const scope = realm.state.clientScopes[id];
      if (scope && requested.has(scope.name)) scopes.push(scope);
    }
    return { scopes, openid: requested.has('openid') };
  }

  private mappersFor(
    client: ClientState,
    scopes: ClientScopeState[],
  ): MapperState[] {
    return [
      ...scopes.flatMap(s => s.protocolMappers),
      ...client.protocolMappers,
    ];
  }

  private context(
    req: IssueRequest,
    notes: Record<string, string>,
  ): MapperContext {
    return {
      realm: req.realm,
      client: req.client,
      user: req.user,
      notes,
      roleIds: req.realm.effectiveUserRoles(req.user),
    };
  }

  private notes(req: IssueRequest): Record<string, string> {
    return req.serviceAccount
      ? {
          client_id: req.client.clientId,
          clientHost: '127.0.0.1',
          clientAddress: '127.0.0.1',
        }
      : // A direct grant sets no AUTH_TIME note, so its tokens carry no auth_time.
        {};
  }

  /** Builds the claims of one token kind from the mappers. */
  private shape(
    kind: TokenKind,
    base: Record<string, unknown>,
    mappers: MapperState[],
    ctx: MapperContext,
  ): Record<string, unknown> {
    const claims = { ...base };
    const audiences = applyMappers(mappers, kind, claims, ctx);
    if (kind === 'access' || kind === 'introspection') {
      const aud = new Set<string>(
        Array.isArray(claims.aud) ? (claims.aud as string[]) : [],
      );
      for (const a of audiences) aud.add(a);
      // One audience is a string and several an array, as Keycloak serialises them.
      if (aud.size === 1) claims.aud = [...aud][0];
      else if (aud.size > 1) claims.aud = [...aud];
      else delete claims.aud;
    }
    return claims;
  }

  issue(req: IssueRequest, baseUrl: string): TokenResponse {
    const iat = nowSeconds();
    const authTime = req.authTime ?? iat;
    const iss = this.issuer(baseUrl, req.realm.name);
    const { scopes, openid } = this.appliedScopes(
      req.realm,
      req.client,
      req.scope,
    );
    const mappers = this.mappersFor(req.client, scopes);
    const notes = this.notes(req);
    const ctx = this.context(req, notes);
    const sessionId = req.serviceAccount
      ? undefined
      : req.sessionId ?? randomUUID();
    const scopeNames = [
      ...(openid ? ['openid'] : []),
      ...scopes
        .filter(s => s.attributes['include.in.token.scope'] !== 'false')
        .map(s => s.name),
    ];
    const lifetime = this.state.tokenLifetimeSeconds;

    const access = this.shape(
      'access',
      {
        exp: iat + lifetime,
        iat,
        jti: this.nextJti(),
        iss,
        typ: 'Bearer',
        azp: req.client.clientId,
        ...(sessionId ? { sid: sessionId } : {}),
        scope: scopeNames.join(' '),
      },
      mappers,
      ctx,
    );
    const response: TokenResponse = {
      access_token: this.keys.signRs256(access),
      expires_in: lifetime,
      refresh_expires_in: 0,
      token_type: 'Bearer',
      'not-before-policy': 0,
      scope: scopeNames.join(' '),
    };
    // Keycloak gives a client-credentials login no refresh token by default.
    if (!req.serviceAccount) {
      const refreshLifetime = this.state.refreshLifetimeSeconds;
      response.refresh_expires_in = refreshLifetime;
      response.refresh_token = this.keys.signHs512({
        exp: iat + refreshLifetime,
        iat,
        jti: this.nextJti(),
        iss,
        aud: iss,
        sub: req.user.id,
        typ: 'Refresh',
        azp: req.client.clientId,
        sid: sessionId,
        scope: [...(openid ? ['openid'] : []), ...scopes.map(s => s.name)].join(
          ' ',
        ),
        auth_time: authTime,
      });
      response.session_state = sessionId;
    }
    if (openid) {
      const id = this.shape(
        'id',
        {
          exp: iat + lifetime,
          iat,
          jti: this.nextJti(),
          iss,
          aud: req.client.clientId,
          sub: req.user.id,
          typ: 'ID',
          azp: req.client.clientId,
          ...(sessionId ? { sid: sessionId } : {}),
        },
        mappers,
        ctx,
      );
      response.id_token = this.keys.signRs256(id);
    }
    // Reorder to Keycloak's field order.
    const { id_token, refresh_token, session_state, ...rest } = response;
    return {
      access_token: rest.access_token,
      expires_in: rest.expires_in,
      refresh_expires_in: rest.refresh_expires_in,
      ...(refresh_token ? { refresh_token } : {}),
      token_type: rest.token_type,
      ...(id_token ? { id_token } : {}),
      'not-before-policy': rest['not-before-policy'],
      ...(session_state ? { session_state } : {}),
      scope: rest.scope,
    };
  }

  /**
   * The claims a token for this user and client would carry, as the admin console's
   * "evaluate" tab shows them. The token is built like a real one but handed to nobody.
   */
  example(
    req: IssueRequest,
    baseUrl: string,
    kind: 'access' | 'id' | 'userinfo',
  ): Record<string, unknown> | undefined {
    if (kind === 'userinfo') {
      const { scopes } = this.appliedScopes(req.realm, req.client, req.scope);
      return this.shape(
        'userinfo',
        { sub: req.user.id },
        this.mappersFor(req.client, scopes),
        this.context(req, this.notes(req)),
      );
    }
    const scope =
      kind === 'id' ? `openid ${req.scope ?? ''}`.trim() : req.scope;
    const response = this.issue({ ...req, scope }, baseUrl);
    const jwt = kind === 'access' ? response.access_token : response.id_token;
    return jwt
      ? JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
      : undefined;
  }

  /** Claims for the userinfo endpoint. */
  userinfo(token: ValidToken): Record<string, unknown> {
    const scopeParam =
      typeof token.claims.scope === 'string' ? token.claims.scope : '';
    const { scopes } = this.appliedScopes(
      token.realm,
      token.client,
      scopeParam,
    );
    const req: IssueRequest = {
      realm: token.realm,
      client: token.client,
      user: token.user,
      serviceAccount: Boolean(token.user.serviceAccountClientId),
    };
    return this.shape(
      'userinfo',
      { sub: token.user.id },
      this.mappersFor(token.client, scopes),
      this.context(req, this.notes(req)),
    );
  }

  /**
   * Checks a token's signature, type, expiry (its `exp` and an early expiry), realm,
   * subject and client. Returns undefined when any of it fails.
   */
  validate(token: string, typ: 'Bearer' | 'Refresh'): ValidToken | undefined {
    const verified = this.keys.verify(token);
    if (!verified) return undefined;
    const claims = verified.claims;
    if (claims.typ !== typ) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds())
      return undefined;
    if (this.expiredEarly(claims.jti)) return undefined;
    const realmName = realmOfIssuer(claims.iss);
    const realm = realmName ? this.realms(realmName) : undefined;
    if (!realm) return undefined;
    const client =
      typeof claims.azp === 'string'
        ? realm.clientByClientId(claims.azp)
        : undefined;
    if (!client || !client.enabled) return undefined;
    // A lightweight or sub-less token still names its user through the service account.
    let userId = typeof claims.sub === 'string' ? claims.sub : undefined;
    if (!userId && claims.client_id === client.clientId) {
      userId = client.serviceAccountUserId;
    }
    const user = userId ? realm.state.users[userId] : undefined;
    if (!user || !user.enabled) return undefined;
    return { claims, realm, user, client };
  }

  /** Tells an expired refresh token from a forged one, for the error text. */
  isWellFormedButInactive(token: string): boolean {
    const verified = this.keys.verify(token);
    if (!verified) return false;
    const { claims } = verified;
    return (
      (typeof claims.exp === 'number' && claims.exp <= nowSeconds()) ||
      this.expiredEarly(claims.jti)
    );
  }
}
