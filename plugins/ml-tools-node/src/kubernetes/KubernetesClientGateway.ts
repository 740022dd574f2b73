import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1APIResource,
} from '@kubernetes/client-node';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ML_PLATFORM_FIELD_MANAGER } from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsClusterConfig } from '../config/readMlToolsConfig';
import { ReleaseNotReadyError, UpstreamError } from '../lib/errors';
import { parseRetryAfter, withRetries, type RetryOptions } from '../lib/retry';
import type {
  GatewayHooks,
  K8sListQuery,
  K8sObject,
  K8sObjectRef,
  K8sWaitOptions,
  KubernetesGateway,
} from './types';

/**
 * Resources whose REST names are known up front, so that the gateway does not spend a
 * discovery request per API group before its first call.
 */
const KNOWN_RESOURCES: Record<
  string,
  Array<{ kind: string; name: string; namespaced: boolean }>
> = {
  v1: [
    { kind: 'Namespace', name: 'namespaces', namespaced: false },
    { kind: 'Secret', name: 'secrets', namespaced: true },
    { kind: 'ConfigMap', name: 'configmaps', namespaced: true },
    { kind: 'Service', name: 'services', namespaced: true },
    { kind: 'Pod', name: 'pods', namespaced: true },
    { kind: 'ServiceAccount', name: 'serviceaccounts', namespaced: true },
    {
      kind: 'PersistentVolumeClaim',
      name: 'persistentvolumeclaims',
      namespaced: true,
    },
  ],
  'apps/v1': [
    { kind: 'Deployment', name: 'deployments', namespaced: true },
    { kind: 'StatefulSet', name: 'statefulsets', namespaced: true },
  ],
  'networking.k8s.io/v1': [
    { kind: 'Ingress', name: 'ingresses', namespaced: true },
  ],
  'helm.toolkit.fluxcd.io/v2': [
    { kind: 'HelmRelease', name: 'helmreleases', namespaced: true },
  ],
  'source.toolkit.fluxcd.io/v1': [
    { kind: 'HelmRepository', name: 'helmrepositories', namespaced: true },
  ],
  'argoproj.io/v1alpha1': [
    { kind: 'Application', name: 'applications', namespaced: true },
  ],
  'kubeflow.org/v1': [{ kind: 'Profile', name: 'profiles', namespaced: false }],
  'rbac.authorization.k8s.io/v1': [
    { kind: 'RoleBinding', name: 'rolebindings', namespaced: true },
  ],
};

class RequestTimeoutError extends Error {
  name = 'RequestTimeoutError';
}

/** Objects per list request unless the query asks for another page size. */
const DEFAULT_PAGE_SIZE = 500;

/**
 * The object API with its resource cache seeded from {@link KNOWN_RESOURCES}, and its
 * resource discovery opened up so that lists can find a kind's REST name.
 */
class GatewayObjectApi extends KubernetesObjectApi {
  static forKubeConfig(kc: KubeConfig): GatewayObjectApi {
    const api = kc.makeApiClient(GatewayObjectApi);
    api.setDefaultNamespace(kc);
    for (const [groupVersion, resources] of Object.entries(KNOWN_RESOURCES)) {
      api.apiVersionResourceCache[groupVersion] = {
        groupVersion,
        resources: resources.map(
          (r): V1APIResource => ({
            kind: r.kind,
            name: r.name,
            namespaced: r.namespaced,
            singularName: r.kind.toLowerCase(),
            verbs: [],
          }),
        ),
      };
    }
    return api;
  }

  /** REST name and scope of a kind when already known, without a request. */
  cachedResource(apiVersion: string, kind: string): V1APIResource | undefined {
    return this.apiVersionResourceCache[apiVersion]?.resources.find(
      r => r.kind === kind,
    );
  }

  /** REST name and scope of a kind, from the server's discovery when not cached. */
  discoverResource(
    apiVersion: string,
    kind: string,
  ): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

/** One cluster's clients: the object API, and the custom objects API for lists. */
interface ClusterApis {
  objects: GatewayObjectApi;
  customObjects: CustomObjectsApi;
}

/** One page of a list, as plain JSON. */
interface ListPage {
  metadata?: { continue?: string; _continue?: string };
  items?: unknown[];
}

/**
 * Builds a KubeConfig for one configured cluster. TLS verification stays on unless the
 * config explicitly turns it off.
 *
 * @public
 */
export function makeKubeConfig(cluster: MlToolsClusterConfig): KubeConfig {
  const kc = new KubeConfig();
  if (cluster.authProvider === 'inCluster') {
    kc.loadFromCluster();
  } else if (cluster.authProvider === 'kubeconfig') {
    if (cluster.kubeconfig) kc.loadFromString(cluster.kubeconfig);
    else kc.loadFromFile(cluster.kubeconfigPath!);
    if (cluster.kubeconfigContext)
      kc.setCurrentContext(cluster.kubeconfigContext);
  } else {
    kc.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: cluster.url,
          caData: cluster.caData,
          caFile: cluster.caFile,
          // A plain-http URL has no TLS to verify; the client refuses http otherwise.
          skipTLSVerify:
            cluster.skipTLSVerify || cluster.url?.startsWith('http:') === true,
        },
      ],
      users: [{ name: 'ml-platform', token: cluster.serviceAccountToken }],
      contexts: [
        { name: cluster.name, cluster: cluster.name, user: 'ml-platform' },
      ],
      currentContext: cluster.name,
    });
  }
  if (cluster.authProvider !== 'serviceAccount') {
    // Config wins over the kubeconfig's own CA/TLS settings when it gives them.
    const current = kc.getCurrentCluster();
    if (current && (cluster.caData || cluster.skipTLSVerify || cluster.url)) {
      const patched = {
        ...current,
        server: cluster.url ?? current.server,
        caData: cluster.caData ?? current.caData,
        skipTLSVerify: cluster.skipTLSVerify || current.skipTLSVerify,
      };
      kc.clusters = kc.clusters.map(c =>
        c.name === current.name ? patched : c,
      );
    }
  }
  return kc;
}

/**
 * Options of {@link KubernetesClientGateway}.
 *
 * @public
 */
export interface KubernetesClientGatewayOptions {
  clusters: readonly MlToolsClusterConfig[];
  logger?: LoggerService;
  hooks?: GatewayHooks;
  /** Overrides of the retry policy (attempts, delays), mostly for tests. */
  retry?: Partial<Omit<RetryOptions, 'classify'>>;
}

function describe(ref: { kind: string; namespace?: string; name: string }) {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function toPlain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function statusMessage(error: ApiException<unknown>): string {
  const body = error.body as unknown;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON
    }
    return body.slice(0, 200);
  }
  if (body && typeof body === 'object' && 'message' in body) {
    return String((body as { message: unknown }).message);
  }
  return `HTTP ${error.code}`;
}

function headerValue(
  headers: Record<string, string> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find(k => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** True for network-level failures where no answer came back. */
function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause
    ?.code;
  return (
    error.name === 'FetchError' ||
    error.message === 'fetch failed' ||
    (typeof code === 'string' &&
      ['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'ETIMEDOUT'].includes(
        code,
      ))
  );
}

/**
 * {@link KubernetesGateway} on `@kubernetes/client-node`, one API client per configured
 * cluster.
 *
 * @public
 */
export class KubernetesClientGateway implements KubernetesGateway {
  private readonly apis = new Map<string, ClusterApis>();
  private readonly names: string[];
  private readonly timeouts = new Map<string, number>();

  constructor(private readonly options: KubernetesClientGatewayOptions) {
    this.names = options.clusters.map(c => c.name);
    for (const cluster of options.clusters) {
      this.timeouts.set(cluster.name, cluster.requestTimeoutMs);
    }
  }

  /** Builds the gateway from the parsed `mlTools` config. */
  static fromConfig(
    config: { clusters: readonly MlToolsClusterConfig[] },
    deps: { logger?: LoggerService; hooks?: GatewayHooks } = {},
  ): KubernetesClientGateway {
    return new KubernetesClientGateway({
      clusters: config.clusters,
      logger: deps.logger,
      hooks: deps.hooks,
    });
  }

  clusterNames(): string[] {
    return [...this.names];
  }

  assertCluster(cluster: string): void {
    if (!this.names.includes(cluster)) {
      throw new NotFoundError(
        `Unknown cluster "${cluster}"; configured clusters: ${this.names.join(
          ', ',
        )}`,
      );
    }
  }

  private api(cluster: string): ClusterApis {
    this.assertCluster(cluster);
    let apis = this.apis.get(cluster);
    if (!apis) {
      const config = this.options.clusters.find(c => c.name === cluster)!;
      const kc = makeKubeConfig(config);
      apis = {
        objects: GatewayObjectApi.forKubeConfig(kc),
        customObjects: kc.makeApiClient(CustomObjectsApi),
      };
      this.apis.set(cluster, apis);
    }
    return apis;
  }

  /**
   * Runs one upstream call with the retry policy. `idempotent` calls are retried on 5xx
   * and network errors; every call is retried on 429 after its Retry-After.
   */
  private async call<T>(
    cluster: string,
    operation: string,
    subject: string,
    write: boolean,
    idempotent: boolean,
    fn: (apis: ClusterApis) => Promise<T>,
  ): Promise<T> {
    const api = this.api(cluster);
    const timeoutMs = this.timeouts.get(cluster) ?? 30_000;
    const result = await withRetries(
      () => withTimeout(fn(api), timeoutMs, `${operation} ${subject}`),
      {
        attempts: 6,
        baseDelayMs: 100,
        maxDelayMs: 3000,
        ...this.options.retry,
        classify: error => {
          if (error instanceof ApiException) {
            if (error.code === 429) {
              return {
                retry: true,
                retryAfterMs: parseRetryAfter(
                  headerValue(error.headers, 'retry-after'),
                ),
              };
            }
            if (error.code >= 500 && idempotent) {
              return {
                retry: true,
                retryAfterMs:
                  error.code === 503
                    ? parseRetryAfter(headerValue(error.headers, 'retry-after'))
                    : undefined,
              };
            }
            return { retry: false };
          }
          if (error instanceof RequestTimeoutError)
            return { retry: idempotent };
          return { retry: idempotent && isNetworkError(error) };
        },
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.logger?.debug(
            `Kubernetes ${operation} ${subject} on ${cluster} failed (${
              error instanceof ApiException ? error.code : String(error)
            }), retry ${attempt} in ${delayMs} ms`,
          ),
      },
    ).catch(error => {
      throw this.translate(error, cluster, operation, subject);
    });
    await this.options.hooks?.afterCall?.({
      server: 'kubernetes',
      target: cluster,
      operation,
      write,
      subject,
    });
    return result;
  }

  private translate(
    error: unknown,
    cluster: string,
    operation: string,
    subject: string,
  ): Error {
    if (error instanceof ApiException) {
      const message = `Kubernetes ${operation} of ${subject} on cluster "${cluster}" failed: ${statusMessage(
        error,
      )}`;
      switch (error.code) {
        case 400:
        case 422:
          return new InputError(message);
        case 401:
        case 403:
          return new NotAllowedError(message);
        case 404:
          return new NotFoundError(message);
        case 409:
          return new ConflictError(message);
        case 429:
        case 502:
        case 503:
        case 504:
          return new ServiceUnavailableError(message);
        default:
          return new UpstreamError(message, undefined, error.code);
      }
    }
    if (error instanceof RequestTimeoutError || isNetworkError(error)) {
      return new ServiceUnavailableError(
        `Kubernetes ${operation} of ${subject} on cluster "${cluster}" failed: ${
          (error as Error).message
        }`,
      );
    }
    return error as Error;
  }

  async get<T extends K8sObject = K8sObject>(
    cluster: string,
    ref: K8sObjectRef,
  ): Promise<T | undefined> {
    this.assertCluster(cluster);
    try {
      const obj = await this.call(
        cluster,
        'get',
        describe(ref),
        false,
        true,
        api =>
          api.objects.read({
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, namespace: ref.namespace },
          }),
      );
      return toPlain<T>(obj);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Every object matching the query, following `continue` tokens page after page.
   *
   * Kinds of an API group (custom resources included) are listed through the custom
   * objects API, which hands the list back as plain JSON: the object API deserialises
   * a custom resource list's metadata as object metadata, which has no `continue`, so
   * paging would silently stop after the first page. Core `v1` kinds keep the object
   * API, whose typed lists (`V1SecretList`...) keep the token as `_continue`.
   */
  async list<T extends K8sObject = K8sObject>(
    cluster: string,
    query: K8sListQuery,
  ): Promise<T[]> {
    const items: T[] = [];
    const subject = `${query.kind} ${query.namespace ?? '(all namespaces)'}${
      query.labelSelector ? ` [${query.labelSelector}]` : ''
    }`;
    const limit = query.pageSize ?? DEFAULT_PAGE_SIZE;
    const slash = query.apiVersion.indexOf('/');
    const resource =
      slash > 0 ? await this.resourceOf(cluster, query, subject) : undefined;
    let continueToken: string | undefined;
    do {
      const token = continueToken;
      const page = await this.call(
        cluster,
        'list',
        subject,
        false,
        true,
        async (api): Promise<ListPage> => {
          if (!resource) {
            return api.objects.list(
              query.apiVersion,
              query.kind,
              query.namespace,
              undefined,
              undefined,
              undefined,
              query.fieldSelector,
              query.labelSelector,
              limit,
              token,
            ) as Promise<ListPage>;
          }
          const common = {
            group: query.apiVersion.slice(0, slash),
            version: query.apiVersion.slice(slash + 1),
            plural: resource.name,
            fieldSelector: query.fieldSelector,
            labelSelector: query.labelSelector,
            limit,
            _continue: token,
          };
          return resource.namespaced && query.namespace
            ? api.customObjects.listNamespacedCustomObject({
                ...common,
                namespace: query.namespace,
              })
            : api.customObjects.listClusterCustomObject(common);
        },
      );
      for (const item of page.items ?? []) {
        const plain = toPlain<T>(item);
        // List items omit apiVersion/kind; callers expect whole objects.
        plain.apiVersion = plain.apiVersion ?? query.apiVersion;
        plain.kind = plain.kind ?? query.kind;
        items.push(plain);
      }
      continueToken =
        page.metadata?.continue || page.metadata?._continue || undefined;
    } while (continueToken);
    return items;
  }

  /**
   * REST name and scope of the queried kind. A kind its API group does not serve is a
   * NotFoundError, as a missing CRD is.
   */
  private async resourceOf(
    cluster: string,
    query: K8sListQuery,
    subject: string,
  ): Promise<V1APIResource> {
    const cached = this.api(cluster).objects.cachedResource(
      query.apiVersion,
      query.kind,
    );
    // Only a real discovery request counts as an upstream call (hooks, retries).
    const resource =
      cached ??
      (await this.call(
        cluster,
        'discovery',
        query.apiVersion,
        false,
        true,
        api => api.objects.discoverResource(query.apiVersion, query.kind),
      ));
    if (!resource) {
      throw new NotFoundError(
        `Kubernetes list of ${subject} on cluster "${cluster}" failed: ${query.apiVersion} does not serve ${query.kind}`,
      );
    }
    return resource;
  }

  async listAcrossClusters<T extends K8sObject = K8sObject>(
    query: K8sListQuery,
  ): Promise<Array<{ cluster: string; items: T[]; error?: Error }>> {
    return Promise.all(
      this.names.map(async cluster => {
        try {
          return { cluster, items: await this.list<T>(cluster, query) };
        } catch (error) {
          return { cluster, items: [], error: error as Error };
        }
      }),
    );
  }

  async apply<T extends K8sObject = K8sObject>(
    cluster: string,
    object: K8sObject,
    options: { force?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    const { metadata } = object;
    const subject = describe({ kind: object.kind, ...metadata });
    // Server-side apply is idempotent by design, so it is retried like a read.
    const result = await this.call(
      cluster,
      'apply',
      subject,
      !options.dryRun,
      true,
      api =>
        api.objects.patch(
          object as KubernetesObject,
          undefined,
          options.dryRun ? 'All' : undefined,
          ML_PLATFORM_FIELD_MANAGER,
          options.force ?? false,
          PatchStrategy.ServerSideApply,
        ),
    );
    return toPlain<T>(result);
  }

  async delete(
    cluster: string,
    ref: K8sObjectRef,
    options: {
      propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
    } = {},
  ): Promise<boolean> {
    this.assertCluster(cluster);
    try {
      await this.call(cluster, 'delete', describe(ref), true, true, api =>
        api.objects.delete(
          {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, namespace: ref.namespace },
          },
          undefined,
          undefined,
          undefined,
          undefined,
          options.propagationPolicy ?? 'Background',
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  async waitFor(
    cluster: string,
    ref: K8sObjectRef,
    options: K8sWaitOptions,
  ): Promise<K8sObject> {
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    let lastLine = '';
    let lastLogAt = 0;
    for (;;) {
      if (options.signal?.aborted) {
        throw new ReleaseNotReadyError(
          `Waiting for ${describe(ref)} was cancelled`,
        );
      }
      const obj = await this.get(cluster, ref);
      const state = options.check(obj);
      const elapsed = Math.round((Date.now() - started) / 1000);
      if (state.state === 'ready') {
        options.onProgress?.(
          `${describe(ref)} is ready${
            state.message ? `: ${state.message}` : ''
          } (${elapsed}s)`,
        );
        return obj!;
      }
      if (state.state === 'failed') {
        throw new ReleaseNotReadyError(
          `${describe(ref)} on cluster "${cluster}" failed: ${state.message}`,
        );
      }
      const line = `Waiting for ${describe(ref)}: ${state.message}`;
      if (line !== lastLine || Date.now() - lastLogAt >= 10_000) {
        options.onProgress?.(`${line} (${elapsed}s)`);
        lastLine = line;
        lastLogAt = Date.now();
      }
      if (Date.now() + options.pollIntervalMs > deadline) {
        throw new ReleaseNotReadyError(
          `${describe(
            ref,
          )} on cluster "${cluster}" was not ready after ${Math.round(
            options.timeoutMs / 1000,
          )}s: ${state.message}`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, options.pollIntervalMs));
    }
  }
}

function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RequestTimeoutError(`${what} timed out after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
