import { isError } from '@backstage/errors';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { Outcome } from './checks';
import type { MlToolsBackendConfig } from './config';
import { isRequestTimeout } from '@ml-platform/plugin-ml-tools-node';
import {
  clusterReadsWith,
  keycloakReadsWith,
  type MlToolsClusterReads,
  type MlToolsGroupClientRoles,
  type MlToolsK8sObject,
  type MlToolsKeycloakClientInfo,
  type MlToolsKeycloakClientScope,
  type MlToolsKeycloakMember,
  type MlToolsKeycloakReads,
  type MlToolsReadOptions,
} from './readers';

/** Longest time a failed or timed-out upstream read is remembered. */
const FAILURE_TTL_MS = 2_000;

type FetchContext = {
  run: (options: MlToolsReadOptions) => Promise<unknown>;
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
 * The timeout bounds two things: how long a caller waits (it then gets a `timeout`
 * outcome), and how long any one upstream request may take (it is then closed, so a
 * hanging server holds no socket past it). A fetch whose requests each answer in time
 * goes on after its first caller stopped waiting and fills the cache: a list of ten
 * thousand objects that takes longer than the timeout in all still arrives, for the next
 * page, instead of being cut off and asked again forever.
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
        const outcome = await this.fetchOnce(context);
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
    run: (options: MlToolsReadOptions) => Promise<T>,
  ): Promise<Outcome<T>> {
    let limit = this.limits.get(server);
    if (!limit) {
      limit = pLimit(this.options.config.serverConcurrency);
      this.limits.set(server, limit);
    }
    const fetched = this.cache.fetch(key, {
      context: { run, timeoutMs, what, limit },
    }) as Promise<Outcome<T>>;
    return withinDeadline(fetched, what, timeoutMs);
  }

  /**
   * Runs one fetch in a slot of its server's limiter, each of its requests bounded by
   * the timeout. A fetch whose slot only comes after its caller's deadline is not made.
   */
  private async fetchOnce(context: FetchContext): Promise<Outcome<unknown>> {
    const queued = Date.now();
    return context.limit(async () => {
      if (Date.now() - queued >= context.timeoutMs) {
        return timedOut(context.what, context.timeoutMs);
      }
      try {
        const value = await context.run({ timeoutMs: context.timeoutMs });
        return { state: 'ok' as const, value, fetchedAt: Date.now() };
      } catch (error) {
        if (isRequestTimeout(error)) {
          return timedOut(context.what, context.timeoutMs);
        }
        return {
          state: 'failed' as const,
          reason: `${context.what} failed: ${
            isError(error) ? error.message : String(error)
          }`,
          fetchedAt: Date.now(),
        };
      }
    });
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
      options => run(clusterReadsWith(this.options.clusters, options)),
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
      options => run(keycloakReadsWith(keycloak, options)),
    );
  }
}

function timedOut(what: string, timeoutMs: number): Outcome<unknown> {
  return {
    state: 'timeout',
    reason: `${what} did not answer within ${timeoutMs} ms`,
    fetchedAt: Date.now(),
  };
}

/**
 * The fetch's outcome, or a `timeout` outcome once the caller has waited `timeoutMs`;
 * the fetch itself is not stopped (its requests are bounded on their own).
 */
async function withinDeadline<T>(
  fetched: Promise<Outcome<T>>,
  what: string,
  timeoutMs: number,
): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome<T>>(resolve => {
    timer = setTimeout(
      () => resolve(timedOut(what, timeoutMs) as Outcome<T>),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([fetched, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
