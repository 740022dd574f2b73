import {
  jsonBody,
  noContent,
  notFound,
  ok,
  type RequestContext,
} from '../http';
import type { ClientScopeState, ClientState, RoleState } from '../model';
import { compareText, type RealmStore } from '../realmStore';
import { briefRole, mappingsRep } from './roles';
import type { AdminCall, AdminRoutes } from './types';

const R = '/admin/realms/:realm';

/** A client or a client scope, seen as a holder of scope mappings. */
export interface ScopeContainer {
  /** Direct scope mappings (role ids); created on first write. */
  ids(): string[];
  setIds(ids: string[]): void;
  /** Whether a role is in scope: directly, through a composite, or by Keycloak's rules. */
  hasScope(role: RoleState): boolean;
  /** Whether a role is mapped as it is (no full scope, no composites): what `available` leaves out. */
  hasDirectScope(role: RoleState): boolean;
}

const byName = (a: RoleState, b: RoleState) => compareText(a.name, b.name);

/**
 * Scope of a client, as Keycloak decides it: everything with full scope allowed, else
 * its scope mappings (expanded through composites) and its own roles.
 */
export function clientScopeContainer(
  realm: RealmStore,
  client: ClientState,
): ScopeContainer {
  return {
    ids: () => client.scopeRoleIds ?? [],
    setIds: ids => {
      client.scopeRoleIds = ids;
    },
    hasScope: role =>
      client.fullScopeAllowed ||
      role.containerId === client.id ||
      realm.expandRoles(client.scopeRoleIds ?? []).has(role.id),
    hasDirectScope: role =>
      role.containerId === client.id ||
      (client.scopeRoleIds ?? []).includes(role.id),
  };
}

/** Scope of a client scope: its scope mappings, expanded through composites. */
export function clientScopeScopeContainer(
  realm: RealmStore,
  scope: ClientScopeState,
): ScopeContainer {
  return {
    ids: () => scope.scopeRoleIds ?? [],
    setIds: ids => {
      scope.scopeRoleIds = ids;
    },
    hasScope: role => realm.expandRoles(scope.scopeRoleIds ?? []).has(role.id),
    hasDirectScope: role => (scope.scopeRoleIds ?? []).includes(role.id),
  };
}

function registerFor(
  routes: AdminRoutes,
  prefix: string,
  containerOf: (call: AdminCall, ctx: RequestContext) => ScopeContainer,
): void {
  const base = `${prefix}/scope-mappings`;
  const area = 'clients' as const;
  const direct = (call: AdminCall, c: ScopeContainer) =>
    c
      .ids()
      .map(id => call.realm.role(id))
      .filter((r): r is RoleState => Boolean(r));
  const add = (c: ScopeContainer, roles: RoleState[]) => {
    const ids = [...c.ids()];
    for (const role of roles) if (!ids.includes(role.id)) ids.push(role.id);
    c.setIds(ids);
  };
  const remove = (c: ScopeContainer, roles: RoleState[]) => {
    const drop = new Set(roles.map(r => r.id));
    c.setIds(c.ids().filter(id => !drop.has(id)));
  };

  routes.add('GET', base, { area }, (ctx, call) =>
    ok(mappingsRep(call.realm, containerOf(call, ctx).ids())),
  );

  // Realm roles.
  const realmRoles = (call: AdminCall) =>
    call.realm.rolesOf(call.realm.state.id);
  routes.add('GET', `${base}/realm`, { area }, (ctx, call) =>
    ok(
      direct(call, containerOf(call, ctx))
        .filter(r => !r.clientRole)
        .sort(byName)
        .map(briefRole),
    ),
  );
  routes.add('GET', `${base}/realm/available`, { area }, (ctx, call) => {
    const c = containerOf(call, ctx);
    return ok(
      realmRoles(call)
        .filter(r => !c.hasDirectScope(r))
        .map(briefRole),
    );
  });
  routes.add('GET', `${base}/realm/composite`, { area }, (ctx, call) => {
    const c = containerOf(call, ctx);
    return ok(realmRoles(call).filter(c.hasScope).map(briefRole));
  });
  routes.add('POST', `${base}/realm`, { area, write: true }, (ctx, call) => {
    const c = containerOf(call, ctx);
    add(c, call.realm.resolveRoles(jsonBody(ctx)));
    return noContent();
  });
  routes.add('DELETE', `${base}/realm`, { area, write: true }, (ctx, call) => {
    const c = containerOf(call, ctx);
    remove(c, call.realm.resolveRoles(jsonBody(ctx)));
    return noContent();
  });

  // Roles of one client.
  const scopedClient = (call: AdminCall, ctx: RequestContext) =>
    call.realm.client(ctx.params.client);
  routes.add('GET', `${base}/clients/:client`, { area }, (ctx, call) => {
    const c = containerOf(call, ctx);
    const client = scopedClient(call, ctx);
    return ok(
      direct(call, c)
        .filter(r => r.containerId === client.id)
        .sort(byName)
        .map(briefRole),
    );
  });
  routes.add(
    'GET',
    `${base}/clients/:client/available`,
    { area },
    (ctx, call) => {
      const c = containerOf(call, ctx);
      const client = scopedClient(call, ctx);
      return ok(
        call.realm
          .rolesOf(client.id)
          .filter(r => !c.hasDirectScope(r))
          .map(briefRole),
      );
    },
  );
  routes.add(
    'GET',
    `${base}/clients/:client/composite`,
    { area },
    (ctx, call) => {
      const c = containerOf(call, ctx);
      const client = scopedClient(call, ctx);
      return ok(
        call.realm.rolesOf(client.id).filter(c.hasScope).map(briefRole),
      );
    },
  );
  routes.add(
    'POST',
    `${base}/clients/:client`,
    { area, write: true },
    (ctx, call) => {
      const c = containerOf(call, ctx);
      const client = scopedClient(call, ctx);
      add(c, call.realm.resolveRoles(jsonBody(ctx), client.id));
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${base}/clients/:client`,
    { area, write: true },
    (ctx, call) => {
      const c = containerOf(call, ctx);
      const client = scopedClient(call, ctx);
      remove(c, call.realm.resolveRoles(jsonBody(ctx), client.id));
      return noContent();
    },
  );
}

/**
 * The roles a client's tokens may carry for a scope parameter: those its own scope
 * allows, plus those the applied client scopes map.
 */
function grantedRoles(
  call: AdminCall,
  client: ClientState,
  scopeParam: string | undefined,
): (role: RoleState) => boolean {
  const own = clientScopeContainer(call.realm, client);
  const { scopes } = call.env.tokens.appliedScopes(
    call.realm,
    client,
    scopeParam,
  );
  const viaScopes = call.realm.expandRoles(
    scopes.flatMap(s => s.scopeRoleIds ?? []),
  );
  return role => own.hasScope(role) || viaScopes.has(role.id);
}

/** Scope mappings of clients and client scopes, and the client's "evaluate" endpoints. */
export function registerScopeMappings(routes: AdminRoutes): void {
  registerFor(routes, `${R}/clients/:id`, (call, ctx) =>
    clientScopeContainer(call.realm, call.realm.client(ctx.params.id)),
  );
  registerFor(routes, `${R}/client-scopes/:scopeId`, (call, ctx) =>
    clientScopeScopeContainer(
      call.realm,
      call.realm.clientScope(ctx.params.scopeId),
    ),
  );

  const evaluate = `${R}/clients/:id/evaluate-scopes`;
  routes.add(
    'GET',
    `${evaluate}/scope-mappings/:container/:type`,
    { area: 'clients' },
    (ctx, call) => {
      const client = call.realm.client(ctx.params.id);
      const type = ctx.params.type;
      if (type !== 'granted' && type !== 'not-granted') {
        throw notFound('HTTP 404 Not Found');
      }
      // The container is the realm (by name) or a client (by id).
      const containerId =
        ctx.params.container === call.realm.name
          ? call.realm.state.id
          : call.realm.client(ctx.params.container).id;
      const granted = grantedRoles(call, client, ctx.query.get('scope') ?? '');
      return ok(
        call.realm
          .rolesOf(containerId)
          .filter(r => granted(r) === (type === 'granted'))
          .map(briefRole),
      );
    },
  );
  routes.add(
    'GET',
    `${evaluate}/protocol-mappers`,
    { area: 'clients' },
    (ctx, call) => {
      const client = call.realm.client(ctx.params.id);
      const { scopes } = call.env.tokens.appliedScopes(
        call.realm,
        client,
        ctx.query.get('scope') ?? '',
      );
      return ok([
        ...scopes.flatMap(s =>
          s.protocolMappers.map(m => ({
            mapperId: m.id,
            mapperName: m.name,
            containerId: s.id,
            containerName: s.name,
            containerType: 'client-scope',
            protocolMapper: m.protocolMapper,
          })),
        ),
        ...client.protocolMappers.map(m => ({
          mapperId: m.id,
          mapperName: m.name,
          containerId: client.id,
          containerName: client.clientId,
          containerType: 'client',
          protocolMapper: m.protocolMapper,
        })),
      ]);
    },
  );
  for (const [path, kind] of [
    ['generate-example-access-token', 'access'],
    ['generate-example-id-token', 'id'],
    ['generate-example-userinfo', 'userinfo'],
  ] as const) {
    routes.add(
      'GET',
      `${evaluate}/${path}`,
      { area: 'clients' },
      (ctx, call) => {
        const client = call.realm.client(ctx.params.id);
        const userId = ctx.query.get('userId');
        const user = userId ? call.realm.state.users[userId] : undefined;
        if (!user) throw notFound('No user found');
        return ok(
          call.env.tokens.example(
            {
              realm: call.realm,
              client,
              user,
              scope: ctx.query.get('scope') ?? '',
              serviceAccount: false,
            },
            ctx.baseUrl,
            kind,
          ),
        );
      },
    );
  }
}
