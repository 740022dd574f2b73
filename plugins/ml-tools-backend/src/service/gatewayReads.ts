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

/** Federated users whose groups are read for a federation's group count. */
const GROUP_SCAN_USERS = 500;

const USER_STORAGE_PROVIDER = 'org.keycloak.storage.UserStorageProvider';

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
          {
            attributeSearch: true,
            signal: options?.signal,
            timeoutMs: options?.timeoutMs,
          },
        );
        return clients.flatMap(c => (c.id ? [clientInfo(c)] : []));
      },
      listAllGroupClientRoles: options =>
        keycloak.listAllGroupClientRoles(options),
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
            timeoutMs: options?.timeoutMs,
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
      async userFederation(realm, name, options) {
        const [component] = (
          await keycloak.listComponents(
            realm,
            { type: USER_STORAGE_PROVIDER, name },
            options,
          )
        ).filter(c => c.name === name);
        if (!component?.id) return undefined;
        const first = (key: string) => component.config[key]?.[0] || undefined;
        const users = await keycloak.listFederatedUsers(
          realm,
          component.id,
          options,
        );
        const groups = new Set<string>();
        for (const user of users.slice(0, GROUP_SCAN_USERS)) {
          if (!user.id) continue;
          for (const group of await keycloak.listUserGroups(
            realm,
            user.id,
            options,
          )) {
            if (group.path) groups.add(group.path);
          }
        }
        // Keycloak tests its stored (masked) credential itself; nothing secret is read.
        const test = first('connectionUrl')
          ? await keycloak.testLdapConnection(realm, {
              action: 'testAuthentication',
              connectionUrl: first('connectionUrl')!,
              bindDn: first('bindDn'),
              bindCredential: '**********',
              componentId: component.id,
            })
          : { ok: false as const, error: 'NoConnectionUrl' };
        const lastSync = Number(first('lastSync'));
        return {
          id: component.id,
          connectionUrl: first('connectionUrl'),
          vendor: first('vendor'),
          editMode: first('editMode'),
          enabled: first('enabled') !== 'false',
          ...(lastSync > 0 ? { lastSync } : {}),
          users: users.length,
          groups: [...groups].sort(),
          ...(test.ok ? {} : { bindError: test.error }),
        };
      },
    },
  };
}
