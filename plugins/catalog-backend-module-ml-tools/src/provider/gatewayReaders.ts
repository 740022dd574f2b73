import type {
  KeycloakGateway,
  KubernetesGateway,
} from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsCatalogReaders } from './MlToolsEntityProvider';
import { ML_TOOLS_INSTANCE_KINDS } from './types';

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
      listInstances: ({ kind, labelSelector }) => {
        const { group, version } = ML_TOOLS_INSTANCE_KINDS[kind];
        // All namespaces; the gateway follows every `continue` page.
        return gateways.kubernetes.list(cluster, {
          apiVersion: `${group}/${version}`,
          kind,
          labelSelector,
        });
      },
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
