/**
 * The narrow reads the entity provider needs. They are implemented over the Kubernetes and
 * Keycloak gateways of `@ml-platform/plugin-ml-tools-node` (see `readers.ts`); tests and
 * benchmarks may pass their own.
 */

/**
 * A kind of Kubernetes object that can stand for a tool instance: a release kind of a
 * deploy driver, or the kind of a blueprint's plain objects (a custom resource).
 *
 * @public
 */
export interface MlToolsInstanceKind {
  apiVersion: string;
  kind: string;
}

/**
 * The parts of a Kubernetes object the provider reads.
 *
 * @public
 */
export interface MlToolsKubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
}

/**
 * Lists the instance objects of one cluster, across all namespaces, by label selector
 * (following Kubernetes' `continue` pages). A kind the cluster does not serve (its CRD is
 * not installed) must fail with `NotFoundError` from `@backstage/errors`.
 *
 * @public
 */
export interface MlToolsClusterReader {
  listInstances(request: {
    kind: MlToolsInstanceKind;
    labelSelector: string;
  }): Promise<MlToolsKubernetesObject[]>;
}

/**
 * The parts of a Keycloak client representation the provider reads. Never a secret.
 *
 * @public
 */
export interface MlToolsKeycloakClient {
  id?: string;
  clientId?: string;
  name?: string;
  description?: string;
  enabled?: boolean;
  attributes?: Record<string, string | string[] | undefined>;
}

/**
 * A user federation (user-storage component) of a realm, as the provider reads it. Its
 * config never holds a usable secret: Keycloak masks the bind credential, and the
 * provider copies none of it.
 *
 * @public
 */
export interface MlToolsKeycloakFederation {
  realm: string;
  id?: string;
  name: string;
  providerId: string;
  config: Record<string, string[] | undefined>;
}

/**
 * Lists the clients of one realm whose attribute has the value (following Keycloak's
 * `first`/`max` pages), and the user federations of the realms the service account sees.
 *
 * @public
 */
export interface MlToolsKeycloakReader {
  listClients(request: {
    attribute: { key: string; value: string };
    /** Narrow the list on the server with Keycloak's `q` attribute search. */
    attributeSearch: boolean;
  }): Promise<MlToolsKeycloakClient[]>;
  /** User federations of every visible realm; readers without it emit none. */
  listFederations?(): Promise<MlToolsKeycloakFederation[]>;
}
