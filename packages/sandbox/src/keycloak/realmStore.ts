import { SECRET_CONFIG, SECRET_VALUE } from './ldap';
import {
  createHash,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { badRequest, conflict, errorMessage, notFound } from './http';
import type {
  ClientScopeState,
  ClientState,
  ComponentState,
  GroupState,
  MapperState,
  RealmState,
  RoleState,
  UserState,
} from './model';
import { defaultAuthz } from './authzModel';
import {
  ADMIN_ROLE_NAMES,
  builtInClients,
  builtInClientScopes,
} from './builtins';

const TOP = '';

/** Orders strings by code unit, as the database collation Keycloak sorts with does. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Name of the client holding a realm's admin roles: Keycloak names it differently in master. */
export function managementClientId(realmName: string): string {
  return realmName === 'master' ? 'master-realm' : 'realm-management';
}

export function hashPassword(password: string): string {
  const salt = randomBytes(8).toString('hex');
  return `${salt}:${createHash('sha256')
    .update(salt + password)
    .digest('hex')}`;
}

function passwordMatches(hash: string | undefined, password: string): boolean {
  if (!hash) return false;
  const [salt, digest] = hash.split(':');
  const actual = createHash('sha256')
    .update(salt + password)
    .digest();
  const expected = Buffer.from(digest, 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Random client secret in Keycloak's format (32 alphanumerics). */
export function newSecret(): string {
  const alphabet =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : undefined;
}

/** Client attributes are single strings; a null or empty value removes the key on update. */
function stringMap(value: unknown): Record<string, string | null> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return undefined;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) out[k] = null;
    else out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** User, group and role attributes are lists of strings; a bare string is accepted as one. */
export function multiMap(value: unknown): Record<string, string[]> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(x => String(x));
    else if (v !== null && v !== undefined) out[k] = [String(v)];
  }
  return out;
}

/** A JSON object body, or Keycloak's parse failure. */
export type Rep = Record<string, unknown>;

/**
 * One realm's data plus the indexes that keep every admin lookup O(1): clients by
 * clientId, groups by parent and name, users by username and email, roles by container
 * and name, client scopes by name, group members by group.
 */
export class RealmStore {
  readonly state: RealmState;
  private readonly clientsByClientId = new Map<string, string>();
  private readonly children = new Map<string, Map<string, string>>();
  private readonly members = new Map<string, Set<string>>();
  private readonly usersByUsername = new Map<string, string>();
  private readonly usersByEmail = new Map<string, string>();
  private readonly rolesByContainer = new Map<string, Map<string, string>>();
  private readonly scopesByName = new Map<string, string>();

  constructor(state: RealmState) {
    this.state = state;
    for (const c of Object.values(state.clients)) {
      this.clientsByClientId.set(c.clientId, c.id);
    }
    for (const g of Object.values(state.groups)) this.indexGroup(g);
    for (const u of Object.values(state.users)) this.indexUser(u);
    for (const r of Object.values(state.roles)) this.indexRole(r);
    for (const s of Object.values(state.clientScopes)) {
      this.scopesByName.set(s.name, s.id);
    }
  }

  /** A new realm with Keycloak's built-in roles, clients and client scopes. */
  static create(name: string, rep: Rep = {}): RealmStore {
    const realmId = str(rep.id) ?? randomUUID();
    const state: RealmState = {
      id: realmId,
      realm: name,
      displayName: str(rep.displayName),
      enabled: bool(rep.enabled) ?? true,
      settings: {},
      attributes: {},
      defaultRoleId: '',
      clients: {},
      clientScopes: {},
      defaultDefaultClientScopes: [],
      defaultOptionalClientScopes: [],
      roles: {},
      groups: {},
      users: {},
      components: {},
    };
    const store = new RealmStore(state);
    store.applyRealmSettings(rep);

    const offline = store.createRole(realmId, false, {
      name: 'offline_access',
      description: '${role_offline-access}',
    });
    const uma = store.createRole(realmId, false, {
      name: 'uma_authorization',
      description: '${role_uma_authorization}',
    });
    const defaultRole = store.createRole(realmId, false, {
      name: `default-roles-${name}`,
      description: '${role_default-roles}',
    });
    state.defaultRoleId = defaultRole.id;
    defaultRole.composites.push(offline.id, uma.id);

    for (const scope of builtInClientScopes()) {
      const created = store.createClientScope(scope.rep);
      if (scope.kind === 'default')
        state.defaultDefaultClientScopes.push(created.id);
      if (scope.kind === 'optional')
        state.defaultOptionalClientScopes.push(created.id);
    }

    for (const client of builtInClients(name)) {
      const created = store.createClient(client.rep);
      for (const roleName of client.roles) {
        store.createRole(created.id, true, {
          name: roleName,
          description: `\${role_${roleName}}`,
        });
      }
    }
    const account = store.clientByClientId('account');
    if (account) {
      const manageAccount = store.clientRole(account.id, 'manage-account');
      const links = store.clientRole(account.id, 'manage-account-links');
      if (manageAccount && links) manageAccount.composites.push(links.id);
      for (const roleName of ['view-profile', 'manage-account']) {
        const role = store.clientRole(account.id, roleName);
        if (role) defaultRole.composites.push(role.id);
      }
    }
    const management = store.clientByClientId(managementClientId(name));
    if (management) {
      const roleIds = ADMIN_ROLE_NAMES.map(
        n => store.clientRole(management.id, n)!.id,
      );
      const compose = (parent: string, ...kids: string[]) => {
        const p = store.clientRole(management.id, parent);
        for (const k of kids) {
          const kid = store.clientRole(management.id, k);
          if (p && kid) p.composites.push(kid.id);
        }
      };
      compose('view-clients', 'query-clients');
      compose('view-users', 'query-users', 'query-groups');
      if (name === 'master') {
        const createRealm = store.createRole(realmId, false, {
          name: 'create-realm',
          description: '${role_create-realm}',
        });
        const admin = store.createRole(realmId, false, {
          name: 'admin',
          description: '${role_admin}',
        });
        admin.composites.push(...roleIds, createRealm.id);
      } else {
        const realmAdmin = store.createRole(management.id, true, {
          name: 'realm-admin',
          description: '${role_realm-admin}',
        });
        realmAdmin.composites.push(...roleIds);
      }
    }
    return store;
  }

  get name(): string {
    return this.state.realm;
  }

  // ---------------------------------------------------------------- realm settings

  applyRealmSettings(rep: Rep): void {
    const s = this.state;
    if (typeof rep.displayName === 'string') s.displayName = rep.displayName;
    if (typeof rep.enabled === 'boolean') s.enabled = rep.enabled;
    const attributes = stringMap(rep.attributes);
    if (attributes) {
      for (const [k, v] of Object.entries(attributes)) {
        if (v === null) delete s.attributes[k];
        else s.attributes[k] = v;
      }
    }
    // Nested collections are owned by their own endpoints; keep only plain settings.
    const owned = new Set([
      'id',
      'realm',
      'displayName',
      'enabled',
      'attributes',
      'clients',
      'users',
      'groups',
      'roles',
      'clientScopes',
      'components',
      'defaultDefaultClientScopes',
      'defaultOptionalClientScopes',
      'defaultRole',
    ]);
    for (const [k, v] of Object.entries(rep)) {
      if (!owned.has(k) && v !== undefined) s.settings[k] = v;
    }
  }

  // ---------------------------------------------------------------- clients

  client(id: string): ClientState {
    const c = this.state.clients[id];
    if (!c) throw notFound('Could not find client');
    return c;
  }

  clientByClientId(clientId: string): ClientState | undefined {
    const id = this.clientsByClientId.get(clientId);
    return id ? this.state.clients[id] : undefined;
  }

  /** Every client, ordered by clientId as Keycloak's query orders them. */
  clients(): ClientState[] {
    return Object.values(this.state.clients).sort((a, b) =>
      compareText(a.clientId, b.clientId),
    );
  }

  createClient(rep: Rep): ClientState {
    const clientId = str(rep.clientId);
    if (!clientId) throw badRequest('Client id is missing');
    if (this.clientsByClientId.has(clientId)) {
      throw conflict(`Client ${clientId} already exists`);
    }
    const id = str(rep.id) ?? randomUUID();
    if (this.state.clients[id])
      throw conflict(`Client ${clientId} already exists`);
    const publicClient = bool(rep.publicClient) ?? false;
    const bearerOnly = bool(rep.bearerOnly) ?? false;
    const client: ClientState = {
      id,
      clientId,
      name: str(rep.name),
      description: str(rep.description),
      rootUrl: str(rep.rootUrl),
      adminUrl: str(rep.adminUrl),
      baseUrl: str(rep.baseUrl),
      enabled: bool(rep.enabled) ?? true,
      alwaysDisplayInConsole: bool(rep.alwaysDisplayInConsole) ?? false,
      clientAuthenticatorType:
        str(rep.clientAuthenticatorType) ?? 'client-secret',
      secret: publicClient ? undefined : str(rep.secret) ?? newSecret(),
      redirectUris: strings(rep.redirectUris) ?? [],
      webOrigins: strings(rep.webOrigins) ?? [],
      bearerOnly,
      consentRequired: bool(rep.consentRequired) ?? false,
      standardFlowEnabled: bool(rep.standardFlowEnabled) ?? true,
      implicitFlowEnabled: bool(rep.implicitFlowEnabled) ?? false,
      directAccessGrantsEnabled: bool(rep.directAccessGrantsEnabled) ?? false,
      serviceAccountsEnabled: false,
      publicClient,
      frontchannelLogout: bool(rep.frontchannelLogout) ?? true,
      protocol: str(rep.protocol) ?? 'openid-connect',
      attributes: {},
      fullScopeAllowed: bool(rep.fullScopeAllowed) ?? true,
      protocolMappers: [],
      defaultClientScopes: [],
      optionalClientScopes: [],
    };
    for (const [k, v] of Object.entries(stringMap(rep.attributes) ?? {})) {
      if (v !== null && v !== '') client.attributes[k] = v;
    }
    this.state.clients[id] = client;
    this.clientsByClientId.set(clientId, id);

    for (const mapper of Array.isArray(rep.protocolMappers)
      ? rep.protocolMappers
      : []) {
      this.addMapper(client, mapper as Rep);
    }
    const defaults = strings(rep.defaultClientScopes);
    const optionals = strings(rep.optionalClientScopes);
    client.defaultClientScopes = defaults
      ? this.scopeIdsByName(defaults)
      : [...this.state.defaultDefaultClientScopes];
    client.optionalClientScopes = optionals
      ? this.scopeIdsByName(optionals)
      : [...this.state.defaultOptionalClientScopes];
    if (bool(rep.serviceAccountsEnabled)) this.enableServiceAccount(client);
    this.setAuthorization(client, bool(rep.authorizationServicesEnabled));
    return client;
  }

  private scopeIdsByName(names: string[]): string[] {
    return names
      .map(n => this.scopesByName.get(n))
      .filter((id): id is string => id !== undefined);
  }

  updateClient(client: ClientState, rep: Rep): void {
    const clientId = str(rep.clientId);
    if (clientId !== undefined && clientId !== client.clientId) {
      if (this.clientsByClientId.has(clientId)) {
        throw conflict(`Client ${clientId} already exists`);
      }
      this.clientsByClientId.delete(client.clientId);
      this.clientsByClientId.set(clientId, client.id);
      client.clientId = clientId;
      if (client.serviceAccountUserId) {
        const sa = this.state.users[client.serviceAccountUserId];
        if (sa)
          this.renameUser(sa, `service-account-${clientId}`.toLowerCase());
      }
    }
    const optionalStrings = [
      'name',
      'description',
      'rootUrl',
      'adminUrl',
      'baseUrl',
    ] as const;
    for (const key of optionalStrings) {
      if (key in rep) client[key] = str(rep[key]) || undefined;
    }
    const booleans = [
      'enabled',
      'alwaysDisplayInConsole',
      'bearerOnly',
      'consentRequired',
      'standardFlowEnabled',
      'implicitFlowEnabled',
      'directAccessGrantsEnabled',
      'publicClient',
      'frontchannelLogout',
      'fullScopeAllowed',
    ] as const;
    for (const key of booleans) {
      const v = bool(rep[key]);
      if (v !== undefined) client[key] = v;
    }
    if (str(rep.clientAuthenticatorType)) {
      client.clientAuthenticatorType = str(rep.clientAuthenticatorType)!;
    }
    if (str(rep.protocol)) client.protocol = str(rep.protocol)!;
    const redirectUris = strings(rep.redirectUris);
    if (redirectUris) client.redirectUris = redirectUris;
    const webOrigins = strings(rep.webOrigins);
    if (webOrigins) client.webOrigins = webOrigins;
    if (str(rep.secret) && !client.publicClient)
      client.secret = str(rep.secret);
    if (!client.publicClient && !client.secret) client.secret = newSecret();
    const attributes = stringMap(rep.attributes);
    if (attributes) {
      for (const [k, v] of Object.entries(attributes)) {
        if (v === null || v === '') delete client.attributes[k];
        else client.attributes[k] = v;
      }
    }
    const sa = bool(rep.serviceAccountsEnabled);
    if (sa === true) this.enableServiceAccount(client);
    if (sa === false) client.serviceAccountsEnabled = false;
    this.setAuthorization(client, bool(rep.authorizationServicesEnabled));
  }

  /**
   * Turns authorization services on (a confidential client only; it gets a service
   * account and a seeded resource server) or off (the resource server is dropped).
   */
  setAuthorization(client: ClientState, enabled: boolean | undefined): void {
    if (enabled === true && !client.authz) {
      if (client.publicClient || client.bearerOnly) {
        throw badRequest(
          'authorizationServicesEnabled: only confidential clients can have authorization services enabled',
        );
      }
      this.enableServiceAccount(client);
      client.authz = defaultAuthz(client);
    }
    if (enabled === false) client.authz = undefined;
  }

  enableServiceAccount(client: ClientState): void {
    client.serviceAccountsEnabled = true;
    const scope = this.clientScopeByName('service_account');
    if (scope && !client.defaultClientScopes.includes(scope.id)) {
      client.defaultClientScopes.push(scope.id);
    }
    if (
      client.serviceAccountUserId &&
      this.state.users[client.serviceAccountUserId]
    ) {
      return;
    }
    const username = `service-account-${client.clientId}`.toLowerCase();
    const existing = this.userByUsername(username);
    if (existing) {
      existing.serviceAccountClientId = client.id;
      client.serviceAccountUserId = existing.id;
      return;
    }
    const user = this.createUser({ username, enabled: true });
    user.serviceAccountClientId = client.id;
    client.serviceAccountUserId = user.id;
  }

  deleteClient(client: ClientState): void {
    for (const role of this.rolesOf(client.id)) this.deleteRole(role);
    this.rolesByContainer.delete(client.id);
    if (client.serviceAccountUserId) {
      const sa = this.state.users[client.serviceAccountUserId];
      if (sa) this.deleteUser(sa);
    }
    delete this.state.clients[client.id];
    this.clientsByClientId.delete(client.clientId);
  }

  // ---------------------------------------------------------------- protocol mappers

  addMapper(
    container: { protocolMappers: MapperState[] },
    rep: Rep,
  ): MapperState {
    const name = str(rep.name);
    if (!name) throw badRequest('Protocol mapper name is missing');
    if (container.protocolMappers.some(m => m.name === name)) {
      throw conflict('Protocol mapper exists with same name');
    }
    const mapper: MapperState = {
      id: str(rep.id) ?? randomUUID(),
      name,
      protocol: str(rep.protocol) ?? 'openid-connect',
      protocolMapper: str(rep.protocolMapper) ?? '',
      config: {},
    };
    for (const [k, v] of Object.entries(stringMap(rep.config) ?? {})) {
      if (v !== null) mapper.config[k] = v;
    }
    container.protocolMappers.push(mapper);
    return mapper;
  }

  mapper(
    container: { protocolMappers: MapperState[] },
    id: string,
  ): MapperState {
    const m = container.protocolMappers.find(x => x.id === id);
    if (!m) throw notFound('Model not found');
    return m;
  }

  updateMapper(
    container: { protocolMappers: MapperState[] },
    mapper: MapperState,
    rep: Rep,
  ): void {
    const name = str(rep.name);
    if (name && name !== mapper.name) {
      if (container.protocolMappers.some(m => m.name === name)) {
        throw conflict('Protocol mapper exists with same name');
      }
      mapper.name = name;
    }
    if (str(rep.protocolMapper))
      mapper.protocolMapper = str(rep.protocolMapper)!;
    const config = stringMap(rep.config);
    if (config) {
      mapper.config = {};
      for (const [k, v] of Object.entries(config))
        if (v !== null) mapper.config[k] = v;
    }
  }

  deleteMapper(
    container: { protocolMappers: MapperState[] },
    mapper: MapperState,
  ): void {
    container.protocolMappers = container.protocolMappers.filter(
      m => m !== mapper,
    );
  }

  // ---------------------------------------------------------------- client scopes

  clientScope(id: string): ClientScopeState {
    const s = this.state.clientScopes[id];
    if (!s) throw notFound('Could not find client scope');
    return s;
  }

  clientScopeByName(name: string): ClientScopeState | undefined {
    const id = this.scopesByName.get(name);
    return id ? this.state.clientScopes[id] : undefined;
  }

  clientScopes(): ClientScopeState[] {
    return Object.values(this.state.clientScopes).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  }

  createClientScope(rep: Rep): ClientScopeState {
    const name = str(rep.name);
    if (!name) throw badRequest('Client Scope name is missing');
    if (this.scopesByName.has(name)) {
      throw conflict(`Client Scope ${name} already exists`);
    }
    const scope: ClientScopeState = {
      id: str(rep.id) ?? randomUUID(),
      name,
      description: str(rep.description),
      protocol: str(rep.protocol) ?? 'openid-connect',
      attributes: {},
      protocolMappers: [],
    };
    for (const [k, v] of Object.entries(stringMap(rep.attributes) ?? {})) {
      if (v !== null) scope.attributes[k] = v;
    }
    this.state.clientScopes[scope.id] = scope;
    this.scopesByName.set(name, scope.id);
    for (const mapper of Array.isArray(rep.protocolMappers)
      ? rep.protocolMappers
      : []) {
      this.addMapper(scope, mapper as Rep);
    }
    return scope;
  }

  updateClientScope(scope: ClientScopeState, rep: Rep): void {
    const name = str(rep.name);
    if (name && name !== scope.name) {
      if (this.scopesByName.has(name)) {
        throw conflict(`Client Scope ${name} already exists`);
      }
      this.scopesByName.delete(scope.name);
      this.scopesByName.set(name, scope.id);
      scope.name = name;
    }
    if ('description' in rep)
      scope.description = str(rep.description) || undefined;
    if (str(rep.protocol)) scope.protocol = str(rep.protocol)!;
    const attributes = stringMap(rep.attributes);
    if (attributes) {
      scope.attributes = {};
      for (const [k, v] of Object.entries(attributes))
        if (v !== null) scope.attributes[k] = v;
    }
  }

  deleteClientScope(scope: ClientScopeState): void {
    const drop = (ids: string[]) => ids.filter(id => id !== scope.id);
    for (const c of Object.values(this.state.clients)) {
      c.defaultClientScopes = drop(c.defaultClientScopes);
      c.optionalClientScopes = drop(c.optionalClientScopes);
    }
    this.state.defaultDefaultClientScopes = drop(
      this.state.defaultDefaultClientScopes,
    );
    this.state.defaultOptionalClientScopes = drop(
      this.state.defaultOptionalClientScopes,
    );
    delete this.state.clientScopes[scope.id];
    this.scopesByName.delete(scope.name);
  }

  // ---------------------------------------------------------------- roles

  private indexRole(role: RoleState): void {
    const byName = this.rolesByContainer.get(role.containerId) ?? new Map();
    byName.set(role.name, role.id);
    this.rolesByContainer.set(role.containerId, byName);
  }

  role(id: string): RoleState | undefined {
    return this.state.roles[id];
  }

  realmRole(name: string): RoleState | undefined {
    const id = this.rolesByContainer.get(this.state.id)?.get(name);
    return id ? this.state.roles[id] : undefined;
  }

  clientRole(clientUuid: string, name: string): RoleState | undefined {
    const id = this.rolesByContainer.get(clientUuid)?.get(name);
    return id ? this.state.roles[id] : undefined;
  }

  /** Roles of one container (the realm id or a client uuid), ordered by name. */
  rolesOf(containerId: string): RoleState[] {
    const ids = this.rolesByContainer.get(containerId);
    if (!ids) return [];
    return [...ids.values()]
      .map(id => this.state.roles[id])
      .sort((a, b) => compareText(a.name, b.name));
  }

  createRole(containerId: string, clientRole: boolean, rep: Rep): RoleState {
    const name = str(rep.name);
    if (!name) throw badRequest('Role name is missing');
    if (this.rolesByContainer.get(containerId)?.has(name)) {
      throw conflict(`Role with name ${name} already exists`);
    }
    const role: RoleState = {
      id: randomUUID(),
      name,
      description: str(rep.description),
      clientRole,
      containerId,
      attributes: multiMap(rep.attributes) ?? {},
      composites: [],
    };
    this.state.roles[role.id] = role;
    this.indexRole(role);
    return role;
  }

  updateRole(role: RoleState, rep: Rep): void {
    const name = str(rep.name);
    if (name && name !== role.name) {
      const byName = this.rolesByContainer.get(role.containerId)!;
      if (byName.has(name))
        throw conflict(`Role with name ${name} already exists`);
      byName.delete(role.name);
      byName.set(name, role.id);
      role.name = name;
    }
    if ('description' in rep)
      role.description = str(rep.description) || undefined;
    const attributes = multiMap(rep.attributes);
    if (attributes) role.attributes = attributes;
  }

  deleteRole(role: RoleState): void {
    if (role.id === this.state.defaultRoleId) {
      throw badRequest('You cannot delete a default role of the realm');
    }
    delete this.state.roles[role.id];
    this.rolesByContainer.get(role.containerId)?.delete(role.name);
    const drop = (ids: string[]) => ids.filter(id => id !== role.id);
    for (const r of Object.values(this.state.roles))
      r.composites = drop(r.composites);
    for (const g of Object.values(this.state.groups))
      g.roleIds = drop(g.roleIds);
    for (const u of Object.values(this.state.users))
      u.roleIds = drop(u.roleIds);
    for (const c of Object.values(this.state.clients))
      if (c.scopeRoleIds) c.scopeRoleIds = drop(c.scopeRoleIds);
    for (const s of Object.values(this.state.clientScopes))
      if (s.scopeRoleIds) s.scopeRoleIds = drop(s.scopeRoleIds);
  }

  /** Expands composite roles transitively. */
  expandRoles(roleIds: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const stack = [...roleIds];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (out.has(id)) continue;
      const role = this.state.roles[id];
      if (!role) continue;
      out.add(id);
      stack.push(...role.composites);
    }
    return out;
  }

  /**
   * Resolves the roles of a role-mapping body. Realm mappings are looked up by id (the name
   * is a fallback for hand-written bodies), client mappings by name within the client.
   */
  resolveRoles(body: unknown, clientUuid?: string): RoleState[] {
    if (!Array.isArray(body))
      throw badRequest('Role mappings must be an array');
    return body.map(item => {
      const rep = (item ?? {}) as Rep;
      const id = str(rep.id);
      const name = str(rep.name);
      let role: RoleState | undefined;
      if (clientUuid) {
        role = name ? this.clientRole(clientUuid, name) : undefined;
        if (!role && id) role = this.state.roles[id];
        if (role && role.containerId !== clientUuid) role = undefined;
      } else {
        role = id ? this.state.roles[id] : undefined;
        if (!role && name) role = this.realmRole(name);
        if (role && role.containerId !== this.state.id) role = undefined;
      }
      if (!role) throw notFound('Role not found');
      return role;
    });
  }

  // ---------------------------------------------------------------- groups

  private indexGroup(group: GroupState): void {
    const key = group.parentId ?? TOP;
    const siblings = this.children.get(key) ?? new Map<string, string>();
    siblings.set(group.name, group.id);
    this.children.set(key, siblings);
  }

  private unindexGroup(group: GroupState): void {
    this.children.get(group.parentId ?? TOP)?.delete(group.name);
  }

  group(id: string): GroupState {
    const g = this.state.groups[id];
    if (!g) throw notFound('Could not find group by id');
    return g;
  }

  /** Direct children of a group (or the top level), ordered by name. */
  childGroups(parentId?: string): GroupState[] {
    const ids = this.children.get(parentId ?? TOP);
    if (!ids) return [];
    return [...ids.values()]
      .map(id => this.state.groups[id])
      .sort((a, b) => compareText(a.name, b.name));
  }

  subGroupCount(groupId: string): number {
    return this.children.get(groupId)?.size ?? 0;
  }

  childByName(
    parentId: string | undefined,
    name: string,
  ): GroupState | undefined {
    const id = this.children.get(parentId ?? TOP)?.get(name);
    return id ? this.state.groups[id] : undefined;
  }

  groupPath(group: GroupState): string {
    const names: string[] = [];
    let current: GroupState | undefined = group;
    while (current) {
      // Keycloak escapes a slash inside a name so the path stays unambiguous.
      names.unshift(current.name.replace(/\//g, '~/'));
      current = current.parentId
        ? this.state.groups[current.parentId]
        : undefined;
    }
    return `/${names.join('/')}`;
  }

  /** Finds a group by its path, `/parent/child`; the leading slash is optional. */
  groupByPath(path: string): GroupState | undefined {
    const names = path
      .replace(/^\/+/, '')
      .split(/(?<!~)\//)
      .filter(Boolean)
      .map(n => n.replace(/~\//g, '/'));
    let current: GroupState | undefined;
    for (const name of names) {
      current = this.childByName(current?.id, name);
      if (!current) return undefined;
    }
    return current;
  }

  ancestors(group: GroupState): GroupState[] {
    const out: GroupState[] = [];
    let current = group.parentId
      ? this.state.groups[group.parentId]
      : undefined;
    while (current) {
      out.push(current);
      current = current.parentId
        ? this.state.groups[current.parentId]
        : undefined;
    }
    return out;
  }

  createGroup(rep: Rep, parent?: GroupState): GroupState {
    const name = str(rep.name);
    if (!name || name.trim() === '') throw badRequest('Group name is missing');
    if (this.childByName(parent?.id, name)) {
      throw conflict(
        parent
          ? `Sibling group named '${name}' already exists.`
          : `Top level group named '${name}' already exists.`,
      );
    }
    const group: GroupState = {
      id: randomUUID(),
      name,
      description: str(rep.description),
      parentId: parent?.id,
      attributes: multiMap(rep.attributes) ?? {},
      roleIds: [],
    };
    this.state.groups[group.id] = group;
    this.indexGroup(group);
    return group;
  }

  updateGroup(group: GroupState, rep: Rep): void {
    const name = str(rep.name);
    if (!name || name.trim() === '') throw badRequest('Group name is missing');
    if (str(rep.id) && rep.id !== group.id)
      throw badRequest('Invalid group id');
    if (name !== group.name) {
      if (this.childByName(group.parentId, name)) {
        throw conflict(`Sibling group named '${name}' already exists.`);
      }
      this.unindexGroup(group);
      group.name = name;
      this.indexGroup(group);
    }
    const attributes = multiMap(rep.attributes);
    if (attributes) group.attributes = attributes;
    group.description = str(rep.description);
  }

  /** Moves a group under a new parent (undefined: to the top level). */
  moveGroup(group: GroupState, parent?: GroupState): void {
    if (group.parentId === parent?.id) return;
    if (
      parent &&
      (parent.id === group.id || this.ancestors(parent).includes(group))
    ) {
      throw badRequest('Cannot move group to its own subgroup');
    }
    if (this.childByName(parent?.id, group.name)) {
      throw conflict(
        parent
          ? `Sibling group named '${group.name}' already exists.`
          : `Top level group named '${group.name}' already exists.`,
      );
    }
    this.unindexGroup(group);
    group.parentId = parent?.id;
    this.indexGroup(group);
  }

  deleteGroup(group: GroupState): void {
    for (const child of this.childGroups(group.id)) this.deleteGroup(child);
    this.unindexGroup(group);
    this.children.delete(group.id);
    for (const userId of this.members.get(group.id) ?? []) {
      const user = this.state.users[userId];
      if (user) user.groupIds = user.groupIds.filter(id => id !== group.id);
    }
    this.members.delete(group.id);
    if (this.state.defaultGroupIds) {
      this.state.defaultGroupIds = this.state.defaultGroupIds.filter(
        id => id !== group.id,
      );
    }
    delete this.state.groups[group.id];
  }

  /** Direct members of a group, ordered by username. */
  groupMembers(groupId: string): UserState[] {
    return [...(this.members.get(groupId) ?? [])]
      .map(id => this.state.users[id])
      .filter(Boolean)
      .sort((a, b) => (a.username < b.username ? -1 : 1));
  }

  // ---------------------------------------------------------------- users

  private indexUser(user: UserState): void {
    this.usersByUsername.set(user.username.toLowerCase(), user.id);
    if (user.email) this.usersByEmail.set(user.email.toLowerCase(), user.id);
    for (const groupId of user.groupIds) {
      const set = this.members.get(groupId) ?? new Set<string>();
      set.add(user.id);
      this.members.set(groupId, set);
    }
  }

  user(id: string): UserState {
    const u = this.state.users[id];
    if (!u) throw notFound('User not found');
    return u;
  }

  userByUsername(username: string): UserState | undefined {
    const id = this.usersByUsername.get(username.toLowerCase());
    return id ? this.state.users[id] : undefined;
  }

  userByEmail(email: string): UserState | undefined {
    const id = this.usersByEmail.get(email.toLowerCase());
    return id ? this.state.users[id] : undefined;
  }

  /** Users a listing shows: service accounts stay hidden, as they do in Keycloak. */
  users(): UserState[] {
    return Object.values(this.state.users)
      .filter(u => !u.serviceAccountClientId)
      .sort((a, b) => compareText(a.username, b.username));
  }

  createUser(rep: Rep): UserState {
    const username = str(rep.username)?.trim().toLowerCase();
    if (!username) throw badRequest('User name is missing');
    if (this.usersByUsername.has(username)) {
      throw conflict('User exists with same username');
    }
    const email = str(rep.email) || undefined;
    if (email && this.usersByEmail.has(email.toLowerCase())) {
      throw conflict('User exists with same email');
    }
    const user: UserState = {
      id: str(rep.id) ?? randomUUID(),
      username,
      email: email?.toLowerCase(),
      firstName: str(rep.firstName) || undefined,
      lastName: str(rep.lastName) || undefined,
      enabled: bool(rep.enabled) ?? false,
      emailVerified: bool(rep.emailVerified) ?? false,
      createdTimestamp: Date.now(),
      attributes: multiMap(rep.attributes) ?? {},
      requiredActions: strings(rep.requiredActions) ?? [],
      groupIds: [],
      roleIds: [this.state.defaultRoleId].filter(Boolean),
      federationLink: str(rep.federationLink),
    };
    this.state.users[user.id] = user;
    this.indexUser(user);
    for (const path of strings(rep.groups) ?? []) {
      const group = this.groupByPath(path);
      if (!group) {
        this.deleteUser(user);
        throw badRequest(`Group ${path} not found`);
      }
      this.joinGroup(user, group);
    }
    const credentials = Array.isArray(rep.credentials) ? rep.credentials : [];
    for (const credential of credentials as Rep[]) {
      if (
        credential?.type === 'password' &&
        typeof credential.value === 'string'
      ) {
        user.passwordHash = hashPassword(credential.value);
        user.passwordCredential = {
          id: randomUUID(),
          createdDate: Date.now(),
        };
      }
    }
    // Keycloak puts every new user in the realm's default groups.
    for (const groupId of this.state.defaultGroupIds ?? []) {
      const group = this.state.groups[groupId];
      if (group) this.joinGroup(user, group);
    }
    return user;
  }

  private renameUser(user: UserState, username: string): void {
    this.usersByUsername.delete(user.username.toLowerCase());
    user.username = username;
    this.usersByUsername.set(username.toLowerCase(), user.id);
  }

  updateUser(user: UserState, rep: Rep): void {
    const username = str(rep.username)?.trim().toLowerCase();
    if (username && username !== user.username) {
      if (this.usersByUsername.has(username)) {
        throw conflict('User exists with same username');
      }
      this.renameUser(user, username);
    }
    if ('email' in rep) {
      const email = (str(rep.email) || undefined)?.toLowerCase();
      if (email !== user.email) {
        if (email && this.usersByEmail.has(email)) {
          throw conflict('User exists with same email');
        }
        if (user.email) this.usersByEmail.delete(user.email);
        user.email = email;
        if (email) this.usersByEmail.set(email, user.id);
      }
    }
    if ('firstName' in rep) user.firstName = str(rep.firstName) || undefined;
    if ('lastName' in rep) user.lastName = str(rep.lastName) || undefined;
    if (bool(rep.enabled) !== undefined) user.enabled = bool(rep.enabled)!;
    if (bool(rep.emailVerified) !== undefined)
      user.emailVerified = bool(rep.emailVerified)!;
    const attributes = multiMap(rep.attributes);
    if (attributes) user.attributes = attributes;
    const actions = strings(rep.requiredActions);
    if (actions) user.requiredActions = actions;
  }

  deleteUser(user: UserState): void {
    for (const groupId of user.groupIds)
      this.members.get(groupId)?.delete(user.id);
    this.usersByUsername.delete(user.username.toLowerCase());
    if (user.email) this.usersByEmail.delete(user.email);
    delete this.state.users[user.id];
  }

  setPassword(user: UserState, rep: Rep): void {
    if (typeof rep.value !== 'string' || rep.value === '') {
      throw badRequest('Password cannot be empty');
    }
    user.passwordHash = hashPassword(rep.value);
    // Keycloak updates the existing password credential in place (same id, new date).
    user.passwordCredential = {
      ...user.passwordCredential,
      id: user.passwordCredential?.id ?? randomUUID(),
      createdDate: Date.now(),
    };
    const temporary = rep.temporary === true;
    const actions = user.requiredActions.filter(a => a !== 'UPDATE_PASSWORD');
    user.requiredActions = temporary
      ? [...actions, 'UPDATE_PASSWORD']
      : actions;
  }

  checkPassword(user: UserState, password: string): boolean {
    return passwordMatches(user.passwordHash, password);
  }

  joinGroup(user: UserState, group: GroupState): void {
    if (user.groupIds.includes(group.id)) return;
    user.groupIds.push(group.id);
    const set = this.members.get(group.id) ?? new Set<string>();
    set.add(user.id);
    this.members.set(group.id, set);
  }

  leaveGroup(user: UserState, group: GroupState): void {
    user.groupIds = user.groupIds.filter(id => id !== group.id);
    this.members.get(group.id)?.delete(user.id);
  }

  /** Every role a user holds: direct, through its groups and their ancestors, expanded. */
  effectiveUserRoles(user: UserState): Set<string> {
    const direct = [...user.roleIds];
    for (const groupId of user.groupIds) {
      const group = this.state.groups[groupId];
      if (!group) continue;
      direct.push(...group.roleIds);
      for (const ancestor of this.ancestors(group))
        direct.push(...ancestor.roleIds);
    }
    return this.expandRoles(direct);
  }

  // ---------------------------------------------------------------- components

  component(id: string): ComponentState {
    const c = this.state.components[id];
    if (!c) throw notFound('Could not find component');
    return c;
  }

  createComponent(rep: Rep): ComponentState {
    const providerId = str(rep.providerId);
    const providerType = str(rep.providerType);
    if (!providerType) throw badRequest('providerType is missing');
    if (!providerId) throw errorMessage(400, 'Could not create component');
    const component: ComponentState = {
      id: str(rep.id) ?? randomUUID(),
      name: str(rep.name) ?? providerId,
      providerId,
      providerType,
      parentId: str(rep.parentId) ?? this.state.id,
      subType: str(rep.subType),
      config: multiMap(rep.config) ?? {},
    };
    this.state.components[component.id] = component;
    return component;
  }

  updateComponent(component: ComponentState, rep: Rep): void {
    if (str(rep.name)) component.name = str(rep.name)!;
    if (str(rep.providerId)) component.providerId = str(rep.providerId)!;
    if (str(rep.parentId)) component.parentId = str(rep.parentId)!;
    if ('subType' in rep) component.subType = str(rep.subType);
    const config = multiMap(rep.config);
    if (config) {
      // A masked secret written back means "unchanged".
      for (const key of SECRET_CONFIG[component.providerId] ?? []) {
        if (config[key]?.[0] === SECRET_VALUE && component.config[key]) {
          config[key] = [...component.config[key]];
        }
      }
      component.config = config;
    }
  }

  deleteComponent(component: ComponentState): void {
    for (const child of Object.values(this.state.components)) {
      if (child.parentId === component.id) this.deleteComponent(child);
    }
    // Removing a user-storage provider removes the users it imported.
    for (const user of Object.values(this.state.users)) {
      if (user.federationLink === component.id) this.deleteUser(user);
    }
    delete this.state.components[component.id];
  }
}
