import type { Entity } from '@backstage/catalog-model';

/**
 * Catalog annotations the entity provider sets on the entities it emits. The frontend
 * cards and the backend routes key off these, never off a kind or type filter.
 *
 * @public
 */
export const ML_TOOLS_ENTITY_ANNOTATIONS = Object.freeze({
  /** `<cluster>/<namespace>/<name>` on a tool instance Component. */
  instance: 'ml-platform.io/instance',
  /** The blueprint id of the instance. */
  tool: 'ml-platform.io/tool',
  /**
   * The tool's icon, from its blueprint: an icon name the frontend knows (`experiment`,
   * `notebook`, `workflow`, ...) or an `https://` URL.
   */
  icon: 'ml-platform.io/icon',
  /** The tool's category, from its blueprint, such as `experiment-tracking`. */
  category: 'ml-platform.io/category',
  /**
   * JSON of what says the instance is up (workloads, endpoints, conditions), copied from
   * the instance's main part as the deploy wrote it.
   */
  health: 'ml-platform.io/health',
  /** JSON array of the clientIds of every Keycloak client of the instance. */
  keycloakClientIds: 'ml-platform.io/keycloak-client-ids',
  /**
   * The Kubernetes object that stands for the instance on a tool instance Component:
   * `<Kind>/<namespace>/<name>` for a namespaced one (a release), or `<Kind>/<name>` for a
   * cluster-scoped one (a custom resource of the blueprint).
   */
  release: 'ml-platform.io/release',
  /** `<server>/<realm>/<clientId>` on a Keycloak client Resource and its instance. */
  keycloakClient: 'ml-platform.io/keycloak-client',
  /** `<realm>` on a Keycloak realm Resource, `<realm>/<federation name>` on a user federation Resource. */
  keycloakRealm: 'ml-platform.io/keycloak-realm',
  keycloakFederation: 'ml-platform.io/keycloak-federation',
  /** Backstage's own Kubernetes plugin annotations, set so its tab works unchanged. */
  kubernetesLabelSelector: 'backstage.io/kubernetes-label-selector',
  kubernetesNamespace: 'backstage.io/kubernetes-namespace',
  /** Marks entities emitted by our provider (its location key). */
  managedByLocation: 'backstage.io/managed-by-location',
} as const);

/**
 * `spec.type` values of the Resource entities the provider emits.
 *
 * @public
 */
export const ML_TOOLS_RESOURCE_TYPES = Object.freeze({
  keycloakClient: 'keycloak-client',
  database: 'database',
  bucket: 'bucket',
  keycloakRealm: 'keycloak-realm',
  userFederation: 'user-federation',
} as const);

/**
 * True when the entity is a tool instance emitted by the suite (its Component carries the
 * instance annotation).
 *
 * @public
 */
export function isMlToolInstanceEntity(entity: Entity): boolean {
  return Boolean(
    entity.metadata.annotations?.[ML_TOOLS_ENTITY_ANNOTATIONS.instance],
  );
}

/**
 * True when the entity is a Keycloak client Resource emitted by the suite.
 *
 * @public
 */
export function isKeycloakClientEntity(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    Boolean(
      entity.metadata.annotations?.[ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient],
    )
  );
}

/**
 * True when the entity is a user federation Resource emitted by the suite.
 *
 * @public
 */
export function isUserFederationEntity(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    Boolean(
      entity.metadata.annotations?.[
        ML_TOOLS_ENTITY_ANNOTATIONS.keycloakFederation
      ],
    )
  );
}
