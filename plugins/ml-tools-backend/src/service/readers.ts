/**
 * The narrow reads the ML tools routes need. They are implemented over the Kubernetes and
 * Keycloak gateways of `@ml-platform/plugin-ml-tools-node` (see `gatewayReads.ts`);
 * tests and benchmarks may pass their own.
 */

/**
 * Options of every read.
 *
 * @public
 */
export interface MlToolsReadOptions {
  /**
   * Aborted when the caller stops waiting: the read should then close its upstream
   * request rather than leave it open until the server answers.
   */
  signal?: AbortSignal;
  /**
   * The longest wait for each upstream request of the read (each page of a list): a
   * request past it is closed and the read fails with a timeout, while a read of many
   * requests that each answer in time may take longer in all. The routes pass their
   * per-server timeout here.
   */
  timeoutMs?: number;
}

/**
 * A Kubernetes object as plain JSON.
 *
 * @public
 */
export interface MlToolsK8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/**
 * Reads of the configured clusters. A missing object is `undefined`, not an error.
 *
 * @public
 */
export interface MlToolsClusterReads {
  /** Names of the clusters in `mlTools.clusters`. */
  clusterNames(): string[];
  get(
    cluster: string,
    ref: { apiVersion: string; kind: string; name: string; namespace?: string },
    options?: MlToolsReadOptions,
  ): Promise<MlToolsK8sObject | undefined>;
  list(
    cluster: string,
    query: {
      apiVersion: string;
      kind: string;
      namespace?: string;
      labelSelector?: string;
    },
    options?: MlToolsReadOptions,
  ): Promise<MlToolsK8sObject[]>;
}

/**
 * The parts of a Keycloak client the routes read. The secret is never asked for.
 *
 * @public
 */
export interface MlToolsKeycloakClientInfo {
  id: string;
  clientId: string;
  enabled: boolean;
  protocol?: string;
  publicClient?: boolean;
  redirectUris?: string[];
  defaultClientScopes?: string[];
  attributes?: Record<string, unknown>;
  protocolMappers?: Array<{
    protocolMapper?: string;
    config?: Record<string, string>;
  }>;
}

/**
 * A client scope with its protocol mappers.
 *
 * @public
 */
export interface MlToolsKeycloakClientScope {
  name: string;
  protocolMappers?: Array<{
    protocolMapper?: string;
    config?: Record<string, string>;
  }>;
}

/**
 * The client roles mapped to one group.
 *
 * @public
 */
export interface MlToolsGroupClientRoles {
  /** Full path, `/parent/child`. */
  path: string;
  /** clientId → names of that client's roles mapped to the group. */
  clientRoles: Record<string, string[]>;
}

/**
 * A group member as the routes show it.
 *
 * @public
 */
export interface MlToolsKeycloakMember {
  username: string;
  email?: string;
}

/**
 * Reads of the Keycloak realm of `mlTools.keycloak`.
 *
 * @public
 */
export interface MlToolsKeycloakReads {
  /** The client with this clientId, or `undefined`. */
  findClient(
    clientId: string,
    options?: MlToolsReadOptions,
  ): Promise<MlToolsKeycloakClientInfo | undefined>;
  /**
   * Every client of the realm that the suite manages (its `ml-platform.io/managed-by`
   * attribute), following pages. Optional for reads written before the fleet view,
   * whose instance list then shows no client check.
   */
  listManagedClients?(
    options?: MlToolsReadOptions,
  ): Promise<MlToolsKeycloakClientInfo[]>;
  /**
   * The client roles of every group of the realm (full path → clientId → role names),
   * read at once. Optional for reads written before role-mapping drift, which is then
   * not reported.
   */
  listAllGroupClientRoles?(
    options?: MlToolsReadOptions,
  ): Promise<MlToolsGroupClientRoles[]>;
  /** The client scope of this name with its mappers, or `undefined`. */
  findClientScope(
    name: string,
    options?: MlToolsReadOptions,
  ): Promise<MlToolsKeycloakClientScope | undefined>;
  /** The group at this path (`/parent/child`), or `undefined`. */
  findGroupByPath(
    path: string,
    options?: MlToolsReadOptions,
  ): Promise<{ id: string } | undefined>;
  /** All direct members of a group (following pages). */
  listGroupMembers(
    groupId: string,
    options?: MlToolsReadOptions,
  ): Promise<MlToolsKeycloakMember[]>;
  /** Fetches the realm's OIDC discovery document; resolves with its issuer. */
  checkOidcDiscovery(options?: MlToolsReadOptions): Promise<{ issuer: string }>;
  /**
   * What a realm's user federation looks like now, or `undefined` when there is none of
   * that name; absent on readers that do not know federations.
   */
  userFederation?(
    realm: string,
    name: string,
    options?: MlToolsReadOptions,
  ): Promise<MlToolsUserFederationFacts | undefined>;
}

/**
 * A user federation as the health route reads it: its settings (never the credential),
 * its users and their groups, and Keycloak's own test of the stored bind.
 *
 * @public
 */
export interface MlToolsUserFederationFacts {
  id: string;
  connectionUrl?: string;
  vendor?: string;
  editMode?: string;
  enabled: boolean;
  /** Seconds since the epoch of the last sync Keycloak recorded. */
  lastSync?: number;
  users: number;
  /** Paths of the groups the federation's users belong to. */
  groups: string[];
  /** Keycloak's error code when the stored bind fails (`AuthenticationFailure`, ...). */
  bindError?: string;
}

/**
 * The cluster reads with every call given the same options (a signal, a per-request
 * timeout), for code that runs a batch of reads under one policy.
 *
 * @internal
 */
export function clusterReadsWith(
  reads: MlToolsClusterReads,
  options: MlToolsReadOptions,
): MlToolsClusterReads {
  return {
    clusterNames: () => reads.clusterNames(),
    get: (cluster, ref) => reads.get(cluster, ref, options),
    list: (cluster, query) => reads.list(cluster, query, options),
  };
}

/**
 * The Keycloak reads with every call given the same options (a signal, a per-request
 * timeout), for code that runs a batch of reads under one policy.
 *
 * @internal
 */
export function keycloakReadsWith(
  reads: MlToolsKeycloakReads,
  options: MlToolsReadOptions,
): MlToolsKeycloakReads {
  return {
    findClient: clientId => reads.findClient(clientId, options),
    listManagedClients: reads.listManagedClients
      ? () => reads.listManagedClients!(options)
      : undefined,
    listAllGroupClientRoles: reads.listAllGroupClientRoles
      ? () => reads.listAllGroupClientRoles!(options)
      : undefined,
    findClientScope: name => reads.findClientScope(name, options),
    findGroupByPath: path => reads.findGroupByPath(path, options),
    listGroupMembers: groupId => reads.listGroupMembers(groupId, options),
    checkOidcDiscovery: () => reads.checkOidcDiscovery(options),
    ...(reads.userFederation
      ? {
          userFederation: (realm: string, name: string) =>
            reads.userFederation!(realm, name, options),
        }
      : {}),
  };
}
