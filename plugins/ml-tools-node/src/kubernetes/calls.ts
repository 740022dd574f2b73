import { ApiException } from '@kubernetes/client-node';
import { NotFoundError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { MlToolsClusterConfig } from '../config/readMlToolsConfig';
import { abortable } from '../lib/abort';
import { parseRetryAfter, withRetries, type RetryOptions } from '../lib/retry';
import {
  headerValue,
  isNetworkError,
  RequestTimeoutError,
  translateKubernetesError,
} from './errors';
import { makeKubeConfig } from './kubeConfig';
import { GatewayObjectApi, type ClusterApis } from './objectApi';
import type { GatewayHooks } from './types';

/**
 * What the retry policy needs to know about one call.
 *
 * @internal
 */
export interface ClusterCallOptions {
  /** Whether it changes state upstream (reported to the hooks). */
  write: boolean;
  /** Whether repeating it is harmless, so 5xx answers and timeouts are retried. */
  idempotent: boolean;
  /** The caller's cancellation: no retry once aborted, and the request is closed. */
  signal?: AbortSignal;
  /**
   * The caller's longest wait per attempt, when shorter than the cluster's request
   * timeout; an attempt past it is not retried.
   */
  timeoutMs?: number;
}

/**
 * Runs the gateway's upstream calls on the configured clusters: one set of clients per
 * cluster, a timeout per attempt that aborts its request, bounded retries with jitter,
 * the caller's cancellation, the hooks, and the translation into Backstage errors.
 *
 * @internal
 */
export class ClusterCalls {
  private readonly apis = new Map<string, GatewayObjectApi>();
  private readonly names: string[];

  constructor(
    private readonly options: {
      clusters: readonly MlToolsClusterConfig[];
      logger?: LoggerService;
      hooks?: GatewayHooks;
      retry?: Partial<Omit<RetryOptions, 'classify'>>;
    },
  ) {
    this.names = options.clusters.map(c => c.name);
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

  /** The cluster's object API, whose resource cache every call shares. */
  objectApi(cluster: string): GatewayObjectApi {
    this.assertCluster(cluster);
    let api = this.apis.get(cluster);
    if (!api) {
      const config = this.options.clusters.find(c => c.name === cluster)!;
      api = GatewayObjectApi.forKubeConfig(makeKubeConfig(config));
      this.apis.set(cluster, api);
    }
    return api;
  }

  /**
   * Runs one upstream call with the retry policy. `idempotent` calls are retried on 5xx,
   * timeouts and network errors; every call is retried on 429 after its Retry-After.
   */
  async call<T>(
    cluster: string,
    operation: string,
    subject: string,
    options: ClusterCallOptions,
    fn: (apis: ClusterApis) => Promise<T>,
  ): Promise<T> {
    const { signal, idempotent } = options;
    signal?.throwIfAborted();
    const base = this.objectApi(cluster);
    const timeoutMs = Math.min(
      this.options.clusters.find(c => c.name === cluster)?.requestTimeoutMs ??
        30_000,
      options.timeoutMs ?? Infinity,
    );
    const what = `${operation} ${subject}`;
    const retried = withRetries(
      () => this.attempt(base, timeoutMs, what, signal, fn),
      {
        attempts: 6,
        baseDelayMs: 100,
        maxDelayMs: 3000,
        ...this.options.retry,
        classify: error => {
          if (signal?.aborted) return { retry: false };
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
            return { retry: idempotent && options.timeoutMs === undefined };
          return { retry: idempotent && isNetworkError(error) };
        },
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.logger?.debug(
            `Kubernetes ${what} on ${cluster} failed (${
              error instanceof ApiException ? error.code : String(error)
            }), retry ${attempt} in ${delayMs} ms`,
          ),
      },
    );
    // Racing the whole loop also ends a backoff sleep at once when the caller aborts.
    const result = await abortable(retried, signal).catch(error => {
      // The caller's own reason, untranslated: the caller gave up, the cluster did not fail.
      if (signal?.aborted) throw signal.reason;
      throw translateKubernetesError(error, cluster, operation, subject);
    });
    await this.options.hooks?.afterCall?.({
      server: 'kubernetes',
      target: cluster,
      operation,
      write: options.write,
      subject,
    });
    return result;
  }

  /**
   * One attempt, bound to a signal that aborts at the cluster's timeout or when the
   * caller aborts, so that a hanging server's socket is closed then rather than left
   * open until the server answers.
   */
  private async attempt<T>(
    base: GatewayObjectApi,
    timeoutMs: number,
    what: string,
    signal: AbortSignal | undefined,
    fn: (apis: ClusterApis) => Promise<T>,
  ): Promise<T> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new RequestTimeoutError(`${what} timed out after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    const bound = signal
      ? AbortSignal.any([signal, timeout.signal])
      : timeout.signal;
    try {
      // The race settles at the abort even if a step before the request (credentials
      // from an exec plugin, say) ignores the signal.
      return await abortable(
        fn({
          objects: base.withSignal(bound),
          customObjects: base.customObjectsWithSignal(bound),
        }),
        bound,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
