import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { NotFoundError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ML_PLATFORM_FIELD_MANAGER } from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsClusterConfig } from '../config/readMlToolsConfig';
import type { RetryOptions } from '../lib/retry';
import { ClusterCalls } from './calls';
import { describeRef, refOf } from './ensure';
import { listObjects, toPlain } from './lists';
import type {
  GatewayHooks,
  GatewayReadOptions,
  K8sListQuery,
  K8sObject,
  K8sObjectRef,
  K8sWaitOptions,
  KubernetesGateway,
} from './types';
import { waitForObject } from './waitFor';

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

/**
 * {@link KubernetesGateway} on `@kubernetes/client-node`, one API client per configured
 * cluster.
 *
 * @public
 */
export class KubernetesClientGateway implements KubernetesGateway {
  private readonly calls: ClusterCalls;

  constructor(options: KubernetesClientGatewayOptions) {
    this.calls = new ClusterCalls(options);
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
    return this.calls.clusterNames();
  }

  assertCluster(cluster: string): void {
    this.calls.assertCluster(cluster);
  }

  async get<T extends K8sObject = K8sObject>(
    cluster: string,
    ref: K8sObjectRef,
    options: GatewayReadOptions = {},
  ): Promise<T | undefined> {
    this.assertCluster(cluster);
    try {
      const obj = await this.calls.call(
        cluster,
        'get',
        describeRef(ref),
        {
          write: false,
          idempotent: true,
          signal: options.signal,
          timeoutMs: options.timeoutMs,
        },
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

  list<T extends K8sObject = K8sObject>(
    cluster: string,
    query: K8sListQuery,
    options?: GatewayReadOptions,
  ): Promise<T[]> {
    return listObjects<T>(this.calls, cluster, query, options);
  }

  async listAcrossClusters<T extends K8sObject = K8sObject>(
    query: K8sListQuery,
    options?: GatewayReadOptions,
  ): Promise<Array<{ cluster: string; items: T[]; error?: Error }>> {
    return Promise.all(
      this.clusterNames().map(async cluster => {
        try {
          return {
            cluster,
            items: await this.list<T>(cluster, query, options),
          };
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
    // Server-side apply is idempotent by design, so it is retried like a read.
    const result = await this.calls.call(
      cluster,
      'apply',
      describeRef(refOf(object)),
      { write: !options.dryRun, idempotent: true },
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
      await this.calls.call(
        cluster,
        'delete',
        describeRef(ref),
        { write: true, idempotent: true },
        api =>
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

  waitFor(
    cluster: string,
    ref: K8sObjectRef,
    options: K8sWaitOptions,
  ): Promise<K8sObject> {
    return waitForObject(
      (r, readOptions) => this.get(cluster, r, readOptions),
      cluster,
      ref,
      options,
    );
  }
}
