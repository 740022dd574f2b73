import { isError } from '@backstage/errors';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { Outcome } from './checks';
import type { MlToolsBackendConfig } from './config';
import {
  clusterReadsWithSignal,
  keycloakReadsWithSignal,
  type MlToolsClusterReads,
  type MlToolsGroupClientRoles,
  type MlToolsK8sObject,
  type MlToolsKeycloakClientInfo,
  type MlToolsKeycloakClientScope,
  type MlToolsKeycloakMember,
  type MlToolsKeycloakReads,
} from './readers';

/** Longest time a failed or timed-out upstream read is remembered. */
const FAILURE_TTL_MS = 2_000;

type FetchContext = {
  run: (signal: AbortSignal) => Promise<unknown>;
  timeoutMs: number;
  what: string;
  limit: pLimit.Limit;
};

/** A Kubernetes object to read. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * The upstream reads of the routes, as outcomes: every read is cached for
 * `mlTools.backend.cacheTtl`, concurrent readers of the same thing share one fetch, each
 * server gets a bounded number of calls in flight, and each cluster (and Keycloak) its own
 * timeout, so a hanging one only turns its own checks `unknown`.
 *
 * @internal
 */
export class UpstreamCache {
  private readonly cache: LRUCache<string, Outcome<unknown>, FetchContext>;
  private readonly limits = new Map<string, pLimit.Limit>();

  constructor(
    private readonly options: {
      config: MlToolsBackendConfig;
      clusters: MlToolsClusterReads;
      keycloak?: MlToolsKeycloakReads;
    },
  ) {
    this.cache = new LRUCache<string, Outcome<unknown>, FetchContext>({
      max: 20_000,
      ttl: options.config.cacheTtlMs,
      fetchMethod: async (_key, _stale, { context, options: entry }) => {
        const outcome = await this.fetchWithTimeout(context);
        if (outcome.state !== 'ok') {
          // Remember a failure only briefly: long enough that a hanging server is not
          // asked again by every request, short enough to notice it is back.
          entry.ttl = Math.min(options.config.cacheTtlMs, FAILURE_TTL_MS);
        }
        return outcome;
      },
    });
  }

  /** One object, or `undefined` when it does not exist. */
  object(cluster: string, ref: ObjectRef) {
    return this.k8s(
      cluster,
      `get:${ref.apiVersion}:${ref.kind}:${ref.namespace ?? ''}:${ref.name}`,
      c => c.get(cluster, ref),
    );
  }

  /**
   * The objects of the kinds matching a label selector, in a namespace or (with none)
   * in every namespace.
   */
  list(
    cluster: string,
    query: { namespace?: string; labelSelector?: string },
    kinds: Array<[apiVersion: string, kind: string]>,
  ) {
    const { namespace, labelSelector } = query;
    return this.k8s(
      cluster,
      `list:${kinds.map(k => k[1]).join('+')}:${
        namespace ?? '*'
      }:${labelSelector}`,
      async c => {
        const lists = await Promise.all(
          kinds.map(([apiVersion, kind]) =>
            c.list(cluster, { apiVersion, kind, namespace, labelSelector }),
          ),
        );
        return lists.flatMap((items, i) =>
          items.map(item => ({ ...item, kind: item.kind ?? kinds[i][1] })),
        ) as MlToolsK8sObject[];
      },
    );
  }

  /** The Keycloak client with this clientId, or `undefined`. */
  client(clientId: string) {
    return this.keycloakFetch<MlToolsKeycloakClientInfo | undefined>(
      `client:${clientId}`,
      kc => kc.findClient(clientId),
    );
  }

  /** Every client of the realm the suite manages (one paged list). */
  managedClients() {
    return this.keycloakFetch<MlToolsKeycloakClientInfo[]>(
      'managed-clients',
      async kc => {
        if (!kc.listManagedClients) {
          throw new Error('these Keycloak reads cannot list clients');
        }
        return kc.listManagedClients();
      },
    );
  }

  /** The client roles of every group of the realm (one partial export). */
  groupClientRoles() {
    return this.keycloakFetch<MlToolsGroupClientRoles[]>(
      'group-client-roles',
      async kc => {
        if (!kc.listAllGroupClientRoles) {
          throw new Error('these Keycloak reads cannot list role mappings');
        }
        return kc.listAllGroupClientRoles();
      },
    );
  }

  /** The client scope of this name, or `undefined`. */
  clientScope(name: string) {
    return this.keycloakFetch<MlToolsKeycloakClientScope | undefined>(
      `scope:${name}`,
      kc => kc.findClientScope(name),
    );
  }

  /** The realm's OIDC discovery answer. */
  oidc() {
    return this.keycloakFetch('oidc', kc => kc.checkOidcDiscovery());
  }

  /** The group at a full path with its members, or `undefined`. */
  group(path: string) {
    return this.keycloakFetch<
      { id: string; members: MlToolsKeycloakMember[] } | undefined
    >(`group:${path}`, async kc => {
      const group = await kc.findGroupByPath(path);
      if (!group) return undefined;
      return { id: group.id, members: await kc.listGroupMembers(group.id) };
    });
  }

  private fetch<T>(
    key: string,
    server: string,
    what: string,
    timeoutMs: number,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<Outcome<T>> {
    let limit = this.limits.get(server);
    if (!limit) {
      limit = pLimit(this.options.config.serverConcurrency);
      this.limits.set(server, limit);
    }
    return this.cache.fetch(key, {
      context: { run, timeoutMs, what, limit },
    }) as Promise<Outcome<T>>;
  }

  private async fetchWithTimeout(
    context: FetchContext,
  ): Promise<Outcome<unknown>> {
    const deadline = Date.now() + context.timeoutMs;
    const timedOut = (): Outcome<unknown> => ({
      state: 'timeout',
      reason: `${context.what} did not answer within ${context.timeoutMs} ms`,
      fetchedAt: Date.now(),
    });
    let timer: NodeJS.Timeout | undefined;
    const aborter = new AbortController();
    const timeout = new Promise<Outcome<unknown>>(resolve => {
      timer = setTimeout(() => {
        // Closes the upstream requests still open: nobody waits for them any more.
        aborter.abort();
        resolve(timedOut());
      }, context.timeoutMs);
    });
    // A slot of the server's limiter is held until the call ends or the deadline
    // passes, whichever is first: a hanging server never holds slots past its timeout,
    // and a burst reuses a few connections instead of opening one per call.
    const work = context.limit(async () => {
      if (Date.now() >= deadline) return timedOut();
      const call = context.run(aborter.signal).then(
        value => ({ state: 'ok' as const, value, fetchedAt: Date.now() }),
        error => ({
          state: 'failed' as const,
          reason: `${context.what} failed: ${
            isError(error) ? error.message : String(error)
          }`,
          fetchedAt: Date.now(),
        }),
      );
      return Promise.race([call, timeout]);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads of one cluster; an unconfigured cluster is a failed outcome, never a call. */
  private k8s<T>(
    cluster: string,
    key: string,
    run: (reads: MlToolsClusterReads) => Promise<T>,
  ): Promise<Outcome<T>> {
    if (!this.options.clusters.clusterNames().includes(cluster)) {
      return Promise.resolve({
        state: 'failed',
        reason: `Cluster "${cluster}" is not configured in mlTools.clusters`,
        fetchedAt: Date.now(),
      });
    }
    return this.fetch(
      `k8s:${cluster}:${key}`,
      `k8s:${cluster}`,
      `Cluster "${cluster}"`,
      this.options.config.clusterTimeoutMs,
      signal => run(clusterReadsWithSignal(this.options.clusters, signal)),
    );
  }

  private keycloakFetch<T>(
    key: string,
    run: (reads: MlToolsKeycloakReads) => Promise<T>,
  ): Promise<Outcome<T>> {
    const keycloak = this.options.keycloak!;
    return this.fetch(
      `kc:${key}`,
      'keycloak-realm',
      'Keycloak',
      this.options.config.keycloakTimeoutMs,
      signal => run(keycloakReadsWithSignal(keycloak, signal)),
    );
  }
}
