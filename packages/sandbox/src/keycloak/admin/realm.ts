import {
  badRequest,
  conflict,
  created,
  forbidden,
  jsonBody,
  noContent,
  notFound,
  ok,
  type RequestContext,
} from '../http';
import type { ComponentState } from '../model';
import type { RealmStore } from '../realmStore';
import { componentRep, realmRep } from '../representations';
import {
  defaultLdapMappers,
  LDAP_MAPPER,
  syncLdapGroups,
  syncLdapUsers,
  testLdapConnection,
  USER_STORAGE,
  type SynchronizationResult,
} from '../ldap';
import { registerRealmRoles } from './roles';
import {
  locationOf,
  registerItemRoutes,
  type AdminCall,
  type AdminRoutes,
} from './types';

const R = '/admin/realms/:realm';

function statusText(
  r: Omit<SynchronizationResult, 'status' | 'ignored'>,
): string {
  let status = `${r.added} imported users, ${r.updated} updated users`;
  if (r.removed > 0) status += `, ${r.removed} removed users`;
  if (r.failed > 0)
    status += `, ${r.failed} users failed sync! See server log for more details`;
  return status;
}

interface DirectoryUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  attributes?: Record<string, string[]>;
  groups?: string[];
}

/**
 * The users a simulated directory holds: the JSON list in the component's
 * `sandbox.users` config value. A component without it is an empty directory.
 */
function directoryUsers(component: ComponentState): DirectoryUser[] {
  const raw = component.config['sandbox.users']?.[0];
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw);
    return Array.isArray(parsed)
      ? parsed.filter(u => u && typeof u.username === 'string')
      : [];
  } catch {
    return [];
  }
}

/**
 * Imports the directory's users into the realm, linked to the component. A full sync
 * counts every linked user it sees as updated; a changed-users sync only those whose
 * fields differ. A local user with the same username is a failure, as Keycloak reports it.
 */
export function syncUserStorage(
  realm: RealmStore,
  component: ComponentState,
  full: boolean,
): SynchronizationResult {
  const counts = { added: 0, updated: 0, removed: 0, failed: 0 };
  for (const entry of directoryUsers(component)) {
    const existing = realm.userByUsername(entry.username);
    try {
      if (!existing) {
        const user = realm.createUser({
          username: entry.username,
          email: entry.email,
          firstName: entry.firstName,
          lastName: entry.lastName,
          attributes: entry.attributes,
          enabled: true,
          federationLink: component.id,
        });
        for (const path of entry.groups ?? []) {
          const group = realm.groupByPath(path);
          if (group) realm.joinGroup(user, group);
        }
        counts.added += 1;
        continue;
      }
      if (existing.federationLink !== component.id) {
        counts.failed += 1;
        continue;
      }
      const changed =
        (entry.email?.toLowerCase() ?? undefined) !== existing.email ||
        entry.firstName !== existing.firstName ||
        entry.lastName !== existing.lastName;
      if (changed) {
        realm.updateUser(existing, {
          email: entry.email ?? '',
          firstName: entry.firstName ?? '',
          lastName: entry.lastName ?? '',
        });
      }
      if (full || changed) counts.updated += 1;
    } catch {
      counts.failed += 1;
    }
  }
  return { ignored: false, ...counts, status: statusText(counts) };
}

/** Realms, realm roles, components and user-storage actions, server info. */
export function registerRealmRoutes(routes: AdminRoutes): void {
  routes.add(
    'GET',
    '/admin/realms',
    { area: 'any', realmless: true },
    (ctx, call) => {
      const brief = ctx.query.get('briefRepresentation') === 'true';
      const visible = [...call.env.realms.values()].filter(
        realm =>
          call.env.isSuperAdmin(call.caller) ||
          call.env.hasAnyAdminRole(call.caller, realm),
      );
      if (visible.length === 0) throw forbidden();
      return ok(
        visible.map(r => realmRep(r, call.env.tokenLifetimeSeconds(), brief)),
      );
    },
  );
  routes.add(
    'POST',
    '/admin/realms',
    { area: 'any', realmless: true, write: true },
    (ctx, call) => {
      const master = call.env.realms.get('master');
      const canCreate =
        call.env.isSuperAdmin(call.caller) ||
        (call.caller.realm === master &&
          [...call.caller.realm.effectiveUserRoles(call.caller.user)].some(
            id => call.caller.realm.role(id)?.name === 'create-realm',
          ));
      if (!canCreate) throw forbidden();
      const body = jsonBody(ctx);
      if (typeof body.realm !== 'string' || body.realm.trim() === '') {
        throw badRequest('Realm name cannot be empty');
      }
      if (call.env.realms.has(body.realm)) {
        throw conflict('Conflict detected. See logs for details');
      }
      const realm = call.env.createRealm(body);
      return created(locationOf(ctx, realm.name));
    },
  );
  routes.add('GET', '/admin/serverinfo', { area: 'any', realmless: true }, () =>
    ok({
      systemInfo: { version: '26.7.1', serverTime: new Date().toISOString() },
      profileInfo: {
        name: 'community',
        disabledFeatures: [],
        experimentalFeatures: [],
      },
    }),
  );

  routes.add('GET', R, { area: 'any' }, (_ctx, call) =>
    ok(realmRep(call.realm, call.env.tokenLifetimeSeconds())),
  );
  routes.add('PUT', R, { area: 'realm', write: true }, (ctx, call) => {
    const body = jsonBody(ctx);
    if (typeof body.realm === 'string' && body.realm !== call.realm.name) {
      if (call.env.realms.has(body.realm)) {
        throw conflict('Conflict detected. See logs for details');
      }
      call.env.renameRealm(call.realm, body.realm);
    }
    call.realm.applyRealmSettings(body);
    return noContent();
  });
  routes.add('DELETE', R, { area: 'realm', write: true }, (_ctx, call) => {
    if (call.realm.name === 'master')
      throw badRequest('Master realm cannot be removed');
    call.env.deleteRealm(call.realm);
    return noContent();
  });

  registerRealmRoles(routes);

  // Components (user federation among them).
  routes.add(
    'GET',
    `${R}/components`,
    { area: 'realm', list: true },
    (ctx, call) => {
      const parent = ctx.query.get('parent');
      const type = ctx.query.get('type');
      const name = ctx.query.get('name');
      const out = Object.values(call.realm.state.components).filter(
        c =>
          (!parent || c.parentId === parent) &&
          (!type || c.providerType === type) &&
          (!name || c.name === name),
      );
      return ok(out.map(componentRep));
    },
  );
  routes.add(
    'POST',
    `${R}/components`,
    { area: 'realm', write: true },
    (ctx, call) => {
      const component = call.realm.createComponent(jsonBody(ctx));
      // Keycloak gives a new LDAP provider its attribute mappers.
      if (
        component.providerId === 'ldap' &&
        component.providerType === USER_STORAGE
      ) {
        for (const mapper of defaultLdapMappers(component)) {
          call.realm.createComponent(mapper);
        }
      }
      return created(locationOf(ctx, component.id));
    },
  );
  const componentOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.component(ctx.params.id);
  registerItemRoutes(routes, `${R}/components/:id`, 'realm', {
    of: componentOf,
    rep: (_call, component) => componentRep(component),
    update: (call, component, body) =>
      call.realm.updateComponent(component, body),
    remove: (call, component) => call.realm.deleteComponent(component),
  });

  const storageOf = (call: AdminCall, ctx: RequestContext) => {
    const component = call.realm.component(ctx.params.id);
    if (component.providerType !== USER_STORAGE) {
      throw notFound('found, but not a UserStorageProvider');
    }
    return component;
  };
  routes.add(
    'POST',
    `${R}/user-storage/:id/sync`,
    { area: 'realm', write: true },
    async (ctx, call) => {
      const component = storageOf(call, ctx);
      const action = ctx.query.get('action');
      if (
        action !== 'triggerFullSync' &&
        action !== 'triggerChangedUsersSync'
      ) {
        throw notFound(`Unknown action: ${action}`);
      }
      const full = action === 'triggerFullSync';
      return ok(
        // A provider with a directory URL syncs from it; a `sandbox.users` list stands
        // in for a directory otherwise.
        component.providerId === 'ldap' && component.config.connectionUrl?.[0]
          ? await syncLdapUsers(call.realm, component, full)
          : syncUserStorage(call.realm, component, full),
      );
    },
  );
  routes.add(
    'POST',
    `${R}/user-storage/:parentId/mappers/:id/sync`,
    { area: 'realm', write: true },
    async (ctx, call) => {
      const provider = call.realm.component(ctx.params.parentId);
      const mapper = call.realm.component(ctx.params.id);
      if (
        provider.providerType !== USER_STORAGE ||
        mapper.parentId !== provider.id ||
        mapper.providerType !== LDAP_MAPPER
      ) {
        throw notFound('Could not find component');
      }
      const direction = ctx.query.get('direction') ?? 'fedToKeycloak';
      if (
        direction !== 'fedToKeycloak' ||
        mapper.providerId !== 'group-ldap-mapper'
      ) {
        // Only group import is simulated; Keycloak ignores directions a mapper lacks.
        return ok({
          ignored: true,
          added: 0,
          updated: 0,
          removed: 0,
          failed: 0,
          status: 'Ignored',
        });
      }
      return ok(await syncLdapGroups(call.realm, provider, mapper));
    },
  );
  routes.add(
    'POST',
    `${R}/testLDAPConnection`,
    { area: 'realm', write: true },
    async (ctx, call) => {
      await testLdapConnection(call.realm, jsonBody(ctx));
      return noContent();
    },
  );
  routes.add(
    'GET',
    `${R}/user-storage/:id/name`,
    { area: 'realm' },
    (ctx, call) => {
      const component = storageOf(call, ctx);
      return ok({ id: component.id, name: component.name });
    },
  );
  routes.add(
    'POST',
    `${R}/user-storage/:id/remove-imported-users`,
    { area: 'realm', write: true },
    (ctx, call) => {
      const component = storageOf(call, ctx);
      for (const user of Object.values(call.realm.state.users)) {
        if (user.federationLink === component.id) call.realm.deleteUser(user);
      }
      return noContent();
    },
  );
  routes.add(
    'POST',
    `${R}/user-storage/:id/unlink-users`,
    { area: 'realm', write: true },
    (ctx, call) => {
      const component = storageOf(call, ctx);
      for (const user of Object.values(call.realm.state.users)) {
        if (user.federationLink === component.id)
          user.federationLink = undefined;
      }
      return noContent();
    },
  );
}
