/*
 * Read-only Kubernetes calls of the catalog provider that KubernetesClientGateway does not
 * offer correctly yet: a paged, label-selected list of custom resources across all
 * namespaces. `KubernetesObjectApi.list` deserialises a custom resource list's metadata
 * as object metadata, which drops `metadata.continue`, so the gateway's `list` stops after
 * the first page (500 items) for HelmRelease, Application and Profile. The custom objects
 * API returns the list as plain JSON and keeps it. Kept in its own file, added by the
 * catalog/backend side; a candidate to move into KubernetesGateway.
 */
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { MlToolsClusterConfig } from '../config/readMlToolsConfig';
import { UpstreamError } from '../lib/errors';
import { parseRetryAfter, withRetries, type RetryOptions } from '../lib/retry';
import { makeKubeConfig } from './KubernetesClientGateway';
import type { GatewayHooks, K8sObject } from './types';

/**
 * Options of {@link KubernetesReads}.
 *
 * @public
 */
export interface KubernetesReadsOptions {
  clusters: readonly MlToolsClusterConfig[];
  logger?: LoggerService;
  hooks?: GatewayHooks;
  retry?: Partial<Omit<RetryOptions, 'classify'>>;
}

function header(
  headers: Record<string, string> | undefined,
  name: string,
): string | undefined {
  const key = Object.keys(headers ?? {}).find(k => k.toLowerCase() === name);
  return key ? headers![key] : undefined;
}

class ListTimeoutError extends Error {
  name = 'ListTimeoutError';
}

function isNetwork(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { cause?: { code?: string }; code?: string }).cause
    ?.code;
  return (
    error.name === 'FetchError' ||
    error.name === 'AbortError' ||
    error.message === 'fetch failed' ||
    Boolean(code && /^(ECONN|UND_ERR|ETIMEDOUT)/.test(code))
  );
}

/**
 * Read-only Kubernetes calls on `@kubernetes/client-node`, one client per configured
 * cluster, with the gateway's retry and error rules.
 *
 * @public
 */
export class KubernetesReads {
  private readonly apis = new Map<string, CustomObjectsApi>();

  constructor(private readonly options: KubernetesReadsOptions) {}

  /** Builds the reads from the parsed `mlTools` config. */
  static fromConfig(
    config: { clusters: readonly MlToolsClusterConfig[] },
    deps: { logger?: LoggerService; hooks?: GatewayHooks } = {},
  ): KubernetesReads {
    return new KubernetesReads({ clusters: config.clusters, ...deps });
  }

  /** Names of the configured clusters. */
  clusterNames(): string[] {
    return this.options.clusters.map(c => c.name);
  }

  private api(cluster: string): CustomObjectsApi {
    let api = this.apis.get(cluster);
    if (!api) {
      const config = this.options.clusters.find(c => c.name === cluster);
      if (!config) {
        throw new NotFoundError(
          `Unknown cluster "${cluster}"; configured clusters: ${this.clusterNames().join(
            ', ',
          )}`,
        );
      }
      api = makeKubeConfig(config).makeApiClient(CustomObjectsApi);
      this.apis.set(cluster, api);
    }
    return api;
  }

  /**
   * Every custom object of a type across all namespaces (or cluster-scoped), selected by
   * labels, following `continue` pages of `pageSize` (500 by default). A type the
   * cluster does not serve fails with `NotFoundError`.
   */
  async listCustomObjects(
    cluster: string,
    query: {
      group: string;
      version: string;
      plural: string;
      labelSelector?: string;
      pageSize?: number;
    },
  ): Promise<K8sObject[]> {
    const api = this.api(cluster);
    const subject = `${query.plural}.${query.group}${
      query.labelSelector ? ` [${query.labelSelector}]` : ''
    }`;
    const kind = query.plural;
    const items: K8sObject[] = [];
    let continueToken: string | undefined;
    do {
      const token = continueToken;
      const page = (await this.call(cluster, subject, () =>
        api.listClusterCustomObject({
          group: query.group,
          version: query.version,
          plural: query.plural,
          labelSelector: query.labelSelector,
          limit: query.pageSize ?? 500,
          _continue: token,
        }),
      )) as {
        apiVersion?: string;
        kind?: string;
        metadata?: { continue?: string };
        items?: K8sObject[];
      };
      const apiVersion = `${query.group}/${query.version}`;
      const itemKind = page.kind?.replace(/List$/, '') ?? kind;
      for (const item of page.items ?? []) {
        items.push({
          ...item,
          apiVersion: item.apiVersion ?? apiVersion,
          kind: item.kind ?? itemKind,
        });
      }
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  private async call<T>(
    cluster: string,
    subject: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const timeoutMs =
      this.options.clusters.find(c => c.name === cluster)?.requestTimeoutMs ??
      30_000;
    const once = () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ListTimeoutError(`timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      return Promise.race([fn(), timeout]).finally(() => clearTimeout(timer));
    };
    const result = await withRetries(once, {
      attempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 3000,
      ...this.options.retry,
      classify: error => {
        if (error instanceof ApiException) {
          const retry = error.code === 429 || error.code >= 500;
          return {
            retry,
            retryAfterMs: parseRetryAfter(header(error.headers, 'retry-after')),
          };
        }
        return {
          retry: error instanceof ListTimeoutError || isNetwork(error),
        };
      },
      onRetry: ({ attempt, delayMs, error }) =>
        this.options.logger?.debug(
          `Kubernetes list ${subject} on ${cluster} failed (${
            error instanceof ApiException ? error.code : String(error)
          }), retry ${attempt} in ${delayMs} ms`,
        ),
    }).catch(error => {
      throw this.translate(error, cluster, subject);
    });
    await this.options.hooks?.afterCall?.({
      server: 'kubernetes',
      target: cluster,
      operation: 'list',
      write: false,
      subject,
    });
    return result;
  }

  private translate(error: unknown, cluster: string, subject: string): Error {
    const what = `Kubernetes list of ${subject} on cluster "${cluster}" failed`;
    if (error instanceof ApiException) {
      const message = `${what}: HTTP ${error.code}`;
      if (error.code === 404) return new NotFoundError(message);
      if (error.code === 401 || error.code === 403) {
        return new NotAllowedError(message);
      }
      if (error.code === 429 || error.code >= 500) {
        return new ServiceUnavailableError(message);
      }
      return new UpstreamError(message, undefined, error.code);
    }
    if (error instanceof ListTimeoutError || isNetwork(error)) {
      return new ServiceUnavailableError(
        `${what}: ${(error as Error).message}`,
      );
    }
    return error as Error;
  }
}
