import {
  badRequest,
  boolParam,
  created,
  errorMessage,
  intParam,
  jsonBody,
  noContent,
  notFound,
  ok,
  paginate,
  type RequestContext,
} from '../http';
import type { ClientScopeState, ClientState, MapperState } from '../model';
import { newSecret, type RealmStore } from '../realmStore';
import {
  clientRep,
  clientScopeRep,
  mapperRep,
  scopeRefRep,
  userRep,
} from '../representations';
import { registerRoleContainer } from './roles';
import {
  locationOf,
  registerItemRoutes,
  type AdminCall,
  type AdminRoutes,
} from './types';

const R = '/admin/realms/:realm';

/** `q=key:value key2:value2`, Keycloak's attribute search syntax. */
export function parseSearchQuery(q: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of q.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const idx = part.indexOf(':');
    if (idx <= 0) continue;
    out[part.slice(0, idx)] = part.slice(idx + 1).replace(/^"|"$/g, '');
  }
  return out;
}

/**
 * `GET /clients`: `clientId` is an exact match unless `search=true`, which makes it a
 * case-insensitive substring. There is no default page size: Keycloak returns every
 * client unless `first` / `max` are given.
 */
function listClients(ctx: RequestContext, realm: RealmStore) {
  const clientId = ctx.query.get('clientId');
  const search = boolParam(ctx, 'search', false);
  const q = ctx.query.get('q');
  const first = intParam(ctx, 'first');
  const max = intParam(ctx, 'max');
  let clients: ClientState[];
  if (clientId && clientId.trim() !== '') {
    if (search) {
      const needle = clientId.toLowerCase();
      clients = realm
        .clients()
        .filter(c => c.clientId.toLowerCase().includes(needle));
      clients = paginate(clients, first, max);
    } else {
      // The exact lookup is an index hit and ignores paging, as Keycloak's does.
      const found = realm.clientByClientId(clientId);
      clients = found ? [found] : [];
    }
  } else if (q) {
    const wanted = parseSearchQuery(q);
    clients = realm
      .clients()
      .filter(c =>
        Object.entries(wanted).every(([k, v]) => c.attributes[k] === v),
      );
    clients = paginate(clients, first, max);
  } else {
    clients = paginate(realm.clients(), first, max);
  }
  return ok(clients.map(c => clientRep(realm, c)));
}

type MapperContainer = { protocolMappers: MapperState[] };

function registerMappers(
  routes: AdminRoutes,
  prefix: string,
  containerOf: (call: AdminCall, ctx: RequestContext) => MapperContainer,
): void {
  const base = `${prefix}/protocol-mappers`;
  routes.add('GET', `${base}/models`, { area: 'clients' }, (ctx, call) =>
    ok(containerOf(call, ctx).protocolMappers.map(mapperRep)),
  );
  routes.add(
    'POST',
    `${base}/models`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const mapper = call.realm.addMapper(
        containerOf(call, ctx),
        jsonBody(ctx),
      );
      return created(locationOf(ctx, mapper.id));
    },
  );
  routes.add(
    'POST',
    `${base}/add-models`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const container = containerOf(call, ctx);
      const body = jsonBody<unknown[]>(ctx);
      if (!Array.isArray(body))
        throw badRequest('Expected a list of protocol mappers');
      for (const rep of body)
        call.realm.addMapper(container, rep as Record<string, unknown>);
      return noContent();
    },
  );
  routes.add(
    'GET',
    `${base}/models/:mapperId`,
    { area: 'clients' },
    (ctx, call) =>
      ok(
        mapperRep(
          call.realm.mapper(containerOf(call, ctx), ctx.params.mapperId),
        ),
      ),
  );
  routes.add(
    'PUT',
    `${base}/models/:mapperId`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const container = containerOf(call, ctx);
      const mapper = call.realm.mapper(container, ctx.params.mapperId);
      call.realm.updateMapper(container, mapper, jsonBody(ctx));
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${base}/models/:mapperId`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const container = containerOf(call, ctx);
      call.realm.deleteMapper(
        container,
        call.realm.mapper(container, ctx.params.mapperId),
      );
      return noContent();
    },
  );
  routes.add(
    'GET',
    `${base}/protocol/:protocol`,
    { area: 'clients' },
    (ctx, call) =>
      ok(
        containerOf(call, ctx)
          .protocolMappers.filter(m => m.protocol === ctx.params.protocol)
          .map(mapperRep),
      ),
  );
}

/** Attach / detach routes for a list of client-scope ids (a client's or the realm's). */
function registerScopeAttachments(
  routes: AdminRoutes,
  path: string,
  listOf: (
    call: AdminCall,
    ctx: RequestContext,
  ) => {
    get: () => string[];
    set: (ids: string[]) => void;
    other?: () => { get: () => string[]; set: (ids: string[]) => void };
  },
  area: 'clients' | 'realm',
): void {
  routes.add('GET', path, { area }, (ctx, call) =>
    ok(
      listOf(call, ctx)
        .get()
        .map(id => call.realm.state.clientScopes[id])
        .filter((s): s is ClientScopeState => Boolean(s))
        .map(scopeRefRep),
    ),
  );
  routes.add('PUT', `${path}/:scopeId`, { area, write: true }, (ctx, call) => {
    const scope = call.realm.clientScope(ctx.params.scopeId);
    const list = listOf(call, ctx);
    // A scope is either default or optional for one owner; attaching moves it.
    const other = list.other?.();
    if (other) other.set(other.get().filter(id => id !== scope.id));
    if (!list.get().includes(scope.id)) list.set([...list.get(), scope.id]);
    return noContent();
  });
  routes.add(
    'DELETE',
    `${path}/:scopeId`,
    { area, write: true },
    (ctx, call) => {
      const scope = call.realm.clientScope(ctx.params.scopeId);
      const list = listOf(call, ctx);
      list.set(list.get().filter(id => id !== scope.id));
      return noContent();
    },
  );
}

/** Clients, their secrets, roles, mappers and scopes; client scopes; realm default scopes. */
export function registerClients(routes: AdminRoutes): void {
  routes.add(
    'GET',
    `${R}/clients`,
    { area: 'clients', list: true },
    (ctx, call) => listClients(ctx, call.realm),
  );
  routes.add(
    'POST',
    `${R}/clients`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = call.realm.createClient(jsonBody(ctx));
      return created(locationOf(ctx, client.id));
    },
  );
  const clientOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.client(ctx.params.id);
  registerItemRoutes(routes, `${R}/clients/:id`, 'clients', {
    of: clientOf,
    rep: (call, client) => clientRep(call.realm, client),
    update: (call, client, body) => call.realm.updateClient(client, body),
    remove: (call, client) => call.realm.deleteClient(client),
  });

  routes.add(
    'GET',
    `${R}/clients/:id/client-secret`,
    { area: 'clients' },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      return ok(
        client.secret && !client.publicClient
          ? { type: 'secret', value: client.secret }
          : { type: 'secret' },
      );
    },
  );
  routes.add(
    'POST',
    `${R}/clients/:id/client-secret`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      client.secret = newSecret();
      return ok({ type: 'secret', value: client.secret });
    },
  );
  routes.add(
    'GET',
    `${R}/clients/:id/client-secret/rotated`,
    { area: 'clients' },
    () => {
      // Secret rotation is a disabled preview feature on a default server.
      throw notFound('There is no rotated secret for the client');
    },
  );
  routes.add(
    'GET',
    `${R}/clients/:id/service-account-user`,
    { area: 'clients' },
    (ctx, call) => {
      const client = clientOf(call, ctx);
      if (!client.serviceAccountsEnabled) {
        throw errorMessage(
          400,
          `Service account not enabled for the client '${client.clientId}'`,
        );
      }
      call.realm.enableServiceAccount(client);
      return ok(userRep(call.realm.user(client.serviceAccountUserId!)));
    },
  );

  registerRoleContainer(
    routes,
    `${R}/clients/:id/roles`,
    'clients',
    (call, ctx) => ({
      id: clientOf(call, ctx).id,
      clientRole: true,
    }),
  );
  registerMappers(routes, `${R}/clients/:id`, clientOf);

  for (const kind of ['default', 'optional'] as const) {
    const key =
      kind === 'default' ? 'defaultClientScopes' : 'optionalClientScopes';
    const otherKey =
      kind === 'default' ? 'optionalClientScopes' : 'defaultClientScopes';
    registerScopeAttachments(
      routes,
      `${R}/clients/:id/${kind}-client-scopes`,
      (call, ctx) => {
        const client = clientOf(call, ctx);
        return {
          get: () => client[key],
          set: ids => {
            client[key] = ids;
          },
          other: () => ({
            get: () => client[otherKey],
            set: ids => {
              client[otherKey] = ids;
            },
          }),
        };
      },
      'clients',
    );
  }

  // Client scopes.
  routes.add(
    'GET',
    `${R}/client-scopes`,
    { area: 'clients', list: true },
    (_ctx, call) => ok(call.realm.clientScopes().map(clientScopeRep)),
  );
  routes.add(
    'POST',
    `${R}/client-scopes`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const body = jsonBody(ctx);
      if (typeof body.name === 'string' && /\s/.test(body.name)) {
        throw badRequest(`Unexpected name "${body.name}" for ClientScope`);
      }
      const scope = call.realm.createClientScope(body);
      return created(locationOf(ctx, scope.id));
    },
  );
  const scopeOf = (call: AdminCall, ctx: RequestContext) =>
    call.realm.clientScope(ctx.params.scopeId);
  routes.add(
    'GET',
    `${R}/client-scopes/:scopeId`,
    { area: 'clients' },
    (ctx, call) => ok(clientScopeRep(scopeOf(call, ctx))),
  );
  routes.add(
    'PUT',
    `${R}/client-scopes/:scopeId`,
    { area: 'clients', write: true },
    (ctx, call) => {
      call.realm.updateClientScope(scopeOf(call, ctx), jsonBody(ctx));
      return noContent();
    },
  );
  routes.add(
    'DELETE',
    `${R}/client-scopes/:scopeId`,
    { area: 'clients', write: true },
    (ctx, call) => {
      call.realm.deleteClientScope(scopeOf(call, ctx));
      return noContent();
    },
  );
  registerMappers(routes, `${R}/client-scopes/:scopeId`, scopeOf);

  // Realm default client scopes.
  for (const kind of ['default', 'optional'] as const) {
    const key =
      kind === 'default'
        ? 'defaultDefaultClientScopes'
        : 'defaultOptionalClientScopes';
    const otherKey =
      kind === 'default'
        ? 'defaultOptionalClientScopes'
        : 'defaultDefaultClientScopes';
    registerScopeAttachments(
      routes,
      `${R}/default-${kind}-client-scopes`,
      call => ({
        get: () => call.realm.state[key],
        set: ids => {
          call.realm.state[key] = ids;
        },
        other: () => ({
          get: () => call.realm.state[otherKey],
          set: ids => {
            call.realm.state[otherKey] = ids;
          },
        }),
      }),
      'realm',
    );
  }
}
