/**
 * Status of one health check, or of an instance as a whole (the worst of its checks).
 *
 * @public
 */
export type HealthStatus = 'ok' | 'degraded' | 'error' | 'unknown';

/**
 * One check of an instance's health, with the reason a person reads.
 *
 * @public
 */
export interface HealthCheck {
  /** Stable id, for example `release`, `workloads`, `ingress`, `keycloak-client`, `oidc`. */
  id: string;
  title: string;
  status: HealthStatus;
  reason: string;
  /** Optional figures behind the status, such as `{ ready: 2, total: 3, restarts: 0 }`. */
  details?: Record<string, string | number | boolean>;
}

/**
 * Answer of `GET /api/ml-tools/instances/:kind/:namespace/:name/health`.
 *
 * @public
 */
export interface InstanceHealthResponse {
  entityRef: string;
  status: HealthStatus;
  checks: HealthCheck[];
  /** ISO time the upstream data was fetched (answers may be cached briefly). */
  fetchedAt: string;
  /**
   * Where the clusters and Keycloak disagree with what the suite deployed, from the
   * fleet lists (absent when they could not be read).
   */
  drift?: DriftReason[];
}

/**
 * A member of a group, as shown to callers allowed to see members.
 *
 * @public
 */
export interface AccessMember {
  username: string;
  email?: string;
  /** Catalog ref of the matching User entity, when known. */
  entityRef?: string;
}

/**
 * A Keycloak group granting a tool role.
 *
 * @public
 */
export interface AccessGroup {
  /** Keycloak group path, for example `/data-scientists/vision`. */
  path: string;
  /** Catalog ref of the matching Group entity, when known. */
  entityRef?: string;
  memberCount: number;
  /** Present only when the caller may see members. */
  members?: AccessMember[];
  /** False when the group is named in the mapping but missing in Keycloak. */
  exists: boolean;
}

/**
 * A tool role (for example MLflow `EDIT`) and the groups that grant it.
 *
 * @public
 */
export interface AccessRole {
  role: string;
  description?: string;
  groups: AccessGroup[];
  /**
   * How many users the tool grants the role to directly, by their user id in the tool
   * (for tools that grant access user by user); absent when none.
   */
  userCount?: number;
  /** Those users' ids; present only when the caller may see members. */
  users?: string[];
}

/**
 * Answer of `GET /api/ml-tools/instances/:kind/:namespace/:name/access`.
 *
 * @public
 */
export interface InstanceAccessResponse {
  entityRef: string;
  roles: AccessRole[];
  /** Whether member lists were included for this caller. */
  membersVisible: boolean;
  /**
   * How access to the tool works, in the tool's words: how it enforces its roles, or
   * why it has none (a tool with accounts of its own).
   */
  note?: string;
}

/**
 * A link to open an instance or a related console.
 *
 * @public
 */
export interface InstanceLink {
  title: string;
  url: string;
  /** `ui`, `api`, `keycloak-console`, `docs` or a blueprint-defined type. */
  type: string;
  icon?: string;
}

/**
 * Answer of `GET /api/ml-tools/instances/:kind/:namespace/:name/links`.
 *
 * @public
 */
export interface InstanceLinksResponse {
  entityRef: string;
  links: InstanceLink[];
}

/**
 * Answer of `GET /api/ml-tools/keycloak-clients/:kind/:namespace/:name`: the facts of a
 * Keycloak client a person needs to reason about SSO. It never carries the client secret.
 *
 * @public
 */
export interface KeycloakClientSummaryResponse {
  clientId: string;
  enabled: boolean;
  /** `openid-connect` or `saml`. */
  protocol: string;
  publicClient: boolean;
  redirectUris: string[];
  defaultClientScopes: string[];
  /** The audience added to tokens by the client scope's audience mapper, when there is one. */
  audience?: string;
  /** `<cluster>/<namespace>/<name>` of the instance the client belongs to. */
  instanceRef?: string;
  /** Link to the client in the Keycloak admin console. */
  consoleUrl?: string;
}

/**
 * One tool instance as listed on the ML tools page.
 *
 * @public
 */
export interface InstanceSummary {
  /** Catalog ref of the instance's Component, for example `component:ml/mlflow-a`. */
  entityRef: string;
  title: string;
  /** The blueprint id, for example `mlflow`. */
  tool: string;
  /**
   * The tool's icon from its blueprint: an icon name (`experiment`, `notebook`, ...) or an
   * `https://` URL; absent when the tool's blueprint is not registered.
   */
  icon?: string;
  /** The tool's category from its blueprint, such as `experiment-tracking`. */
  category?: string;
  /** Entity ref of the owner, for example `group:default/data-scientists`. */
  owner: string;
  namespace: string;
  cluster: string;
  /** Where a person opens the tool, when it has a UI. */
  uiUrl?: string;
  health: HealthStatus;
  /**
   * Where the clusters and Keycloak disagree with what the suite deployed (empty when
   * they agree, absent when the caller may not read the instance's health).
   */
  drift?: DriftReason[];
}

/**
 * Kinds of drift between what the suite deployed and what the clusters and Keycloak hold.
 *
 * @public
 */
export type DriftKind =
  | 'release-missing'
  | 'workload-missing'
  | 'client-missing'
  | 'client-disabled'
  | 'client-changed'
  | 'role-mapping-changed'
  | 'pending-upgrade';

/**
 * One reason an instance needs attention.
 *
 * @public
 */
export interface DriftReason {
  kind: DriftKind;
  /** What differs, in a sentence. */
  message: string;
  /**
   * For `role-mapping-changed`: the client role, the group (full path) and whether the
   * group was granted the role (`added`) or lost it (`removed`) outside the suite.
   */
  roleMapping?: { role: string; group: string; change: 'added' | 'removed' };
}

/**
 * Kinds of orphans: pieces the suite made whose instance is gone.
 *
 * @public
 */
export type OrphanKind = 'client-without-release' | 'release-without-entity';

/**
 * A piece the suite made that no instance accounts for.
 *
 * @public
 */
export interface FleetOrphan {
  kind: OrphanKind;
  /**
   * What names it in the orphan action routes (`/fleet/orphans/:kind/:id/...`): the
   * clientId of a client, the instance ref of a release.
   */
  id: string;
  /** `<cluster>/<namespace>/<instance>` it was made for. */
  instanceRef: string;
  /** What it is: `Keycloak client <clientId>`, `HelmRelease <namespace>/<name>`... */
  what: string;
  /** Why it is an orphan, and what removing it does, in a sentence. */
  message: string;
}

/**
 * Answer of `GET /api/ml-tools/fleet/orphans`.
 *
 * @public
 */
export interface FleetOrphansResponse {
  items: FleetOrphan[];
  /** Clusters whose lists could not be read: their orphans are not known. */
  unreadClusters: string[];
}

/**
 * What can be done to an orphan: `adopt` makes a release an instance again (under the
 * owner the caller names), `remove` deletes it and what the suite made with it.
 *
 * @public
 */
export type OrphanAction = 'adopt' | 'remove';

/**
 * Body of `POST /api/ml-tools/fleet/orphans/:kind/:id/adopt`.
 *
 * @public
 */
export interface AdoptOrphanRequest {
  /** Entity ref of the Group or User that owns the instance from now on. */
  owner: string;
}

/**
 * One change an orphan action made (or, in a dry run, would make).
 *
 * @public
 */
export interface OrphanActionChange {
  /** `kubernetes` or `keycloak`. */
  target: string;
  /** Kind of object: `HelmRelease`, `Secret`, `client`... */
  kind: string;
  name: string;
  /** `delete`, `update`, `keep`, `absent`... */
  action: string;
  detail?: string;
}

/**
 * Answer of the orphan action routes.
 *
 * @public
 */
export interface OrphanActionResponse {
  kind: OrphanKind;
  id: string;
  action: OrphanAction;
  /** True when nothing was written (`?dryRun=true`). */
  dryRun: boolean;
  changes: OrphanActionChange[];
}

/**
 * Filters of `GET /api/ml-tools/instances`; every field is optional and they combine with AND.
 *
 * @public
 */
export interface InstanceListQuery {
  tool?: string;
  owner?: string;
  health?: HealthStatus;
  /** Only instances with drift (`true`). */
  attention?: boolean;
}

/**
 * Answer of `GET /api/ml-tools/instances`.
 *
 * @public
 */
export interface InstanceListResponse {
  items: InstanceSummary[];
}

/**
 * Answer of `GET /api/ml-tools/user-federations/:kind/:namespace/:name/health`: how a
 * realm's LDAP / Active Directory federation is doing. It never carries the bind
 * credential.
 *
 * @public
 */
export interface UserFederationHealthResponse {
  status: HealthStatus;
  realm: string;
  name: string;
  /** `ldap://…` or `ldaps://…`. */
  connectionUrl?: string;
  vendor?: string;
  editMode?: string;
  /** ISO time of the last sync Keycloak recorded, when there was one. */
  lastSync?: string;
  /** Users the federation imported. */
  users: number;
  /** Groups those users belong to. */
  groups: number;
  /** What is wrong, in words (an unreachable directory, a refused bind, a missing federation). */
  errors: string[];
  /** Link to the federation in the Keycloak admin console. */
  consoleUrl?: string;
}
