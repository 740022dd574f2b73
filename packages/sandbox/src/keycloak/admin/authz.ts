import { randomUUID } from 'node:crypto';
import {
  badRequest,
  conflict,
  errorProse,
  jsonBody,
  noContent,
  notFound,
  ok,
  type Reply,
  type RequestContext,
} from '../http';
import type {
  AuthzPolicyState,
  AuthzResourceState,
  AuthzScopeState,
  AuthzState,
  ClientState,
} from '../model';
import { compareText, multiMap } from '../realmStore';
import { page, type AdminCall, type AdminRoutes } from './types';

const RS = '/admin/realms/:realm/clients/:id/authz/resource-server';

type Json = Record<string, unknown>;

/** The policy types a default server offers, as `/policy/providers` lists them. */
const POLICY_PROVIDERS = [
  { type: 'aggregate', name: 'Aggregated', group: 'Others' },
  { type: 'client', name: 'Client', group: 'Identity Based' },
  { type: 'client-scope', name: 'Client Scope', group: 'Identity Based' },
  { type: 'group', name: 'Group', group: 'Identity Based' },
  { type: 'regex', name: 'Regex', group: 'Attribute Based' },
  { type: 'role', name: 'Role', group: 'Identity Based' },
  { type: 'time', name: 'Time', group: 'Time Based' },
  { type: 'user', name: 'User', group: 'Identity Based' },
  { type: 'resource', name: 'Resource', group: 'Others' },
  { type: 'scope', name: 'Scope', group: 'Others' },
];
const PERMISSION_TYPES = new Set(['resource', 'scope']);
/** Fields every policy shares; the rest of a body is the type's own settings. */
const COMMON = new Set([
  'id',
  'name',
  'description',
  'type',
  'logic',
  'decisionStrategy',
  'resources',
  'scopes',
  'policies',
  'owner',
  'resourceType',
]);

function compact(obj: Json): Json {
  for (const key of Object.keys(obj))
    if (obj[key] === undefined) delete obj[key];
  return obj;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The resource server of the client in the path; 404 when authorization is off. */
function serverOf(call: AdminCall, ctx: RequestContext) {
  const client = call.realm.client(ctx.params.id);
  if (!client.authz) throw errorProse(404, 'HTTP 404 Not Found');
  return { client, authz: client.authz };
}

function scopeRep(s: AuthzScopeState): Json {
  return compact({
    id: s.id,
    name: s.name,
    displayName: s.displayName,
    iconUri: s.iconUri,
  });
}

/** `{id, name}` (and the icon): how a resource's or a permission's scopes are listed. */
function scopeRef(s: AuthzScopeState): Json {
  return compact({ id: s.id, name: s.name, iconUri: s.iconUri });
}

function resourceRep(
  client: ClientState,
  authz: AuthzState,
  r: AuthzResourceState,
): Json {
  return compact({
    name: r.name,
    type: r.type,
    owner: { id: client.id, name: client.clientId },
    ownerManagedAccess: r.ownerManagedAccess,
    displayName: r.displayName,
    attributes: structuredClone(r.attributes),
    _id: r.id,
    uris: [...r.uris],
    scopes: r.scopeIds
      .map(id => authz.scopes.find(s => s.id === id))
      .filter((s): s is AuthzScopeState => Boolean(s))
      .map(scopeRep),
  });
}

function policyRep(p: AuthzPolicyState): Json {
  return compact({
    id: p.id,
    name: p.name,
    description: p.description,
    type: p.type,
    logic: p.logic,
    decisionStrategy: p.decisionStrategy,
    config: structuredClone(p.config),
  });
}

/** Ids named in a body's list, by id or by name; an unknown one is Keycloak's 400. */
function resolveIds<T extends { id: string; name: string }>(
  items: T[],
  value: unknown,
  what: string,
): string[] {
  if (!Array.isArray(value)) return [];
  return value.map(v => {
    const key =
      typeof v === 'string'
        ? v
        : str((v as Json)?.id) ??
          str((v as Json)?._id) ??
          str((v as Json)?.name);
    const found = items.find(i => i.id === key || i.name === key);
    if (!found) throw badRequest(`${what} with id or name [${key}] not found`);
    return found.id;
  });
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return compareText(a.name, b.name);
}

function nameFilter(ctx: RequestContext): (n: { name: string }) => boolean {
  const name = ctx.query.get('name')?.toLowerCase();
  return n => !name || n.name.toLowerCase().includes(name);
}

function created(body: unknown): Reply {
  return { status: 201, body };
}

function registerSettings(routes: AdminRoutes): void {
  const serverRep = (client: ClientState, authz: AuthzState, full: boolean) =>
    compact({
      id: client.id,
      clientId: client.id,
      name: client.clientId,
      allowRemoteResourceManagement: authz.allowRemoteResourceManagement,
      policyEnforcementMode: authz.policyEnforcementMode,
      resources: full
        ? authz.resources.map(r => resourceRep(client, authz, r))
        : [],
      policies: full ? authz.policies.map(policyRep) : [],
      scopes: full ? authz.scopes.map(scopeRep) : [],
      decisionStrategy: authz.decisionStrategy,
      authorizationSchema: { resourceTypes: {} },
    });
  const applySettings = (authz: AuthzState, body: Json) => {
    if (typeof body.allowRemoteResourceManagement === 'boolean') {
      authz.allowRemoteResourceManagement = body.allowRemoteResourceManagement;
    }
    for (const key of ['policyEnforcementMode', 'decisionStrategy'] as const) {
      if (str(body[key])) authz[key] = str(body[key])!;
    }
  };
  routes.add('GET', RS, { area: 'clients' }, (ctx, call) => {
    const { client, authz } = serverOf(call, ctx);
    return ok(serverRep(client, authz, false));
  });
  routes.add('PUT', RS, { area: 'clients', write: true }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    applySettings(authz, jsonBody(ctx));
    return noContent();
  });
  routes.add('GET', `${RS}/settings`, { area: 'clients' }, (ctx, call) => {
    const { client, authz } = serverOf(call, ctx);
    return ok(serverRep(client, authz, true));
  });
  routes.add(
    'POST',
    `${RS}/import`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const { authz } = serverOf(call, ctx);
      const body = jsonBody(ctx);
      applySettings(authz, body);
      // Imported objects are added by name; existing ones are left as they are.
      for (const s of (Array.isArray(body.scopes)
        ? body.scopes
        : []) as Json[]) {
        if (str(s?.name) && !authz.scopes.some(x => x.name === s.name)) {
          authz.scopes.push(newScope(s));
        }
      }
      for (const r of (Array.isArray(body.resources)
        ? body.resources
        : []) as Json[]) {
        if (str(r?.name) && !authz.resources.some(x => x.name === r.name)) {
          authz.resources.push(newResource(authz, r));
        }
      }
      for (const p of (Array.isArray(body.policies)
        ? body.policies
        : []) as Json[]) {
        if (
          str(p?.name) &&
          str(p?.type) &&
          !authz.policies.some(x => x.name === p.name)
        ) {
          authz.policies.push(newPolicy(authz, str(p.type)!, p));
        }
      }
      return noContent();
    },
  );
}

function newScope(body: Json): AuthzScopeState {
  return compact({
    id: randomUUID(),
    name: String(body.name),
    displayName: str(body.displayName),
    iconUri: str(body.iconUri),
  }) as unknown as AuthzScopeState;
}

function newResource(authz: AuthzState, body: Json): AuthzResourceState {
  return {
    id: randomUUID(),
    name: String(body.name),
    displayName: str(body.displayName),
    type: str(body.type),
    uris: Array.isArray(body.uris) ? body.uris.map(String) : [],
    ownerManagedAccess: body.ownerManagedAccess === true,
    attributes: multiMap(body.attributes) ?? {},
    scopeIds: resolveIds(authz.scopes, body.scopes, 'Scope'),
  };
}

function newPolicy(
  authz: AuthzState,
  type: string,
  body: Json,
): AuthzPolicyState {
  const config: Json = {};
  for (const [k, v] of Object.entries(body)) if (!COMMON.has(k)) config[k] = v;
  if (str(body.resourceType)) config.defaultResourceType = body.resourceType;
  return {
    id: randomUUID(),
    name: String(body.name),
    description: str(body.description),
    type,
    logic: str(body.logic) ?? 'POSITIVE',
    decisionStrategy: str(body.decisionStrategy) ?? 'UNANIMOUS',
    config,
    resourceIds: resolveIds(authz.resources, body.resources, 'Resource'),
    scopeIds: resolveIds(authz.scopes, body.scopes, 'Scope'),
    policyIds: resolveIds(authz.policies, body.policies, 'Policy'),
  };
}

function registerScopes(routes: AdminRoutes): void {
  const scopeOf = (authz: AuthzState, id: string) => {
    const scope = authz.scopes.find(s => s.id === id);
    if (!scope) throw notFound('Could not find scope');
    return scope;
  };
  routes.add('GET', `${RS}/scope`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const scopes = authz.scopes.filter(nameFilter(ctx)).sort(byName);
    return ok(page(ctx, scopes, { absentMax: 100 }).map(scopeRep));
  });
  routes.add(
    'POST',
    `${RS}/scope`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const { authz } = serverOf(call, ctx);
      const body = jsonBody(ctx);
      if (!str(body.name)) throw badRequest('name: a scope needs a name');
      if (authz.scopes.some(s => s.name === body.name)) {
        throw conflict(`Scope with name [${body.name}] already exists`);
      }
      const scope = newScope(body);
      authz.scopes.push(scope);
      return created(scopeRep(scope));
    },
  );
  const S = `${RS}/scope/:scopeId`;
  routes.add('GET', S, { area: 'clients' }, (ctx, call) =>
    ok(scopeRep(scopeOf(serverOf(call, ctx).authz, ctx.params.scopeId))),
  );
  routes.add('PUT', S, { area: 'clients', write: true }, (ctx, call) => {
    const scope = scopeOf(serverOf(call, ctx).authz, ctx.params.scopeId);
    const body = jsonBody(ctx);
    if (str(body.name)) scope.name = str(body.name)!;
    scope.displayName = str(body.displayName);
    scope.iconUri = str(body.iconUri);
    return noContent();
  });
  routes.add('DELETE', S, { area: 'clients', write: true }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const scope = scopeOf(authz, ctx.params.scopeId);
    authz.scopes = authz.scopes.filter(s => s !== scope);
    for (const r of authz.resources)
      r.scopeIds = r.scopeIds.filter(id => id !== scope.id);
    for (const p of authz.policies)
      p.scopeIds = p.scopeIds.filter(id => id !== scope.id);
    return noContent();
  });
  routes.add('GET', `${S}/resources`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const scope = scopeOf(authz, ctx.params.scopeId);
    return ok(
      authz.resources
        .filter(r => r.scopeIds.includes(scope.id))
        .map(r => ({ _id: r.id, name: r.name })),
    );
  });
  routes.add('GET', `${S}/permissions`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const scope = scopeOf(authz, ctx.params.scopeId);
    return ok(
      authz.policies
        .filter(
          p => PERMISSION_TYPES.has(p.type) && p.scopeIds.includes(scope.id),
        )
        .map(policyRep),
    );
  });
}

function registerResources(routes: AdminRoutes): void {
  const resourceOf = (authz: AuthzState, id: string) => {
    const resource = authz.resources.find(r => r.id === id);
    if (!resource) throw notFound('Resource not found');
    return resource;
  };
  routes.add('GET', `${RS}/resource`, { area: 'clients' }, (ctx, call) => {
    const { client, authz } = serverOf(call, ctx);
    const resources = authz.resources.filter(nameFilter(ctx)).sort(byName);
    return ok(
      page(ctx, resources, { absentMax: 100 }).map(r =>
        resourceRep(client, authz, r),
      ),
    );
  });
  routes.add(
    'POST',
    `${RS}/resource`,
    { area: 'clients', write: true },
    (ctx, call) => {
      const { client, authz } = serverOf(call, ctx);
      const body = jsonBody(ctx);
      if (!str(body.name)) throw badRequest('name: a resource needs a name');
      if (authz.resources.some(r => r.name === body.name)) {
        throw conflict(`Resource with name [${body.name}] already exists.`);
      }
      const resource = newResource(authz, body);
      authz.resources.push(resource);
      return created(resourceRep(client, authz, resource));
    },
  );
  const P = `${RS}/resource/:resourceId`;
  routes.add('GET', P, { area: 'clients' }, (ctx, call) => {
    const { client, authz } = serverOf(call, ctx);
    return ok(
      resourceRep(client, authz, resourceOf(authz, ctx.params.resourceId)),
    );
  });
  routes.add('PUT', P, { area: 'clients', write: true }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const resource = resourceOf(authz, ctx.params.resourceId);
    const next = newResource(authz, { ...jsonBody(ctx) });
    Object.assign(resource, { ...next, id: resource.id });
    return noContent();
  });
  routes.add('DELETE', P, { area: 'clients', write: true }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const resource = resourceOf(authz, ctx.params.resourceId);
    authz.resources = authz.resources.filter(r => r !== resource);
    for (const p of authz.policies)
      p.resourceIds = p.resourceIds.filter(id => id !== resource.id);
    return noContent();
  });
  routes.add('GET', `${P}/scopes`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const resource = resourceOf(authz, ctx.params.resourceId);
    return ok(
      resource.scopeIds
        .map(id => authz.scopes.find(s => s.id === id))
        .filter((s): s is AuthzScopeState => Boolean(s))
        .map(scopeRef),
    );
  });
  routes.add('GET', `${P}/permissions`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const resource = resourceOf(authz, ctx.params.resourceId);
    return ok(
      authz.policies
        .filter(
          p =>
            PERMISSION_TYPES.has(p.type) &&
            (p.resourceIds.includes(resource.id) ||
              p.scopeIds.some(id => resource.scopeIds.includes(id)) ||
              (resource.type !== undefined &&
                p.config.defaultResourceType === resource.type)),
        )
        .map(policyRep),
    );
  });
}

function registerPolicies(routes: AdminRoutes): void {
  const policyOf = (authz: AuthzState, id: string) => {
    const policy = authz.policies.find(p => p.id === id);
    if (!policy) throw notFound('Could not find policy');
    return policy;
  };
  const create = (ctx: RequestContext, call: AdminCall, type: string) => {
    const { authz } = serverOf(call, ctx);
    const body = jsonBody(ctx);
    if (!POLICY_PROVIDERS.some(p => p.type === type)) {
      throw badRequest(`Unknown policy type [${type}]`);
    }
    if (!str(body.name)) throw badRequest('name: a policy needs a name');
    if (authz.policies.some(p => p.name === body.name)) {
      throw conflict(`Policy with name [${body.name}] already exists`);
    }
    const policy = newPolicy(authz, type, body);
    authz.policies.push(policy);
    // Keycloak echoes the body it was given, with the id and type it assigned.
    return created({
      ...body,
      id: policy.id,
      type,
      logic: policy.logic,
      decisionStrategy: policy.decisionStrategy,
    });
  };
  const list =
    (permissions: boolean) => (ctx: RequestContext, call: AdminCall) => {
      const { authz } = serverOf(call, ctx);
      const type = ctx.query.get('type');
      const policies = authz.policies
        .filter(p => !permissions || PERMISSION_TYPES.has(p.type))
        .filter(p => !type || p.type === type)
        .filter(nameFilter(ctx))
        .sort(byName);
      return ok(page(ctx, policies, { absentMax: 100 }).map(policyRep));
    };
  routes.add('GET', `${RS}/policy`, { area: 'clients' }, list(false));
  routes.add('GET', `${RS}/permission`, { area: 'clients' }, list(true));
  routes.add(
    'GET',
    `${RS}/policy/providers`,
    { area: 'clients' },
    (ctx, call) => {
      serverOf(call, ctx);
      return ok(POLICY_PROVIDERS.filter(p => !PERMISSION_TYPES.has(p.type)));
    },
  );
  routes.add(
    'GET',
    `${RS}/permission/providers`,
    { area: 'clients' },
    (ctx, call) => {
      serverOf(call, ctx);
      return ok(POLICY_PROVIDERS.filter(p => PERMISSION_TYPES.has(p.type)));
    },
  );
  for (const kind of ['policy', 'permission'] as const) {
    routes.add(
      'POST',
      `${RS}/${kind}/:type`,
      { area: 'clients', write: true },
      (ctx, call) => {
        const type = ctx.params.type;
        if ((kind === 'permission') !== PERMISSION_TYPES.has(type)) {
          throw badRequest(`Unknown ${kind} type [${type}]`);
        }
        return create(ctx, call, type);
      },
    );
    routes.add(
      'GET',
      `${RS}/${kind}/:type`,
      { area: 'clients' },
      (ctx, call) => {
        const { authz } = serverOf(call, ctx);
        return ok(
          authz.policies
            .filter(p => p.type === ctx.params.type)
            .filter(nameFilter(ctx))
            .sort(byName)
            .map(policyRep),
        );
      },
    );
    const typed = `${RS}/${kind}/:type/:policyId`;
    routes.add('GET', typed, { area: 'clients' }, (ctx, call) => {
      const policy = policyOf(serverOf(call, ctx).authz, ctx.params.policyId);
      if (policy.type !== ctx.params.type)
        throw notFound('Could not find policy');
      return ok({
        ...policyRep(policy),
        ...policy.config,
        resources: [...policy.resourceIds],
        scopes: [...policy.scopeIds],
        policies: [...policy.policyIds],
      });
    });
    routes.add('PUT', typed, { area: 'clients', write: true }, (ctx, call) => {
      const { authz } = serverOf(call, ctx);
      const policy = policyOf(authz, ctx.params.policyId);
      const next = newPolicy(authz, policy.type, jsonBody(ctx));
      Object.assign(policy, { ...next, id: policy.id, type: policy.type });
      return noContent();
    });
    routes.add('DELETE', typed, { area: 'clients', write: true }, (ctx, call) =>
      deletePolicy(
        serverOf(call, ctx).authz,
        policyOf(serverOf(call, ctx).authz, ctx.params.policyId),
      ),
    );
  }
  const P = `${RS}/policy/:policyId`;
  routes.add('GET', P, { area: 'clients' }, (ctx, call) =>
    ok(policyRep(policyOf(serverOf(call, ctx).authz, ctx.params.policyId))),
  );
  routes.add('DELETE', P, { area: 'clients', write: true }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    return deletePolicy(authz, policyOf(authz, ctx.params.policyId));
  });
  routes.add(
    'GET',
    `${P}/dependentPolicies`,
    { area: 'clients' },
    (ctx, call) => {
      const { authz } = serverOf(call, ctx);
      const policy = policyOf(authz, ctx.params.policyId);
      return ok(
        authz.policies
          .filter(p => p.policyIds.includes(policy.id))
          .map(policyRep),
      );
    },
  );
  routes.add(
    'GET',
    `${P}/associatedPolicies`,
    { area: 'clients' },
    (ctx, call) => {
      const { authz } = serverOf(call, ctx);
      const policy = policyOf(authz, ctx.params.policyId);
      return ok(
        policy.policyIds
          .map(id => authz.policies.find(p => p.id === id))
          .filter((p): p is AuthzPolicyState => Boolean(p))
          .map(policyRep),
      );
    },
  );
  routes.add('GET', `${P}/scopes`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const policy = policyOf(authz, ctx.params.policyId);
    return ok(
      policy.scopeIds
        .map(id => authz.scopes.find(s => s.id === id))
        .filter((s): s is AuthzScopeState => Boolean(s))
        .map(s => ({ id: s.id, name: s.name })),
    );
  });
  routes.add('GET', `${P}/resources`, { area: 'clients' }, (ctx, call) => {
    const { authz } = serverOf(call, ctx);
    const policy = policyOf(authz, ctx.params.policyId);
    return ok(
      policy.resourceIds
        .map(id => authz.resources.find(r => r.id === id))
        .filter((r): r is AuthzResourceState => Boolean(r))
        .map(r => ({ _id: r.id, name: r.name })),
    );
  });
}

function deletePolicy(authz: AuthzState, policy: AuthzPolicyState): Reply {
  authz.policies = authz.policies.filter(p => p !== policy);
  for (const p of authz.policies)
    p.policyIds = p.policyIds.filter(id => id !== policy.id);
  return noContent();
}

/**
 * Authorization services of a client (its resource server): settings, import and
 * export, scopes, resources, policies and permissions, with their cross references.
 * Decisions are not evaluated.
 */
export function registerAuthz(routes: AdminRoutes): void {
  registerSettings(routes);
  registerScopes(routes);
  registerResources(routes);
  registerPolicies(routes);
}
