import { intParam, jsonBody, noContent, ok, paginate } from '../http';
import type { Reply, RequestContext } from '../http';
import type { RealmStore } from '../realmStore';
import type { SigningKeys } from '../keys';
import type { TokenService, ValidToken } from '../tokens';

/**
 * Which family of admin roles guards a route. Keycloak authorises groups out of the users
 * family and realm roles out of any "view" role; the areas below follow that.
 */
export type AdminArea =
  | 'realm'
  | 'users'
  | 'groups'
  | 'clients'
  | 'roles'
  | 'any';

/** Per-route authorisation metadata. */
export interface AdminMeta {
  area: AdminArea;
  /** A listing, which the matching `query-*` role also opens. */
  list?: boolean;
  /** Overrides the method-based read/write decision. */
  write?: boolean;
  /** Routes above a realm (`/admin/realms`, `/admin/serverinfo`). */
  realmless?: boolean;
}

/** What the simulator lends the admin handlers. */
export interface AdminEnv {
  realms: Map<string, RealmStore>;
  tokenLifetimeSeconds(): number;
  createRealm(rep: Record<string, unknown>): RealmStore;
  deleteRealm(realm: RealmStore): void;
  renameRealm(realm: RealmStore, name: string): void;
  /** Whether the caller is a master-realm administrator (may see and create every realm). */
  isSuperAdmin(caller: ValidToken): boolean;
  /** Whether the caller holds any admin role on this realm. */
  hasAnyAdminRole(caller: ValidToken, realm: RealmStore): boolean;
  /** The signing keys (the realm keys listing shows their public halves). */
  keys: SigningKeys;
  /** Token building, for the client's "evaluate" examples. */
  tokens: TokenService;
}

/** Everything an admin handler receives beside the request. */
export interface AdminCall {
  /** The realm the path names (undefined on realmless routes). */
  realm: RealmStore;
  caller: ValidToken;
  env: AdminEnv;
}

export type AdminHandler = (
  ctx: RequestContext,
  call: AdminCall,
) => Reply | Promise<Reply>;

/** The registration surface the route modules use. */
export interface AdminRoutes {
  add(
    method: string,
    pattern: string,
    meta: AdminMeta,
    handler: AdminHandler,
  ): void;
}

/** Absolute URL of a created object, as Keycloak builds it from the request URL. */
export function locationOf(ctx: RequestContext, ...segments: string[]): string {
  const base = ctx.path.replace(/\/+$/, '');
  return `${ctx.baseUrl}${base}/${segments.map(encodeURIComponent).join('/')}`;
}

/**
 * One page of `items` by the request's `first` / `max` query parameters (a non-integer one
 * is Keycloak's 404). Keycloak's endpoints disagree on what a missing or negative `max`
 * means, so each route states its own and this keeps those differences explicit:
 *
 * - `absentMax`: the page size when `max` is not given; a negative `max` returns the rest.
 * - `defaultMax`: the page size when `max` is not given or is negative.
 *
 * With neither, every item from `first` on is returned.
 */
export function page<T>(
  ctx: RequestContext,
  items: T[],
  sizes: { absentMax?: number; defaultMax?: number } = {},
): T[] {
  return paginate(
    items,
    intParam(ctx, 'first'),
    intParam(ctx, 'max') ?? sizes.absentMax,
    sizes.defaultMax,
  );
}

/** How {@link registerItemRoutes} reads, presents, updates and removes one object. */
export interface ItemRoutes<T> {
  /** Resolves the object the path names, throwing Keycloak's 404 when there is none. */
  of(call: AdminCall, ctx: RequestContext): T;
  /** The representation `GET` answers. */
  rep(call: AdminCall, item: T): unknown;
  /** Applies a `PUT` body. */
  update(call: AdminCall, item: T, body: Record<string, unknown>): void;
  /** Removes the object on `DELETE`. */
  remove(call: AdminCall, item: T): void;
}

/**
 * Registers `GET`, `PUT` and `DELETE` on one addressable object (clients, users, groups,
 * roles, components all share this shape): `GET` answers 200 with its representation,
 * `PUT` and `DELETE` answer 204. The lookup runs first, so a missing object is a 404
 * before the body is read.
 */
export function registerItemRoutes<T>(
  routes: AdminRoutes,
  pattern: string,
  area: AdminArea,
  item: ItemRoutes<T>,
): void {
  routes.add('GET', pattern, { area }, (ctx, call) =>
    ok(item.rep(call, item.of(call, ctx))),
  );
  routes.add('PUT', pattern, { area, write: true }, (ctx, call) => {
    item.update(call, item.of(call, ctx), jsonBody(ctx));
    return noContent();
  });
  routes.add('DELETE', pattern, { area, write: true }, (ctx, call) => {
    item.remove(call, item.of(call, ctx));
    return noContent();
  });
}
