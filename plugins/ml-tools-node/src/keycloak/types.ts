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
 * The only way the ML tools plugins talk to Keycloak, in the configured realm. Reads and
 * idempotent writes are retried (bounded, jittered) on 5xx and 429; creates are
 * retried only after a lookup proved the object absent; a 401 triggers one re-login.
 *
 * @public
 */
export interface KeycloakGateway {
  /** The realm clients and groups are managed in. */
  readonly realm: string;
  /** Admin console URL of a client, for links. */
  clientConsoleUrl(clientUuid: string): string;

  findClientByClientId(clientId: string): Promise<KcClient | undefined>;
  getClient(clientUuid: string): Promise<KcClient | undefined>;
  /** Creates a client and returns its UUID. */
  createClient(client: KcClient): Promise<string>;
  updateClient(clientUuid: string, client: KcClient): Promise<void>;
  /** False when it was already gone. */
  deleteClient(clientUuid: string): Promise<boolean>;
  /** The client's secret. Callers must never log it or return it. */
  getClientSecret(clientUuid: string): Promise<string>;
  listClientProtocolMappers(clientUuid: string): Promise<KcProtocolMapper[]>;
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
  ): Promise<Array<{ id: string; name: string }>>;
  addDefaultClientScope(clientUuid: string, scopeId: string): Promise<void>;

  findClientScopeByName(name: string): Promise<KcClientScope | undefined>;
  /** Creates a client scope and returns its id. */
  createClientScope(scope: KcClientScope): Promise<string>;
  updateClientScope(scopeId: string, scope: KcClientScope): Promise<void>;
  deleteClientScope(scopeId: string): Promise<boolean>;
  listClientScopeProtocolMappers(scopeId: string): Promise<KcProtocolMapper[]>;
  addClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper,
  ): Promise<void>;
  updateClientScopeProtocolMapper(
    scopeId: string,
    mapper: KcProtocolMapper & { id: string },
  ): Promise<void>;

  listClientRoles(clientUuid: string): Promise<KcRole[]>;
  createClientRole(clientUuid: string, role: KcRole): Promise<void>;
  updateClientRole(clientUuid: string, role: KcRole): Promise<void>;

  /** A group by its full path, such as `/data-science/vision`. */
  findGroupByPath(path: string): Promise<KcGroup | undefined>;
  /**
   * Every group, anywhere in the tree, whose name contains `search` (case-insensitive;
   * equal to it with `exact`), as a flat list with paths and attributes. One call.
   */
  findGroupsByName(
    search: string,
    options?: { exact?: boolean },
  ): Promise<KcGroup[]>;
  /** Creates a group (a child group when `parentId` is given) and returns its id. */
  createGroup(group: KcGroup, parentId?: string): Promise<string>;
  updateGroup(groupId: string, group: KcGroup): Promise<void>;
  deleteGroup(groupId: string): Promise<boolean>;
  /** Members of a group, paged (`first`, `max`). */
  listGroupMembers(
    groupId: string,
    options?: { first?: number; max?: number },
  ): Promise<KcUser[]>;
  listGroupClientRoleMappings(
    groupId: string,
    clientUuid: string,
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
  listGroupRoleMappings(groupId: string): Promise<{
    realmMappings: KcRole[];
    /** Keyed by clientId. */
    clientMappings: Record<
      string,
      { id?: string; client?: string; mappings: KcRole[] }
    >;
  }>;
}
