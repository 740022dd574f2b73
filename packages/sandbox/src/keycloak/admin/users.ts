import {
  boolParam,
  created,
  jsonBody,
  noContent,
  notFound,
  ok,
  type RequestContext,
} from '../http';
import type { UserState } from '../model';
import type { RealmStore } from '../realmStore';
import { groupRep, userRep } from '../representations';
import { parseSearchQuery } from './clients';
import { registerRoleMappings } from './roles';
import {
  locationOf,
  page,
  registerItemRoutes,
  type AdminCall,
  type AdminRoutes,
} from './types';

const R = '/admin/realms/:realm';

function fields(u: UserState): string[] {
  return [u.username, u.email, u.firstName, u.lastName].filter(
    (v): v is string => typeof v === 'string',
  );
}

/**
 * The `search` parameter's matcher. Since Keycloak 22 a plain term is a prefix search,
 * `*term*` is infix, `"term"` is exact, and `*` alone matches everyone; it looks at the
 * username, email, first and last name, case-insensitively.
 */
export function userSearchMatcher(search: string): (u: UserState) => boolean {
  const term = search.trim();
  if (term === '' || term === '*') return () => true;
  if (term.length >= 2 && term.startsWith('"') && term.endsWith('"')) {
    const exact = term.slice(1, -1).toLowerCase();
    return u => fields(u).some(f => f.toLowerCase() === exact);
  }
  const pattern = term.includes('*') ? term : `${term}*`;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return u => fields(u).some(f => regex.test(f));
}

/** Filters a user listing or count by the query parameters Keycloak supports. */
function filterUsers(ctx: RequestContext, realm: RealmStore): UserState[] {
  const search = ctx.query.get('search');
  const exact = boolParam(ctx, 'exact', false);
  let users = realm.users();
  if (search !== null) {
    users = users.filter(userSearchMatcher(search));
  } else {
    for (const key of ['username', 'email', 'firstName', 'lastName'] as const) {
      const value = ctx.query.get(key);
      if (value === null || value === '') continue;
      const wanted = value.toLowerCase();
      users = users.filter(u => {
        const actual = u[key]?.toLowerCase();
        if (actual === undefined) return false;
        return exact ? actual === wanted : actual.includes(wanted);
      });
    }
  }
  for (const key of ['enabled', 'emailVerified'] as const) {
    const value = ctx.query.get(key);
    if (value !== null && value !== '') {
      users = users.filter(u => u[key] === (value === 'true'));
    }
  }
  const q = ctx.query.get('q');
  if (q) {
    const wanted = parseSearchQuery(q);
    users = users.filter(u =>
      Object.entries(wanted).every(([k, v]) => u.attributes[k]?.includes(v)),
    );
  }
  return users;
}

/** Users, their groups, password and role mappings. */
export function registerUsers(routes: AdminRoutes): void {
  // Keycloak's default page size for users is 100.
  routes.add(
    'GET',
    `${R}/users`,
    { area: 'users', list: true },
    (ctx, call) => {
      const brief = boolParam(ctx, 'briefRepresentation', false);
      const users = page(ctx, filterUsers(ctx, call.realm), {
        defaultMax: 100,
      });
      return ok(users.map(u => userRep(u, brief)));
    },
  );
  // The user count is a bare number (the group count is an object).
  routes.add(
    'GET',
    `${R}/users/count`,
    { area: 'users', list: true },
    (ctx, call) => ok(filterUsers(ctx, call.realm).length),
  );
  routes.add(
    'POST',
    `${R}/users`,
    { area: 'users', write: true },
    (ctx, call) => {
      const user = call.realm.createUser(jsonBody(ctx));
      return created(locationOf(ctx, user.id));
    },
  );

  const userOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.user(ctx.params.id);
  registerItemRoutes(routes, `${R}/users/:id`, 'users', {
    of: userOf,
    rep: (_call, user) => userRep(user),
    update: (call, user, body) => call.realm.updateUser(user, body),
    remove: (call, user) => call.realm.deleteUser(user),
  });
  routes.add(
    'PUT',
    `${R}/users/:id/reset-password`,
    { area: 'users', write: true },
    (ctx, call) => {
      call.realm.setPassword(userOf(call, ctx), jsonBody(ctx));
      return noContent();
    },
  );

  const groupsOfUser = (ctx: RequestContext, call: AdminCall) => {
    const user = userOf(call, ctx);
    const search = ctx.query.get('search')?.toLowerCase();
    return user.groupIds
      .map(id => call.realm.state.groups[id])
      .filter(g => g && (!search || g.name.toLowerCase().includes(search)))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  };
  routes.add('GET', `${R}/users/:id/groups`, { area: 'users' }, (ctx, call) => {
    const full = !boolParam(ctx, 'briefRepresentation', true);
    const groups = page(ctx, groupsOfUser(ctx, call));
    return ok(
      groups.map(g => groupRep(call.realm, g, { full, access: false })),
    );
  });
  routes.add(
    'GET',
    `${R}/users/:id/groups/count`,
    { area: 'users' },
    (ctx, call) => ok({ count: groupsOfUser(ctx, call).length }),
  );
  const membership = (ctx: RequestContext, call: AdminCall) => {
    const user = userOf(call, ctx);
    const group = call.realm.state.groups[ctx.params.groupId];
    if (!group) throw notFound('Group not found');
    return { user, group };
  };
  routes.add(
    'PUT',
    `${R}/users/:id/groups/:groupId`,
    { area: 'users', write: true },
    (ctx, call) => {
      const { user, group } = membership(ctx, call);
      call.realm.joinGroup(user, group);
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${R}/users/:id/groups/:groupId`,
    { area: 'users', write: true },
    (ctx, call) => {
      const { user, group } = membership(ctx, call);
      call.realm.leaveGroup(user, group);
      return noContent();
    },
  );
  registerRoleMappings(routes, `${R}/users/:id`, 'users', (call, ctx) => {
    const user = userOf(call, ctx);
    return {
      roleIds: user.roleIds,
      effective: () => call.realm.effectiveUserRoles(user),
    };
  });
}
