import type { Reply, RequestContext } from '../http';
import type { RealmStore } from '../realmStore';
import type { ValidToken } from '../tokens';

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
