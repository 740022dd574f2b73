import {
  CustomObjectsApi,
  KubernetesObjectApi,
  Observable,
  type Configuration,
  type KubeConfig,
  type ObservableMiddleware,
  type V1APIResource,
} from '@kubernetes/client-node';

/**
 * Resources whose REST names are known up front, so that the gateway does not spend a
 * discovery request per API group before its first call. Only the kinds the suite
 * itself manages belong here; any other kind (a tool's custom resource) is found
 * through the API group's discovery document on first use.
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
  'rbac.authorization.k8s.io/v1': [
    { kind: 'RoleBinding', name: 'rolebindings', namespaced: true },
  ],
};

/**
 * Attaches the signal to every request it sees. The generated clients hand the request
 * context's signal to `fetch`, so aborting it closes the request's socket.
 */
function abortMiddleware(signal: AbortSignal): ObservableMiddleware {
  return {
    pre: context => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: response => new Observable(Promise.resolve(response)),
  };
}

/**
 * The object API with its resource cache seeded from {@link KNOWN_RESOURCES}, and its
 * resource discovery opened up so that lists can find a kind's REST name.
 *
 * @internal
 */
export class GatewayObjectApi extends KubernetesObjectApi {
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

  /**
   * The same API with every request bound to `signal`. The object API ignores per-call
   * configuration, so a bound copy is made per call; it shares this one's resource cache,
   * so discovery still happens once per API group and cluster.
   */
  withSignal(signal: AbortSignal): GatewayObjectApi {
    const bound = new GatewayObjectApi(this.configurationWith(signal));
    bound.apiVersionResourceCache = this.apiVersionResourceCache;
    bound.defaultNamespace = this.defaultNamespace;
    return bound;
  }

  /** A custom objects API on the same cluster, with every request bound to `signal`. */
  customObjectsWithSignal(signal: AbortSignal): CustomObjectsApi {
    return new CustomObjectsApi(this.configurationWith(signal));
  }

  private configurationWith(signal: AbortSignal): Configuration {
    return {
      ...this.configuration,
      middleware: [...this.configuration.middleware, abortMiddleware(signal)],
    };
  }
}

/**
 * One cluster's clients for one request: the object API, and the custom objects API
 * for lists.
 *
 * @internal
 */
export interface ClusterApis {
  objects: GatewayObjectApi;
  customObjects: CustomObjectsApi;
}
