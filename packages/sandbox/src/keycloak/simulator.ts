import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../common/faults';
import type { RequestLog } from '../common/requestLog';
import { registerClients } from './admin/clients';
import { registerGroups } from './admin/groups';
import { registerPartialExport } from './admin/partialExport';
import { registerRealmRoutes } from './admin/realm';
import type {
  AdminCall,
  AdminEnv,
  AdminMeta,
  AdminRoutes,
} from './admin/types';
import { registerUsers } from './admin/users';
import { registerScopeMappings } from './admin/scopeMappings';
import { registerAuthz } from './admin/authz';
import { registerRealmExtras } from './admin/realmExtras';
import {
  ADMIN_JSON,
  errorProse,
  forbidden,
  KeycloakHttpError,
  PLAIN_JSON,
  type Reply,
  type RequestContext,
  Router,
  splitPath,
  unauthorized,
} from './http';
import { SigningKeys } from './keys';
import type { SimulatorState } from './model';
import { registerOidc, type OidcEnv } from './oidc';
import { managementClientId, RealmStore } from './realmStore';
import { applySeed, type KeycloakSeed, type SeededCredentials } from './seed';
import { TokenService, type ValidToken } from './tokens';

/**
 * Options of {@link KeycloakSimulator}.
 *
 * @public
 */
export interface KeycloakSimulatorOptions {
  /** Where every request is recorded. */
  log: RequestLog;
  /** Faults applied to every request before it is handled. */
  faults: FaultInjector;
  /** Server name, used as the log and fault target; `keycloak` by default. */
  name?: string;
  /** Access token lifetime (`expires_in`); 300 seconds by default. */
  tokenLifetimeSeconds?: number;
  /** State from {@link KeycloakSimulator.snapshot} to start from. */
  state?: unknown;
}

type AdminRouter = Router<AdminMeta, AdminCall>;

const UNKNOWN_ERROR = {
  error: 'unknown_error',
  error_description: 'For more on this error consult the server log.',
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function isState(value: unknown): value is SimulatorState {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as SimulatorState).version === 1 &&
    typeof (value as SimulatorState).keys === 'object' &&
    typeof (value as SimulatorState).realms === 'object'
  );
}

/**
 * An in-memory Keycloak: the OpenID Connect endpoints (discovery, JWKS, token, userinfo,
 * introspection) and the admin REST API as `@keycloak/keycloak-admin-client` calls it,
 * answering with Keycloak 26's statuses, bodies and error shapes.
 *
 * @public
 */
export class KeycloakSimulator {
  private readonly log: RequestLog;
  private readonly faults: FaultInjector;
  private readonly name: string;
  private readonly state: SimulatorState;
  private readonly keys: SigningKeys;
  private readonly tokens: TokenService;
  private readonly realms = new Map<string, RealmStore>();
  private readonly oidcRouter = new Router<undefined, OidcEnv>();
  private readonly adminRouter: AdminRouter = new Router();
  private readonly oidcEnv: OidcEnv;
  private readonly adminEnv: AdminEnv;
  private baseUrl?: string;

  constructor(options: KeycloakSimulatorOptions) {
    this.log = options.log;
    this.faults = options.faults;
    this.name = options.name ?? 'keycloak';
    if (options.state !== undefined) {
      if (!isState(options.state)) {
        throw new Error(
          'Keycloak simulator state is not a snapshot of version 1',
        );
      }
      this.state = JSON.parse(JSON.stringify(options.state));
    } else {
      this.state = {
        version: 1,
        keys: SigningKeys.generate(),
        tokenLifetimeSeconds: 300,
        refreshLifetimeSeconds: 1800,
        tokenSequence: 0,
        expiredThroughSequence: 0,
        realms: {},
      };
    }
    if (options.tokenLifetimeSeconds !== undefined) {
      this.state.tokenLifetimeSeconds = options.tokenLifetimeSeconds;
    }
    for (const realm of Object.values(this.state.realms)) {
      this.realms.set(realm.realm, new RealmStore(realm));
    }
    this.keys = new SigningKeys(this.state.keys);
    this.tokens = new TokenService(this.keys, this.state, name =>
      this.realms.get(name),
    );
    this.oidcEnv = {
      realm: name => this.realms.get(name),
      keys: this.keys,
      tokens: this.tokens,
    };
    this.adminEnv = {
      realms: this.realms,
      tokenLifetimeSeconds: () => this.state.tokenLifetimeSeconds,
      createRealm: rep => this.createRealm(String(rep.realm), rep),
      deleteRealm: realm => {
        this.realms.delete(realm.name);
        delete this.state.realms[realm.state.id];
      },
      renameRealm: (realm, name) => {
        this.realms.delete(realm.name);
        realm.state.realm = name;
        this.realms.set(name, realm);
      },
      isSuperAdmin: caller => this.isSuperAdmin(caller),
      hasAnyAdminRole: (caller, realm) =>
        this.adminRoleNames(caller, realm).size > 0,
      keys: this.keys,
      tokens: this.tokens,
    };
    registerOidc(this.oidcRouter);
    const adminRoutes: AdminRoutes = {
      add: (method, pattern, meta, handler) =>
        this.adminRouter.add(method, pattern, meta, handler),
    };
    registerRealmRoutes(adminRoutes);
    registerClients(adminRoutes);
    registerGroups(adminRoutes);
    registerUsers(adminRoutes);
    registerPartialExport(adminRoutes);
    registerScopeMappings(adminRoutes);
    registerRealmExtras(adminRoutes);
    registerAuthz(adminRoutes);
  }

  /** Sets the externally visible URL (issuer prefix, `Location` headers). */
  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  /** Creates the default (or given) realms, users, groups and service-account client. */
  seed(seed?: KeycloakSeed): SeededCredentials {
    return applySeed(this.realms, name => this.createRealm(name, {}), seed);
  }

  /** The whole state as plain JSON, keys included; pass it as `state` to restore. */
  snapshot(): unknown {
    return JSON.parse(JSON.stringify(this.state));
  }

  /** Every token issued so far is expired from now on, whatever its `exp` says. */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  /** Lifetime of access tokens issued from now on. */
  setTokenLifetime(seconds: number): void {
    this.state.tokenLifetimeSeconds = seconds;
  }

  /** Handles one HTTP request: faults first, then the endpoint, then the request log. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.process(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': PLAIN_JSON });
        res.end(JSON.stringify(UNKNOWN_ERROR));
      }
    });
  }

  private createRealm(name: string, rep: Record<string, unknown>): RealmStore {
    const realm = RealmStore.create(name, rep);
    this.state.realms[realm.state.id] = realm.state;
    this.realms.set(name, realm);
    return realm;
  }

  private async process(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const at = Date.now();
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt >= 0 ? rawUrl.slice(0, queryAt) : rawUrl;
    const query = queryAt >= 0 ? rawUrl.slice(queryAt + 1) : '';
    const record = (status: number) =>
      this.log.record({
        server: 'keycloak',
        target: this.name,
        method,
        path,
        query,
        status,
        at,
        durationMs: performance.now() - started,
      });

    const outcome = await this.faults.apply(
      'keycloak',
      this.name,
      req,
      res,
      path,
    );
    if (outcome === 'answered') {
      record(res.statusCode);
      return;
    }
    if (outcome === 'hung') {
      res.on('close', () => record(0));
      return;
    }

    let reply: Reply;
    try {
      const rawBody = await readBody(req);
      const ctx: RequestContext = {
        method,
        path,
        query: new URLSearchParams(query),
        params: {},
        headers: req.headers,
        rawBody,
        baseUrl: this.baseUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`,
      };
      reply = await this.dispatch(ctx);
    } catch (error) {
      reply =
        error instanceof KeycloakHttpError
          ? error.reply
          : { status: 500, body: UNKNOWN_ERROR, contentType: PLAIN_JSON };
    }

    const headers: Record<string, string> = { ...reply.headers };
    let payload = '';
    if (reply.body !== undefined) {
      payload =
        typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
      headers['content-type'] =
        reply.contentType ?? (reply.status < 300 ? ADMIN_JSON : PLAIN_JSON);
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    record(reply.status);
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  private async dispatch(ctx: RequestContext): Promise<Reply> {
    const segments = splitPath(ctx.path);
    if (segments[0] === 'admin') return this.dispatchAdmin(ctx, segments);
    if (segments[0] === 'health') {
      return {
        status: 200,
        body: { status: 'UP', checks: [] },
        contentType: PLAIN_JSON,
      };
    }
    const match = this.oidcRouter.match(ctx.method, segments);
    if (match.kind === 'found') {
      ctx.params = match.params;
      return match.route.handler(ctx, this.oidcEnv);
    }
    if (match.kind === 'wrong-method')
      throw errorProse(404, 'HTTP 404 Not Found');
    throw errorProse(404, 'Unable to find matching target resource method');
  }

  private async dispatchAdmin(
    ctx: RequestContext,
    segments: string[],
  ): Promise<Reply> {
    // Keycloak authenticates before it resolves anything below /admin.
    const header = ctx.headers.authorization;
    const token = header?.toLowerCase().startsWith('bearer ')
      ? header.slice(7).trim()
      : undefined;
    const caller = token ? this.tokens.validate(token, 'Bearer') : undefined;
    if (!caller) throw unauthorized();

    const match = this.adminRouter.match(ctx.method, segments);
    if (match.kind === 'wrong-method')
      throw errorProse(404, 'HTTP 404 Not Found');
    if (match.kind === 'none') {
      throw errorProse(404, 'Unable to find matching target resource method');
    }
    ctx.params = match.params;
    const meta = match.route.meta;
    let realm: RealmStore | undefined;
    if (!meta.realmless) {
      realm = this.realms.get(match.params.realm);
      if (!realm) throw errorProse(404, 'Realm not found.');
    }
    if (!this.authorize(caller, realm, meta, ctx.method)) throw forbidden();
    return match.route.handler(ctx, {
      realm: realm!,
      caller,
      env: this.adminEnv,
    });
  }

  private isSuperAdmin(caller: ValidToken): boolean {
    if (caller.realm.name !== 'master') return false;
    const admin = caller.realm.realmRole('admin');
    return Boolean(
      admin && caller.realm.effectiveUserRoles(caller.user).has(admin.id),
    );
  }

  /** Names of the realm-management roles the caller holds on a realm (none across realms). */
  private adminRoleNames(caller: ValidToken, realm: RealmStore): Set<string> {
    const names = new Set<string>();
    if (caller.realm !== realm) return names;
    const management = realm.clientByClientId(managementClientId(realm.name));
    if (!management) return names;
    for (const id of realm.effectiveUserRoles(caller.user)) {
      const role = realm.role(id);
      if (role && role.containerId === management.id) names.add(role.name);
    }
    return names;
  }

  /**
   * Keycloak's role model, per area: reads take `view-*` or `manage-*` (listings also
   * `query-*`), writes take `manage-*`; groups belong to the users family; `realm-admin`
   * and master's `admin` open everything.
   */
  private authorize(
    caller: ValidToken,
    realm: RealmStore | undefined,
    meta: AdminMeta,
    method: string,
  ): boolean {
    if (this.isSuperAdmin(caller)) return true;
    // Routes above a realm decide for themselves.
    if (meta.realmless || !realm) return true;
    const names = this.adminRoleNames(caller, realm);
    if (names.has('realm-admin')) return true;
    const write = meta.write ?? method !== 'GET';
    const has = (...wanted: string[]) => wanted.some(n => names.has(n));
    switch (meta.area) {
      case 'any':
        return names.size > 0;
      case 'realm':
        return write ? has('manage-realm') : has('view-realm', 'manage-realm');
      case 'users':
        return write
          ? has('manage-users')
          : has('view-users', 'manage-users') ||
              (Boolean(meta.list) && has('query-users'));
      case 'groups':
        return write
          ? has('manage-users')
          : has('view-users', 'manage-users') ||
              (Boolean(meta.list) && has('query-groups'));
      case 'clients':
        return write
          ? has('manage-clients')
          : has('view-clients', 'manage-clients') ||
              (Boolean(meta.list) && has('query-clients'));
      case 'roles':
        return write ? has('manage-realm') : names.size > 0;
      default:
        return false;
    }
  }
}
