/**
 * The value of `app.kubernetes.io/managed-by` on everything the suite creates. Objects
 * without it are never adopted or changed.
 *
 * @public
 */
export const ML_PLATFORM_MANAGER = 'ml-platform-backstage';

/**
 * The single server-side-apply field manager of every Kubernetes write.
 *
 * @public
 */
export const ML_PLATFORM_FIELD_MANAGER = 'ml-platform-backstage';

/**
 * Kubernetes label keys set on every object the suite creates. Values are label-safe
 * (DNS-1123 label), so owners are stored as a group name here and as a full entity ref in
 * {@link ML_PLATFORM_ANNOTATIONS}.
 *
 * @public
 */
export const ML_PLATFORM_LABELS = Object.freeze({
  managedBy: 'app.kubernetes.io/managed-by',
  /** Helm's own release label; the chart's workloads carry it too. */
  helmInstance: 'app.kubernetes.io/instance',
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
  /** The instance name (= release name), unique across a cluster. */
  instance: 'ml-platform.io/instance',
  /** The blueprint id, for example `mlflow`. */
  tool: 'ml-platform.io/tool',
  /** The owning group's name (the entity ref is in the owner annotation). */
  owner: 'ml-platform.io/owner',
} as const);

/**
 * Kubernetes annotation keys on the suite's releases and profiles; the entity provider
 * reads them back to build catalog entities without any catalog-info file.
 *
 * @public
 */
export const ML_PLATFORM_ANNOTATIONS = Object.freeze({
  /** Full entity ref of the owner, for example `group:default/data-scientists`. */
  owner: 'ml-platform.io/owner',
  /** Human title of the instance. */
  title: 'ml-platform.io/title',
  description: 'ml-platform.io/description',
  lifecycle: 'ml-platform.io/lifecycle',
  /** The Keycloak clientId protecting this instance (its first client), when there is one. */
  keycloakClientId: 'ml-platform.io/keycloak-client-id',
  /**
   * JSON of what says the instance is up, from its blueprint at deploy time: an object
   * with `workloads` (kind, name, namespace), `endpoints` (paths) and `conditions`
   * (title, apiVersion, kind, name, namespace, type).
   */
  health: 'ml-platform.io/health',
  /** JSON array of the clientIds of every Keycloak client of the instance. */
  keycloakClientIds: 'ml-platform.io/keycloak-client-ids',
  /** JSON array of `{ title, url, type }` links (UI, API, docs). */
  links: 'ml-platform.io/links',
  /** JSON object of role name to Keycloak group paths. */
  roleMappings: 'ml-platform.io/role-mappings',
  /** JSON object of role name to the user ids the tool grants it to directly. */
  roleUsers: 'ml-platform.io/role-users',
  /** JSON array of backing stores `{ kind: 'database' | 'bucket', name }`. */
  backingStores: 'ml-platform.io/backing-stores',
  /**
   * Hash of the desired state last applied by the suite (secret values excluded). A
   * re-run whose desired state hashes the same, and whose fields still hold, writes
   * nothing.
   */
  appliedHash: 'ml-platform.io/applied-hash',
  /** `<cluster>/<namespace>/<instance>` of the instance an object belongs to. */
  instanceRef: 'ml-platform.io/instance-ref',
  /**
   * JSON array of the Helm release names of every release of the instance (the main one
   * first, then parts such as its auth proxy), so that readers find all its workloads
   * and its ingress by `app.kubernetes.io/instance`.
   */
  releases: 'ml-platform.io/releases',
  /**
   * On the main part of an instance whose last deploy stopped after its first write:
   * what failed, in a sentence. A later deploy that completes removes it; the lifecycle
   * annotation reads `incomplete` meanwhile.
   */
  incomplete: 'ml-platform.io/incomplete',
} as const);

/**
 * Attribute keys on Keycloak clients and groups created by the suite. A client is adopted
 * only when `managedBy` equals {@link ML_PLATFORM_MANAGER}.
 *
 * @public
 */
export const KEYCLOAK_ATTRIBUTES = Object.freeze({
  managedBy: 'ml-platform.io/managed-by',
  /** `<cluster>/<namespace>/<instance>` of the instance the client belongs to. */
  instance: 'ml-platform.io/instance',
  tool: 'ml-platform.io/tool',
  owner: 'ml-platform.io/owner',
  /** On groups: the instances that asked for this group, comma separated. */
  createdFor: 'ml-platform.io/created-for',
} as const);
