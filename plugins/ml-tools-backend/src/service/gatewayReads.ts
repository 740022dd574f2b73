import type {
  KeycloakGateway,
  KeycloakReads,
  KubernetesGateway,
} from '@ml-platform/plugin-ml-tools-node';
import type {
  MlToolsClusterReads,
  MlToolsKeycloakMember,
  MlToolsKeycloakReads,
} from './readers';

/** Members fetched per call when counting a group. */
const MEMBER_PAGE = 100;

/**
 * The reads of the routes over the gateways of `@ml-platform/plugin-ml-tools-node`.
 *
 * @public
 */
export function createGatewayReads(gateways: {
  kubernetes: KubernetesGateway;
  keycloak?: KeycloakGateway;
  keycloakReads?: KeycloakReads;
}): { clusters: MlToolsClusterReads; keycloak?: MlToolsKeycloakReads } {
  const { kubernetes, keycloak, keycloakReads } = gateways;
  const clusters: MlToolsClusterReads = {
    clusterNames: () => kubernetes.clusterNames(),
    get: (cluster, ref) => kubernetes.get(cluster, ref),
    list: (cluster, query) => kubernetes.list(cluster, query),
  };
  if (!keycloak || !keycloakReads) return { clusters };
  return {
    clusters,
    keycloak: {
      async findClient(clientId) {
        const client = await keycloak.findClientByClientId(clientId);
        if (!client?.id) return undefined;
        return {
          id: client.id,
          clientId: client.clientId,
          enabled: client.enabled !== false,
          protocol: client.protocol,
          publicClient: client.publicClient,
          redirectUris: client.redirectUris,
          defaultClientScopes: client.defaultClientScopes,
          attributes: client.attributes,
          protocolMappers: client.protocolMappers,
        };
      },
      async findClientScope(name) {
        const scope = await keycloak.findClientScopeByName(name);
        return scope
          ? { name: scope.name, protocolMappers: scope.protocolMappers }
          : undefined;
      },
      async findGroupByPath(path) {
        const group = await keycloak.findGroupByPath(path);
        return group?.id ? { id: group.id } : undefined;
      },
      async listGroupMembers(groupId) {
        const members: MlToolsKeycloakMember[] = [];
        for (let first = 0; ; first += MEMBER_PAGE) {
          const page = await keycloak.listGroupMembers(groupId, {
            first,
            max: MEMBER_PAGE,
          });
          for (const user of page) {
            if (user.username) {
              members.push({
                username: user.username,
                ...(user.email ? { email: user.email } : {}),
              });
            }
          }
          if (page.length < MEMBER_PAGE) return members;
        }
      },
      checkOidcDiscovery: () => keycloakReads.fetchOidcDiscovery(),
    },
  };
}
