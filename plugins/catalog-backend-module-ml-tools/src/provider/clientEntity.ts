import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  type EntityLink,
} from '@backstage/catalog-model';
import {
  KEYCLOAK_ATTRIBUTES,
  keycloakClientEntityName,
  ML_PLATFORM_MANAGER,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  ML_TOOLS_RESOURCE_TYPES,
} from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsKeycloakClient } from './types';
import {
  ownerRef,
  sourceLocation,
  str,
  type MlToolsKeycloakTarget,
  type TransformResult,
} from './values';

function attribute(
  client: MlToolsKeycloakClient,
  key: string,
): string | undefined {
  const value = client.attributes?.[key];
  return Array.isArray(value) ? str(value[0]) : str(value);
}

/** True when the client carries our manager attribute. */
export function isOurKeycloakClient(client: MlToolsKeycloakClient): boolean {
  return (
    attribute(client, KEYCLOAK_ATTRIBUTES.managedBy) === ML_PLATFORM_MANAGER
  );
}

/**
 * Turns one of our Keycloak clients into its `keycloak-client` Resource. Nothing secret is
 * copied: only ids, the description, the owner and a console link.
 */
export function keycloakClientToEntity(
  client: MlToolsKeycloakClient,
  keycloak: MlToolsKeycloakTarget,
): TransformResult {
  const clientId = str(client.clientId);
  if (!clientId) {
    return { entities: [], problems: ['client has no clientId'] };
  }
  const owner = ownerRef(
    undefined,
    attribute(client, KEYCLOAK_ATTRIBUTES.owner),
  );
  if (!owner) {
    return {
      entities: [],
      problems: [`client ${clientId} has no ${KEYCLOAK_ATTRIBUTES.owner}`],
    };
  }
  const location = sourceLocation(
    `keycloak/${keycloak.server}/${keycloak.realm}`,
  );
  const instance = attribute(client, KEYCLOAK_ATTRIBUTES.instance);
  const tool = attribute(client, KEYCLOAK_ATTRIBUTES.tool);
  const links: EntityLink[] = client.id
    ? [
        {
          url: `${keycloak.baseUrl}/admin/master/console/#/${encodeURIComponent(
            keycloak.realm,
          )}/clients/${encodeURIComponent(client.id)}/settings`,
          title: 'Keycloak client console',
          type: 'keycloak-console',
          icon: 'dashboard',
        },
      ]
    : [];
  return {
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: {
          name: keycloakClientEntityName(keycloak.realm, clientId),
          title: `${clientId} (Keycloak client)`,
          description:
            str(client.description) ??
            `Keycloak client ${clientId} in realm ${keycloak.realm}${
              instance ? `, for instance ${instance}` : ''
            }.`,
          annotations: {
            [ANNOTATION_LOCATION]: location,
            [ANNOTATION_ORIGIN_LOCATION]: location,
            [ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient]: `${keycloak.server}/${keycloak.realm}/${clientId}`,
            ...(tool ? { [ML_TOOLS_ENTITY_ANNOTATIONS.tool]: tool } : {}),
          },
          tags: [ML_TOOLS_RESOURCE_TYPES.keycloakClient],
          ...(links.length ? { links } : {}),
        },
        spec: { type: ML_TOOLS_RESOURCE_TYPES.keycloakClient, owner },
      },
    ],
    problems: [],
  };
}
