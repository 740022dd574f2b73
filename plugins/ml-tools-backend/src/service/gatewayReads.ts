import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type {
  KcClient,
  KeycloakGateway,
  KubernetesGateway,
} from '@ml-platform/plugin-ml-tools-node';
import type {
  MlToolsClusterReads,
  MlToolsKeycloakClientInfo,
  MlToolsKeycloakMember,
  MlToolsKeycloakReads,
} from './readers';

function clientInfo(client: KcClient): MlToolsKeycloakClientInfo {
  return {
    id: client.id!,
    clientId: client.clientId,
    enabled: client.enabled !== false,
    protocol: client.protocol,
    publicClient: client.publicClient,
    redirectUris: client.redirectUris,
    defaultClientScopes: client.defaultClientScopes,
    attributes: client.attributes,
    protocolMappers: client.protocolMappers,
  };
}

/** Members fetched per call when counting a group. */
const MEMBER_PAGE = 100;

/**
 * The reads of the routes over the gateways of `@ml-platform/plugin-ml-tools-node`. Each
 * read passes its `signal` on to the gateway, which closes the upstream request when
 * the signal aborts.
 *
 * @public
 */
export function createGatewayReads(gateways: {
  kubernetes: KubernetesGateway;
  keycloak?: KeycloakGateway;
}): { clusters: MlToolsClusterReads; keycloak?: MlToolsKeycloakReads } {
  const { kubernetes, keycloak } = gateways;
  const clusters: MlToolsClusterReads = {
    clusterNames: () => kubernetes.clusterNames(),
    get: (cluster, ref, options) => kubernetes.get(cluster, ref, options),
    list: (cluster, query, options) => kubernetes.list(cluster, query, options),
  };
  if (!keycloak) return { clusters };
  return {
    clusters,
    keycloak: {
      async findClient(clientId, options) {
        const client = await keycloak.findClientByClientId(clientId, options);
        return client?.id ? clientInfo(client) : undefined;
      },
      async listManagedClients(options) {
        const clients = await keycloak.listClientsByAttribute(
          KEYCLOAK_ATTRIBUTES.managedBy,
          ML_PLATFORM_MANAGER,
          { attributeSearch: true, signal: options?.signal },
        );
        return clients.flatMap(c => (c.id ? [clientInfo(c)] : []));
      },
      async findClientScope(name, options) {
        const scope = await keycloak.findClientScopeByName(name, options);
        return scope
          ? { name: scope.name, protocolMappers: scope.protocolMappers }
          : undefined;
      },
      async findGroupByPath(path, options) {
        const group = await keycloak.findGroupByPath(path, options);
        return group?.id ? { id: group.id } : undefined;
      },
      async listGroupMembers(groupId, options) {
        const members: MlToolsKeycloakMember[] = [];
        for (let first = 0; ; first += MEMBER_PAGE) {
          const page = await keycloak.listGroupMembers(groupId, {
            first,
            max: MEMBER_PAGE,
            signal: options?.signal,
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
      checkOidcDiscovery: options => keycloak.fetchOidcDiscovery(options),
    },
  };
}
