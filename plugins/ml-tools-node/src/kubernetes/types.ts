/**
 * A Kubernetes object as plain JSON (dates as ISO strings).
 *
 * @public
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    managedFields?: unknown[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * Identifies one object: its type and its name (and namespace when namespaced).
 *
 * @public
 */
export interface K8sObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * A list query: a type, an optional namespace (all namespaces when absent) and
 * selectors.
 *
 * @public
 */
export interface K8sListQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per request; every page is read whatever its size. 500 by default. */
  pageSize?: number;
}

/**
 * Options every gateway read accepts.
 *
 * @public
 */
export interface GatewayReadOptions {
  /**
   * Aborts the read: the upstream HTTP request is cancelled (its socket closed) and the
   * read rejects with the signal's reason, without retrying.
   */
  signal?: AbortSignal;
  /**
   * Longest wait for each upstream request of this read (each page of a list), when it
   * is shorter than the server's configured request timeout. A request past it is
   * closed and not retried: the caller set it because it will not wait longer, and a
   * read made of many requests may still take longer than this in all.
   */
  timeoutMs?: number;
}

/**
 * What a readiness check says about an object while waiting on it.
 *
 * @public
 */
export type K8sWaitState =
  | { state: 'ready'; message?: string }
  | { state: 'pending'; message: string }
  | { state: 'failed'; message: string };

/**
 * Options of {@link KubernetesGateway.waitFor}.
 *
 * @public
 */
export interface K8sWaitOptions {
  /** Evaluates the object (undefined while it does not exist). */
  check: (object: K8sObject | undefined) => K8sWaitState;
  timeoutMs: number;
  pollIntervalMs: number;
  /** Receives one line per state change, and a heartbeat line at most every 10 s. */
  onProgress?: (line: string) => void;
  /**
   * Cancels the wait, including the read in flight: it then fails with a
   * `ReleaseNotReadyError` saying so.
   */
  signal?: AbortSignal;
}

/**
 * One upstream call, reported to {@link GatewayHooks.afterCall} once it has completed.
 *
 * @public
 */
export interface GatewayCall {
  server: 'kubernetes' | 'keycloak';
  /** Cluster name, or the Keycloak realm. */
  target: string;
  /** `get`, `list`, `apply`, `delete` or a Keycloak operation name. */
  operation: string;
  /** Whether the call changes state upstream. */
  write: boolean;
  /** What it was about, such as `Secret ml-a/x` or `client mlflow-a`. */
  subject: string;
}

/**
 * Observation points of the gateways, for metrics and for crash-and-resume tests.
 *
 * @public
 */
export interface GatewayHooks {
  /** Called after each upstream call succeeded; an error thrown here aborts the caller. */
  afterCall?: (call: GatewayCall) => void | Promise<void>;
}

/**
 * The only way the ML tools plugins talk to Kubernetes. Writes are server-side apply
 * with the single field manager `ML_PLATFORM_FIELD_MANAGER`; 429 answers are retried
 * after their Retry-After delay, 5xx answers with jittered backoff for idempotent verbs.
 *
 * @public
 */
export interface KubernetesGateway {
  /** Names of the configured clusters, default first. */
  clusterNames(): string[];
  /** Throws a NotFoundError naming the cluster when it is not configured. */
  assertCluster(cluster: string): void;
  /** The object, or undefined when it does not exist. */
  get<T extends K8sObject = K8sObject>(
    cluster: string,
    ref: K8sObjectRef,
    options?: GatewayReadOptions,
  ): Promise<T | undefined>;
  /**
   * Every object matching the query (follows `continue` pages). A kind the gateway does
   * not know up front is found through the API group's discovery document.
   */
  list<T extends K8sObject = K8sObject>(
    cluster: string,
    query: K8sListQuery,
    options?: GatewayReadOptions,
  ): Promise<T[]>;
  /** The same query on every configured cluster; a failing cluster reports its error. */
  listAcrossClusters<T extends K8sObject = K8sObject>(
    query: K8sListQuery,
    options?: GatewayReadOptions,
  ): Promise<Array<{ cluster: string; items: T[]; error?: Error }>>;
  /** Server-side apply of the whole object with the suite's field manager. */
  apply<T extends K8sObject = K8sObject>(
    cluster: string,
    object: K8sObject,
    options?: { force?: boolean; dryRun?: boolean },
  ): Promise<T>;
  /** Deletes the object; false when it was already gone. */
  delete(
    cluster: string,
    ref: K8sObjectRef,
    options?: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' },
  ): Promise<boolean>;
  /** Polls the object until the check says ready or failed, or the timeout passes. */
  waitFor(
    cluster: string,
    ref: K8sObjectRef,
    options: K8sWaitOptions,
  ): Promise<K8sObject>;
}
