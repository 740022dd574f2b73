import type { V1APIResource } from '@kubernetes/client-node';
import { NotFoundError } from '@backstage/errors';
import type { ClusterCalls } from './calls';
import type { GatewayReadOptions, K8sListQuery, K8sObject } from './types';

/** Objects per list request unless the query asks for another page size. */
const DEFAULT_PAGE_SIZE = 500;

/** One page of a list, as plain JSON. */
interface ListPage {
  metadata?: { continue?: string; _continue?: string };
  items?: unknown[];
}

/** A client-node object (class instances, Date fields) as plain JSON. */
export function toPlain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Every object matching the query, following `continue` tokens page after page.
 *
 * Kinds of an API group (custom resources included) are listed through the custom
 * objects API, which hands the list back as plain JSON: the object API deserialises
 * a custom resource list's metadata as object metadata, which has no `continue`, so
 * paging would silently stop after the first page. Core `v1` kinds keep the object
 * API, whose typed lists (`V1SecretList`...) keep the token as `_continue`.
 *
 * @internal
 */
export async function listObjects<T extends K8sObject>(
  calls: ClusterCalls,
  cluster: string,
  query: K8sListQuery,
  options: GatewayReadOptions = {},
): Promise<T[]> {
  const { signal, timeoutMs } = options;
  const items: T[] = [];
  const subject = `${query.kind} ${query.namespace ?? '(all namespaces)'}${
    query.labelSelector ? ` [${query.labelSelector}]` : ''
  }`;
  const limit = query.pageSize ?? DEFAULT_PAGE_SIZE;
  const slash = query.apiVersion.indexOf('/');
  const resource =
    slash > 0
      ? await resourceOf(calls, cluster, query, subject, options)
      : undefined;
  let continueToken: string | undefined;
  do {
    const token = continueToken;
    const page = await calls.call(
      cluster,
      'list',
      subject,
      { write: false, idempotent: true, signal, timeoutMs },
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
 * REST name and scope of the queried kind, from the cache or the API group's discovery
 * document. A kind its API group does not serve is a NotFoundError, as a missing CRD is.
 */
async function resourceOf(
  calls: ClusterCalls,
  cluster: string,
  query: K8sListQuery,
  subject: string,
  options: GatewayReadOptions,
): Promise<V1APIResource> {
  const cached = calls
    .objectApi(cluster)
    .cachedResource(query.apiVersion, query.kind);
  // Only a real discovery request counts as an upstream call (hooks, retries).
  const resource =
    cached ??
    (await calls.call(
      cluster,
      'discovery',
      query.apiVersion,
      {
        write: false,
        idempotent: true,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      },
      api => api.objects.discoverResource(query.apiVersion, query.kind),
    ));
  if (!resource) {
    throw new NotFoundError(
      `Kubernetes list of ${subject} on cluster "${cluster}" failed: ${query.apiVersion} does not serve ${query.kind}`,
    );
  }
  return resource;
}
