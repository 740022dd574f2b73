import { boolParam, ok } from '../http';
import type { GroupState } from '../model';
import type { RealmStore } from '../realmStore';
import { clientRep, groupRep, realmRep, roleRep } from '../representations';
import type { AdminRoutes } from './types';

type Json = Record<string, unknown>;

/** What Keycloak answers in place of a secret in an export. */
const MASKED = '**********';

/** A group with every descendant nested, each with its realm and client roles. */
function groupTree(realm: RealmStore, group: GroupState): Json {
  return groupRep(realm, group, {
    full: true,
    access: false,
    subGroups: realm.childGroups(group.id).map(g => groupTree(realm, g)),
  });
}

/**
 * `POST /admin/realms/{realm}/partial-export`: the realm's settings and, when asked,
 * its groups (whole hierarchy, with their role mappings) and roles, and its clients with
 * their secrets masked. A read despite the method: Keycloak asks for `view-realm` (and
 * the group and client reads its switches imply), never a `manage-*` role.
 */
export function registerPartialExport(routes: AdminRoutes): void {
  routes.add(
    'POST',
    '/admin/realms/:realm/partial-export',
    { area: 'realm', write: false },
    (ctx, call) => {
      const realm = call.realm;
      const groupsAndRoles = boolParam(ctx, 'exportGroupsAndRoles', false);
      const withClients = boolParam(ctx, 'exportClients', false);
      const rep: Json = realmRep(realm, call.env.tokenLifetimeSeconds());
      if (groupsAndRoles) {
        rep.groups = realm.childGroups().map(g => groupTree(realm, g));
        const clientRoles: Record<string, Json[]> = {};
        for (const client of realm.clients()) {
          const roles = realm.rolesOf(client.id).map(roleRep);
          if (roles.length > 0) clientRoles[client.clientId] = roles;
        }
        rep.roles = {
          realm: realm.rolesOf(realm.state.id).map(roleRep),
          client: clientRoles,
        };
      }
      if (withClients) {
        rep.clients = realm.clients().map(c => {
          const client = clientRep(realm, c);
          if (client.secret !== undefined) client.secret = MASKED;
          delete client.access;
          return client;
        });
      }
      return ok(rep);
    },
  );
}
