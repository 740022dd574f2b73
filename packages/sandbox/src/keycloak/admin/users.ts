import {
  boolParam,
  conflict,
  created,
  jsonBody,
  noContent,
  notFound,
  ok,
  type RequestContext,
} from '../http';
import { randomUUID } from 'node:crypto';
import {
  setUserProfile,
  userProfileMetadata,
  userProfileOf,
} from './userProfile';
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

const BUILT_IN = ['username', 'email', 'firstName', 'lastName'] as const;

/**
 * One `q=key:value` term. The built-in fields are searched like their own query
 * parameters (case-insensitive substring); other attributes match a whole value,
 * case-insensitively.
 */
export function attributeMatches(
  user: UserState,
  key: string,
  value: string,
): boolean {
  const wanted = value.toLowerCase();
  if ((BUILT_IN as readonly string[]).includes(key)) {
    const actual = user[key as (typeof BUILT_IN)[number]];
    return actual !== undefined && actual.toLowerCase().includes(wanted);
  }
  return (user.attributes[key] ?? []).some(v => v.toLowerCase() === wanted);
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
      Object.entries(wanted).every(([k, v]) => attributeMatches(u, k, v)),
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

  // The realm's declarative user profile: any admin role reads it (the user forms need
  // it), only manage-realm changes it.
  routes.add('GET', `${R}/users/profile`, { area: 'any' }, (_ctx, call) =>
    ok(userProfileOf(call.realm)),
  );
  routes.add(
    'PUT',
    `${R}/users/profile`,
    { area: 'realm', write: true },
    (ctx, call) => ok(setUserProfile(call.realm, jsonBody(ctx))),
  );
  routes.add(
    'GET',
    `${R}/users/profile/metadata`,
    { area: 'users' },
    (_ctx, call) => ok(userProfileMetadata(call.realm)),
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
  registerCredentials(routes, userOf);
  registerSessions(routes, userOf);

  registerRoleMappings(routes, `${R}/users/:id`, 'users', (call, ctx) => {
    const user = userOf(call, ctx);
    return {
      roleIds: user.roleIds,
      effective: () => call.realm.effectiveUserRoles(user),
    };
  });
}

type UserOf = (call: AdminCall, ctx: RequestContext) => UserState;

/** The password credential (the only kind the simulator stores) and its label. */
function registerCredentials(routes: AdminRoutes, userOf: UserOf): void {
  const credentialOf = (user: UserState) => {
    if (!user.passwordHash) return undefined;
    // Users seeded or restored from an older snapshot get their credential id on first read.
    user.passwordCredential ??= {
      id: randomUUID(),
      createdDate: user.createdTimestamp,
    };
    return user.passwordCredential;
  };
  routes.add(
    'GET',
    `${R}/users/:id/credentials`,
    { area: 'users' },
    (ctx, call) => {
      const credential = credentialOf(userOf(call, ctx));
      if (!credential) return ok([]);
      return ok([
        {
          id: credential.id,
          type: 'password',
          ...(credential.userLabel ? { userLabel: credential.userLabel } : {}),
          createdDate: credential.createdDate,
          credentialData:
            '{"hashIterations":5,"algorithm":"argon2","additionalParameters":{}}',
        },
      ]);
    },
  );
  const existing = (ctx: RequestContext, call: AdminCall) => {
    const user = userOf(call, ctx);
    const credential = credentialOf(user);
    if (!credential || credential.id !== ctx.params.credentialId) {
      throw notFound('Credential not found');
    }
    return { user, credential };
  };
  routes.add(
    'DELETE',
    `${R}/users/:id/credentials/:credentialId`,
    { area: 'users', write: true },
    (ctx, call) => {
      const { user } = existing(ctx, call);
      user.passwordHash = undefined;
      user.passwordCredential = undefined;
      return noContent();
    },
  );
  routes.add(
    'PUT',
    `${R}/users/:id/credentials/:credentialId/userLabel`,
    { area: 'users', write: true },
    (ctx, call) => {
      const { credential } = existing(ctx, call);
      const label = ctx.rawBody.toString('utf8').trim();
      credential.userLabel = label === '' ? undefined : label;
      return noContent();
    },
  );
  routes.add(
    'GET',
    `${R}/users/:id/configured-user-storage-credential-types`,
    { area: 'users' },
    (ctx, call) => {
      userOf(call, ctx);
      // Only a federated user's provider can hold credentials; the simulated ones hold none.
      return ok([]);
    },
  );
}

/**
 * Sessions, consents, impersonation and identity-provider links. The simulator keeps no
 * server-side sessions and grants no consents, so the listings are empty in the shapes
 * Keycloak answers, and the writes check what Keycloak checks.
 */
function registerSessions(routes: AdminRoutes, userOf: UserOf): void {
  routes.add(
    'GET',
    `${R}/users/:id/sessions`,
    { area: 'users' },
    (ctx, call) => {
      userOf(call, ctx);
      return ok([]);
    },
  );
  routes.add(
    'GET',
    `${R}/users/:id/offline-sessions/:clientId`,
    { area: 'users' },
    (ctx, call) => {
      userOf(call, ctx);
      if (!call.realm.state.clients[ctx.params.clientId]) {
        throw notFound('Client not found');
      }
      return ok([]);
    },
  );
  routes.add(
    'POST',
    `${R}/users/:id/logout`,
    { area: 'users', write: true },
    (ctx, call) => {
      userOf(call, ctx);
      return noContent();
    },
  );
  routes.add(
    'GET',
    `${R}/users/:id/consents`,
    { area: 'users' },
    (ctx, call) => {
      userOf(call, ctx);
      return ok([]);
    },
  );
  routes.add(
    'DELETE',
    `${R}/users/:id/consents/:clientId`,
    { area: 'users', write: true },
    (ctx, call) => {
      userOf(call, ctx);
      // The path names the client by its clientId here, not by its id.
      if (!call.realm.clientByClientId(ctx.params.clientId)) {
        throw notFound('Client not found');
      }
      throw notFound('Consent nor offline token not found');
    },
  );
  routes.add(
    'POST',
    `${R}/users/:id/impersonation`,
    { area: 'users', write: true },
    (ctx, call) => {
      userOf(call, ctx);
      const sameRealm = call.caller.realm === call.realm;
      return ok({
        ...(sameRealm ? { sameRealm: true } : {}),
        redirect: `${ctx.baseUrl}/realms/${encodeURIComponent(
          call.realm.name,
        )}/account`,
      });
    },
  );

  // Links are stored whatever the alias; the listing shows those of existing providers.
  const providers = (call: AdminCall) => {
    const list = call.realm.state.settings.identityProviders;
    return new Set(
      (Array.isArray(list) ? list : [])
        .map(p => (p as Record<string, unknown> | null)?.alias)
        .filter((a): a is string => typeof a === 'string'),
    );
  };
  routes.add(
    'GET',
    `${R}/users/:id/federated-identity`,
    { area: 'users' },
    (ctx, call) => {
      const user = userOf(call, ctx);
      const known = providers(call);
      return ok(
        (user.federatedIdentities ?? [])
          .filter(l => known.has(l.identityProvider))
          .map(l => ({ ...l })),
      );
    },
  );
  routes.add(
    'POST',
    `${R}/users/:id/federated-identity/:provider`,
    { area: 'users', write: true },
    (ctx, call) => {
      const user = userOf(call, ctx);
      const body = jsonBody(ctx);
      const provider = ctx.params.provider;
      const links = (user.federatedIdentities ??= []);
      if (links.some(l => l.identityProvider === provider)) {
        throw conflict('User is already linked with provider');
      }
      links.push({
        identityProvider: provider,
        userId: typeof body.userId === 'string' ? body.userId : '',
        userName: typeof body.userName === 'string' ? body.userName : '',
      });
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${R}/users/:id/federated-identity/:provider`,
    { area: 'users', write: true },
    (ctx, call) => {
      const user = userOf(call, ctx);
      const links = user.federatedIdentities ?? [];
      const kept = links.filter(
        l => l.identityProvider !== ctx.params.provider,
      );
      if (kept.length === links.length) throw notFound('Link not found');
      user.federatedIdentities = kept;
      return noContent();
    },
  );
}
