import {
  boolParam,
  intParam,
  jsonBody,
  noContent,
  notFound,
  ok,
  paginate,
  created,
  type RequestContext,
} from '../http';
import type { GroupState, RoleState, UserState } from '../model';
import { compareText, type RealmStore } from '../realmStore';
import { groupRep, roleRep, userRep } from '../representations';
import {
  locationOf,
  page,
  registerItemRoutes,
  type AdminArea,
  type AdminCall,
  type AdminRoutes,
} from './types';

/** A role as listings and mappings show it: without its attributes. */
export function briefRole(r: RoleState) {
  const { attributes: _attributes, ...rest } = roleRep(r);
  return rest;
}

/** Where a role route's roles live: the realm, or one client. */
interface Container {
  id: string;
  clientRole: boolean;
}

function roleIn(
  realm: RealmStore,
  container: Container,
  name: string,
): RoleState {
  const role = container.clientRole
    ? realm.clientRole(container.id, name)
    : realm.realmRole(name);
  if (!role) throw notFound('Could not find role');
  return role;
}

/**
 * Role listings page only when `search` is given or both `first` and `max` are: a
 * different rule from the group and user listings, and Keycloak's own.
 */
function listRoles(ctx: RequestContext, roles: RoleState[]) {
  const search = ctx.query.get('search')?.trim().toLowerCase();
  const first = intParam(ctx, 'first');
  const max = intParam(ctx, 'max');
  const brief = boolParam(ctx, 'briefRepresentation', true);
  let out = roles;
  if (search) {
    out = out.filter(
      r =>
        r.name.toLowerCase().includes(search) ||
        (r.description ?? '').toLowerCase().includes(search),
    );
    out = paginate(out, first, max);
  } else if (first !== undefined && max !== undefined) {
    out = paginate(out, first, max);
  }
  return ok(out.map(r => (brief ? briefRole(r) : roleRep(r))));
}

function compositesOf(realm: RealmStore, role: RoleState): RoleState[] {
  return role.composites
    .map(id => realm.role(id))
    .filter((r): r is RoleState => Boolean(r));
}

function addComposites(
  realm: RealmStore,
  role: RoleState,
  body: unknown,
): void {
  if (!Array.isArray(body)) return;
  for (const item of body as Array<Record<string, unknown>>) {
    const target =
      (typeof item?.id === 'string' ? realm.role(item.id) : undefined) ??
      (typeof item?.name === 'string' && !item.clientRole
        ? realm.realmRole(item.name)
        : undefined);
    if (!target) throw notFound('Could not find composite role');
    if (target.id !== role.id && !role.composites.includes(target.id)) {
      role.composites.push(target.id);
    }
  }
}

function removeComposites(role: RoleState, body: unknown): void {
  if (!Array.isArray(body)) return;
  const drop = new Set(
    (body as Array<Record<string, unknown>>).map(r => r?.id).filter(Boolean),
  );
  role.composites = role.composites.filter(id => !drop.has(id));
}

function registerRoleResource(
  routes: AdminRoutes,
  prefix: string,
  area: AdminArea,
  resolve: (call: AdminCall, ctx: RequestContext) => RoleState,
): void {
  registerItemRoutes(routes, prefix, area, {
    of: resolve,
    rep: (_call, role) => roleRep(role),
    update: (call, role, body) => call.realm.updateRole(role, body),
    remove: (call, role) => call.realm.deleteRole(role),
  });
  // Keycloak answers composites in the brief form; `search` (name substring, any case),
  // `first` and `max` narrow the full listing.
  routes.add('GET', `${prefix}/composites`, { area }, (ctx, call) => {
    const role = resolve(call, ctx);
    const search = ctx.query.get('search')?.toLowerCase();
    let roles = compositesOf(call.realm, role).sort((a, b) =>
      compareText(a.name, b.name),
    );
    if (search)
      roles = roles.filter(r => r.name.toLowerCase().includes(search));
    return ok(page(ctx, roles).map(briefRole));
  });
  routes.add('GET', `${prefix}/composites/realm`, { area }, (ctx, call) => {
    const role = resolve(call, ctx);
    return ok(
      compositesOf(call.realm, role)
        .filter(r => !r.clientRole)
        .map(briefRole),
    );
  });
  routes.add(
    'GET',
    `${prefix}/composites/clients/:client`,
    { area },
    (ctx, call) => {
      const role = resolve(call, ctx);
      const client = call.realm.client(ctx.params.client);
      return ok(
        compositesOf(call.realm, role)
          .filter(r => r.containerId === client.id)
          .map(briefRole),
      );
    },
  );
  routes.add(
    'POST',
    `${prefix}/composites`,
    { area, write: true },
    (ctx, call) => {
      addComposites(call.realm, resolve(call, ctx), jsonBody(ctx));
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${prefix}/composites`,
    { area, write: true },
    (ctx, call) => {
      removeComposites(resolve(call, ctx), jsonBody(ctx));
      return noContent();
    },
  );
}

function usersWithRole(realm: RealmStore, role: RoleState): UserState[] {
  return Object.values(realm.state.users)
    .filter(u => u.roleIds.includes(role.id))
    .sort((a, b) => (a.username < b.username ? -1 : 1));
}

function groupsWithRole(realm: RealmStore, role: RoleState): GroupState[] {
  return Object.values(realm.state.groups)
    .filter(g => g.roleIds.includes(role.id))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Role CRUD for one container: `/roles` of the realm or `/clients/{id}/roles`. */
export function registerRoleContainer(
  routes: AdminRoutes,
  prefix: string,
  area: AdminArea,
  containerOf: (call: AdminCall, ctx: RequestContext) => Container,
): void {
  routes.add('GET', prefix, { area, list: true }, (ctx, call) => {
    const container = containerOf(call, ctx);
    return listRoles(ctx, call.realm.rolesOf(container.id));
  });
  routes.add('POST', prefix, { area, write: true }, (ctx, call) => {
    const container = containerOf(call, ctx);
    const body = jsonBody(ctx);
    const role = call.realm.createRole(
      container.id,
      container.clientRole,
      body,
    );
    if (body.composites && typeof body.composites === 'object') {
      const composites = body.composites as { realm?: string[] };
      addComposites(
        call.realm,
        role,
        (composites.realm ?? []).map(name => ({ name })),
      );
    }
    return created(locationOf(ctx, role.name));
  });
  const byName = (call: AdminCall, ctx: RequestContext) =>
    roleIn(call.realm, containerOf(call, ctx), ctx.params.roleName);
  registerRoleResource(routes, `${prefix}/:roleName`, area, byName);
  routes.add(
    'GET',
    `${prefix}/:roleName/users`,
    { area: 'users' },
    (ctx, call) => {
      const users = usersWithRole(call.realm, byName(call, ctx));
      const brief = boolParam(ctx, 'briefRepresentation', true);
      return ok(
        page(ctx, users, { defaultMax: 100 }).map(u => userRep(u, brief)),
      );
    },
  );
  routes.add(
    'GET',
    `${prefix}/:roleName/groups`,
    { area: 'users' },
    (ctx, call) => {
      const groups = groupsWithRole(call.realm, byName(call, ctx));
      const brief = boolParam(ctx, 'briefRepresentation', true);
      return ok(
        page(ctx, groups, { defaultMax: 100 }).map(g =>
          groupRep(call.realm, g, { full: !brief }),
        ),
      );
    },
  );
}

/** Realm roles and roles by id. */
export function registerRealmRoles(routes: AdminRoutes): void {
  registerRoleContainer(
    routes,
    '/admin/realms/:realm/roles',
    'roles',
    call => ({
      id: call.realm.state.id,
      clientRole: false,
    }),
  );
  registerRoleResource(
    routes,
    '/admin/realms/:realm/roles-by-id/:roleId',
    'roles',
    (call, ctx) => {
      const role = call.realm.role(ctx.params.roleId);
      if (!role) throw notFound('Could not find role with id');
      return role;
    },
  );
}

// ---------------------------------------------------------------- role mappings

/** Something roles are mapped to: a user or a group. */
interface Holder {
  roleIds: string[];
  /** Every role the holder ends up with, composites and inheritance included. */
  effective(): Set<string>;
}

/** The `{realmMappings, clientMappings}` shape of role and scope mappings. */
export function mappingsRep(realm: RealmStore, roleIds: string[]) {
  const realmMappings: Record<string, unknown>[] = [];
  const clientMappings: Record<
    string,
    { id: string; client: string; mappings: unknown[] }
  > = {};
  const roles = roleIds
    .map(id => realm.role(id))
    .filter((r): r is RoleState => Boolean(r))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const role of roles) {
    if (!role.clientRole) {
      realmMappings.push(briefRole(role));
      continue;
    }
    const client = realm.state.clients[role.containerId];
    if (!client) continue;
    const entry = (clientMappings[client.clientId] ??= {
      id: client.id,
      client: client.clientId,
      mappings: [],
    });
    entry.mappings.push(briefRole(role));
  }
  const out: Record<string, unknown> = {};
  if (realmMappings.length > 0) out.realmMappings = realmMappings;
  if (Object.keys(clientMappings).length > 0)
    out.clientMappings = clientMappings;
  return out;
}

/** Role-mapping routes for users and groups, realm and client level. */
export function registerRoleMappings(
  routes: AdminRoutes,
  prefix: string,
  area: AdminArea,
  holderOf: (call: AdminCall, ctx: RequestContext) => Holder,
): void {
  const base = `${prefix}/role-mappings`;
  const sorted = (roles: RoleState[]) =>
    [...roles].sort((a, b) => (a.name < b.name ? -1 : 1)).map(briefRole);
  const clientOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.client(ctx.params.client);
  const direct = (call: AdminCall, holder: Holder) =>
    holder.roleIds
      .map(id => call.realm.role(id))
      .filter((r): r is RoleState => Boolean(r));

  routes.add('GET', base, { area }, (ctx, call) =>
    ok(mappingsRep(call.realm, holderOf(call, ctx).roleIds)),
  );

  // Realm level.
  const isRealmRole = (call: AdminCall) => (r: RoleState) =>
    !r.clientRole && r.containerId === call.realm.state.id;
  routes.add('GET', `${base}/realm`, { area }, (ctx, call) =>
    ok(sorted(direct(call, holderOf(call, ctx)).filter(isRealmRole(call)))),
  );
  routes.add('GET', `${base}/realm/available`, { area }, (ctx, call) => {
    const holder = holderOf(call, ctx);
    return ok(
      sorted(
        call.realm
          .rolesOf(call.realm.state.id)
          .filter(r => !holder.roleIds.includes(r.id)),
      ),
    );
  });
  routes.add('GET', `${base}/realm/composite`, { area }, (ctx, call) => {
    const effective = holderOf(call, ctx).effective();
    return ok(
      sorted(
        [...effective]
          .map(id => call.realm.role(id))
          .filter((r): r is RoleState => Boolean(r))
          .filter(isRealmRole(call)),
      ),
    );
  });
  routes.add('POST', `${base}/realm`, { area, write: true }, (ctx, call) => {
    const holder = holderOf(call, ctx);
    for (const role of call.realm.resolveRoles(jsonBody(ctx))) {
      if (!holder.roleIds.includes(role.id)) holder.roleIds.push(role.id);
    }
    return noContent();
  });
  routes.add('DELETE', `${base}/realm`, { area, write: true }, (ctx, call) => {
    const holder = holderOf(call, ctx);
    const drop = new Set(call.realm.resolveRoles(jsonBody(ctx)).map(r => r.id));
    holder.roleIds.splice(
      0,
      holder.roleIds.length,
      ...holder.roleIds.filter(id => !drop.has(id)),
    );
    return noContent();
  });

  // Client level.
  routes.add('GET', `${base}/clients/:client`, { area }, (ctx, call) => {
    const client = clientOf(call, ctx);
    return ok(
      sorted(
        direct(call, holderOf(call, ctx)).filter(
          r => r.containerId === client.id,
        ),
      ),
    );
  });
  routes.add(
    'GET',
    `${base}/clients/:client/available`,
    { area },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const holder = holderOf(call, ctx);
      return ok(
        sorted(
          call.realm
            .rolesOf(client.id)
            .filter(r => !holder.roleIds.includes(r.id)),
        ),
      );
    },
  );
  routes.add(
    'GET',
    `${base}/clients/:client/composite`,
    { area },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const effective = holderOf(call, ctx).effective();
      return ok(
        sorted(
          [...effective]
            .map(id => call.realm.role(id))
            .filter(
              (r): r is RoleState => Boolean(r) && r!.containerId === client.id,
            ),
        ),
      );
    },
  );
  routes.add(
    'POST',
    `${base}/clients/:client`,
    { area, write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const holder = holderOf(call, ctx);
      for (const role of call.realm.resolveRoles(jsonBody(ctx), client.id)) {
        if (!holder.roleIds.includes(role.id)) holder.roleIds.push(role.id);
      }
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${base}/clients/:client`,
    { area, write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      const holder = holderOf(call, ctx);
      const drop = new Set(
        call.realm.resolveRoles(jsonBody(ctx), client.id).map(r => r.id),
      );
      holder.roleIds.splice(
        0,
        holder.roleIds.length,
        ...holder.roleIds.filter(id => !drop.has(id)),
      );
      return noContent();
    },
  );
}
