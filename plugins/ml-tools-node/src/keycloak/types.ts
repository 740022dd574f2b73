import type { GatewayReadOptions } from '../kubernetes/types';

/**
 * A protocol mapper as Keycloak represents it.
 *
 * @public
 */
export interface KcProtocolMapper {
  id?: string;
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}

/**
 * The subset of a Keycloak client representation the suite reads and writes.
 *
 * @public
 */
export interface KcClient {
  /** The client's UUID (Keycloak's internal id). */
  id?: string;
  clientId: string;
  name?: string;
  description?: string;
  enabled?: boolean;
  protocol?: string;
  publicClient?: boolean;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  rootUrl?: string;
  baseUrl?: string;
  redirectUris?: string[];
  webOrigins?: string[];
  attributes?: Record<string, string>;
  protocolMappers?: KcProtocolMapper[];
  defaultClientScopes?: string[];
  optionalClientScopes?: string[];
  [key: string]: unknown;
}

/**
 * A client scope.
 *
 * @public
 */
export interface KcClientScope {
  id?: string;
  name: string;
  description?: string;
  protocol?: string;
  attributes?: Record<string, string>;
  protocolMappers?: KcProtocolMapper[];
}

/**
 * A role (the suite uses client roles).
 *
 * @public
 */
export interface KcRole {
  id?: string;
  name: string;
  description?: string;
  attributes?: Record<string, string[]>;
  clientRole?: boolean;
  containerId?: string;
}

/**
 * A group.
 *
 * @public
 */
export interface KcGroup {
  id?: string;
  name: string;
  path?: string;
  parentId?: string;
  attributes?: Record<string, string[]>;
  subGroupCount?: number;
  subGroups?: KcGroup[];
}

/**
 * A user, as listed among a group's members.
 *
 * @public
 */
export interface KcUser {
  id?: string;
  username?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled?: boolean;
}

/**
 * A realm, as far as the suite reads and writes it.
 *
 * @public
 */
export interface KcRealm {
  id?: string;
  realm: string;
  displayName?: string;
  enabled?: boolean;
  [key: string]: unknown;
}

/**
 * A component of a realm: a user-storage provider (LDAP federation) or one of its
 * mappers. Config values are lists of strings; secret ones read back masked.
 *
 * @public
 */
export interface KcComponent {
  id?: string;
  name: string;
  providerId: string;
  providerType: string;
  parentId?: string;
  subType?: string;
  config: Record<string, string[]>;
}

/**
 * What Keycloak's LDAP test is given (`testConnection` connects, `testAuthentication`
 * binds). A masked `bindCredential` with `componentId` means the stored one.
 *
 * @public
 */
export interface KcLdapTest {
  action: 'testConnection' | 'testAuthentication';
  connectionUrl: string;
  bindDn?: string;
  bindCredential?: string;
  authType?: string;
  startTls?: string;
  useTruststoreSpi?: string;
  connectionTimeout?: string;
  componentId?: string;
}

/**
 * The outcome of an LDAP test: Keycloak's error code when it refused
 * (`AuthenticationFailure`, `CommunicationError`, `UnknownHost`, ...).
 *
 * @public
 */
export type KcLdapTestResult = { ok: true } | { ok: false; error: string };

/**
 * The answer of a user-storage or mapper sync.
 *
 * @public
 */
export interface KcSyncResult {
  ignored?: boolean;
  added?: number;
  updated?: number;
  removed?: number;
  failed?: number;
  status?: string;
}

/**
 * Realm-level administration the realm-federation template needs, in any realm the
 * service account may administer (the platform's own by default): realms, user-storage
 * components and their mappers, LDAP tests and syncs.
 *
 * @public
 */
export interface KeycloakFederationGateway {
  findRealm(
    realm: string,
    options?: GatewayReadOptions,
  ): Promise<KcRealm | undefined>;
  createRealm(realm: KcRealm): Promise<void>;
  /** The realms the service account may see (its own, or every realm for a master administrator). */
  listRealms(options?: GatewayReadOptions): Promise<KcRealm[]>;
  listComponents(
    realm: string,
    query: { parent?: string; type?: string; name?: string },
    options?: GatewayReadOptions,
  ): Promise<KcComponent[]>;
  /** Creates a component and returns its id. */
  createComponent(realm: string, component: KcComponent): Promise<string>;
  updateComponent(
    realm: string,
    id: string,
    component: KcComponent,
  ): Promise<void>;
  /** False when it was already gone. */
  deleteComponent(realm: string, id: string): Promise<boolean>;
  /** Keycloak's LDAP test; a refusal is a result naming Keycloak's error code. */
  testLdapConnection(
    realm: string,
    test: KcLdapTest,
  ): Promise<KcLdapTestResult>;
  syncUserStorage(
    realm: string,
    id: string,
    action: 'triggerFullSync' | 'triggerChangedUsersSync',
  ): Promise<KcSyncResult>;
  syncStorageMapper(
    realm: string,
    parentId: string,
    id: string,
    direction: 'fedToKeycloak' | 'keycloakToFed',
  ): Promise<KcSyncResult>;
  /** Users the storage provider imported (their `federationLink` is its id). */
  listFederatedUsers(
    realm: string,
    componentId: string,
    options?: GatewayReadOptions & { pageSize?: number },
  ): Promise<KcUser[]>;
  /** A user's direct groups, with paths. */
  listUserGroups(
    realm: string,
    userId: string,
    options?: GatewayReadOptions,
  ): Promise<KcGroup[]>;
}

/**
 * The only way the ML tools plugins talk to Keycloak, in the configured realm, for
 * reads and writes alike (one login, one retry policy). Reads and idempotent writes
 * are retried (bounded, jittered) on 5xx and 429; creates are retried only after a
 * lookup proved the object absent; a 401 triggers one re-login. Every read takes a
 * `signal` that cancels its HTTP request.
 *
 * @public
 */
export interface KeycloakGateway extends KeycloakFederationGateway {
  /** The realm clients and groups are managed in. */
  readonly realm: string;
  /** Admin console URL of a client, for links. */
  clientConsoleUrl(clientUuid: string): string;

  findClientByClientId(
    clientId: string,
    options?: GatewayReadOptions,
  ): Promise<KcClient | undefined>;
  getClient(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcClient | undefined>;
  /**
   * Every client whose attribute has the value, following pages (`pageSize` per call,
   * 500 by default). The realm's clients are paged through and filtered here unless
   * `attributeSearch` narrows the query on the server (Keycloak ignores or refuses the
   * `q` search for attributes it was not told to index); the attribute is checked here
   * either way.
   */
  listClientsByAttribute(
    key: string,
    value: string,
    options?: GatewayReadOptions & {
      pageSize?: number;
      attributeSearch?: boolean;
    },
  ): Promise<KcClient[]>;
  /** Creates a client and returns its UUID. */
  createClient(client: KcClient): Promise<string>;
  updateClient(clientUuid: string, client: KcClient): Promise<void>;
  /** False when it was already gone. */
  deleteClient(clientUuid: string): Promise<boolean>;
  /** The client's secret. Callers must never log it or return it. */
  getClientSecret(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<string>;
  listClientProtocolMappers(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcProtocolMapper[]>;
  addClientProtocolMapper(
    clientUuid: string,
    mapper: KcProtocolMapper,
  ): Promise<void>;
  updateClientProtocolMapper(
    clientUuid: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void>;
  listDefaultClientScopes(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<Array<{ id: string; name: string }>>;
  addDefaultClientScope(clientUuid: string, scopeId: string): Promise<void>;

  findClientScopeByName(
    name: string,
    options?: GatewayReadOptions,
  ): Promise<KcClientScope | undefined>;
  /** Creates a client scope and returns its id. */
  createClientScope(scope: KcClientScope): Promise<string>;
  updateClientScope(scopeId: string, scope: KcClientScope): Promise<void>;
  deleteClientScope(scopeId: string): Promise<boolean>;
  listClientScopeProtocolMappers(
    scopeId: string,
    options?: GatewayReadOptions,
  ): Promise<KcProtocolMapper[]>;
  addClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper,
  ): Promise<void>;
  updateClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void>;

  listClientRoles(
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcRole[]>;
  createClientRole(clientUuid: string, role: KcRole): Promise<void>;
  updateClientRole(clientUuid: string, role: KcRole): Promise<void>;

  /** A group by its full path, such as `/data-science/vision`. */
  findGroupByPath(
    path: string,
    options?: GatewayReadOptions,
  ): Promise<KcGroup | undefined>;
  /**
   * Every group, anywhere in the tree, whose name contains `search` (case-insensitive;
   * equal to it with `exact`), as a flat list with paths and attributes. One call.
   */
  findGroupsByName(
    search: string,
    options?: GatewayReadOptions & { exact?: boolean },
  ): Promise<KcGroup[]>;
  /** Creates a group (a child group when `parentId` is given) and returns its id. */
  createGroup(group: KcGroup, parentId?: string): Promise<string>;
  updateGroup(groupId: string, group: KcGroup): Promise<void>;
  deleteGroup(groupId: string): Promise<boolean>;
  /** Members of a group, paged (`first`, `max`). */
  listGroupMembers(
    groupId: string,
    options?: GatewayReadOptions & { first?: number; max?: number },
  ): Promise<KcUser[]>;
  listGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    options?: GatewayReadOptions,
  ): Promise<KcRole[]>;
  addGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    roles: KcRole[],
  ): Promise<void>;
  removeGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
    roles: KcRole[],
  ): Promise<void>;
  /** Every role mapping of a group: realm roles and roles of each client. */
  listGroupRoleMappings(
    groupId: string,
    options?: GatewayReadOptions,
  ): Promise<{
    realmMappings: KcRole[];
    /** Keyed by clientId. */
    clientMappings: Record<
      string,
      { id?: string; client?: string; mappings: KcRole[] }
    >;
  }>;

  /**
   * The client roles of every group of the realm, from one partial export of its groups
   * and roles (no clients, so no secret, masked or not, is read): one call whatever the
   * number of groups and clients.
   */
  listAllGroupClientRoles(
    options?: GatewayReadOptions,
  ): Promise<KcGroupClientRoles[]>;

  /** The realm's OIDC discovery document; fails when it does not answer or has no issuer. */
  fetchOidcDiscovery(options?: GatewayReadOptions): Promise<{ issuer: string }>;
}

/**
 * The client roles mapped to one group, by clientId.
 *
 * @public
 */
export interface KcGroupClientRoles {
  /** Full path, `/parent/child`. */
  path: string;
  /** clientId → names of the client's roles mapped to the group (not inherited ones). */
  clientRoles: Record<string, string[]>;
}
