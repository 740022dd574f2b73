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
 * The only way the ML tools plugins talk to Keycloak, in the configured realm, for
 * reads and writes alike (one login, one retry policy). Reads and idempotent writes
 * are retried (bounded, jittered) on 5xx and 429; creates are retried only after a
 * lookup proved the object absent; a 401 triggers one re-login. Every read takes a
 * `signal` that cancels its HTTP request.
 *
 * @public
 */
export interface KeycloakGateway {
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

  /** The realm's OIDC discovery document; fails when it does not answer or has no issuer. */
  fetchOidcDiscovery(options?: GatewayReadOptions): Promise<{ issuer: string }>;
}
