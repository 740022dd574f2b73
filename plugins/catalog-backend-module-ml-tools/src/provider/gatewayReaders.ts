import type {
  KeycloakGateway,
  KubernetesGateway,
} from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsCatalogReaders } from './MlToolsEntityProvider';

/**
 * The provider's readers over the gateways of `@ml-platform/plugin-ml-tools-node`: one
 * label-selected, paged, all-namespaces list per kind and cluster, and one paged,
 * attribute-filtered client list per realm.
 *
 * @public
 */
export function createGatewayReaders(gateways: {
  kubernetes: Pick<KubernetesGateway, 'list'>;
  keycloak: Pick<KeycloakGateway, 'listClientsByAttribute'>;
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
    }),
  };
}
