import type {
  KeycloakGateway,
  KubernetesGateway,
} from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsCatalogReaders } from './MlToolsEntityProvider';

const USER_STORAGE_PROVIDER = 'org.keycloak.storage.UserStorageProvider';

/**
 * The provider's readers over the gateways of `@ml-platform/plugin-ml-tools-node`: one
 * label-selected, paged, all-namespaces list per kind and cluster, and one paged,
 * attribute-filtered client list per realm.
 *
 * @public
 */
export function createGatewayReaders(gateways: {
  kubernetes: Pick<KubernetesGateway, 'list'>;
  keycloak: Pick<KeycloakGateway, 'listClientsByAttribute'> &
    Partial<Pick<KeycloakGateway, 'listRealms' | 'listComponents'>>;
}): MlToolsCatalogReaders {
  return {
    cluster: cluster => ({
      // All namespaces; the gateway finds where the kind is served (discovery) and
      // follows every `continue` page.
      listInstances: ({ kind, labelSelector }) =>
        gateways.kubernetes.list(cluster, {
          apiVersion: kind.apiVersion,
          kind: kind.kind,
          labelSelector,
        }),
    }),
    keycloak: () => ({
      listClients: ({ attribute, attributeSearch }) =>
        gateways.keycloak.listClientsByAttribute(
          attribute.key,
          attribute.value,
          { attributeSearch },
        ),
      ...(gateways.keycloak.listRealms && gateways.keycloak.listComponents
        ? {
            listFederations: async () => {
              const kc = gateways.keycloak as Pick<
                KeycloakGateway,
                'listRealms' | 'listComponents'
              >;
              const realms = await kc.listRealms();
              const lists = await Promise.all(
                realms.map(async ({ realm }) =>
                  (
                    await kc.listComponents(realm, {
                      type: USER_STORAGE_PROVIDER,
                    })
                  ).map(c => ({ ...c, realm })),
                ),
              );
              return lists.flat();
            },
          }
        : {}),
    }),
  };
}
