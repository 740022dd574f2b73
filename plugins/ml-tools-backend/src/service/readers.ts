/**
 * The narrow reads the ML tools routes need. They are implemented over the Kubernetes and
 * Keycloak gateways of `@ml-platform/plugin-ml-tools-node` (see `gatewayReaders.ts`);
 * tests and benchmarks may pass their own.
 */

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
  ): Promise<MlToolsK8sObject | undefined>;
  list(
    cluster: string,
    query: {
      apiVersion: string;
      kind: string;
      namespace?: string;
      labelSelector?: string;
    },
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
  findClient(clientId: string): Promise<MlToolsKeycloakClientInfo | undefined>;
  /** The client scope of this name with its mappers, or `undefined`. */
  findClientScope(
    name: string,
  ): Promise<MlToolsKeycloakClientScope | undefined>;
  /** The group at this path (`/parent/child`), or `undefined`. */
  findGroupByPath(path: string): Promise<{ id: string } | undefined>;
  /** All direct members of a group (following pages). */
  listGroupMembers(groupId: string): Promise<MlToolsKeycloakMember[]>;
  /** Fetches the realm's OIDC discovery document; resolves with its issuer. */
  checkOidcDiscovery(): Promise<{ issuer: string }>;
}
