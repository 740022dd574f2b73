import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  KEYCLOAK_ATTRIBUTES,
  keycloakRealmEntityName,
  ML_PLATFORM_MANAGER,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  ML_TOOLS_RESOURCE_TYPES,
  userFederationEntityName,
} from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsKeycloakFederation } from './types';
import {
  ownerRef,
  sourceLocation,
  type MlToolsKeycloakTarget,
  type TransformResult,
} from './values';

const first = (f: MlToolsKeycloakFederation, key: string) =>
  f.config[key]?.[0] || undefined;

/** True when the federation carries our manager mark. */
export function isOurFederation(f: MlToolsKeycloakFederation): boolean {
  return first(f, KEYCLOAK_ATTRIBUTES.managedBy) === ML_PLATFORM_MANAGER;
}

/**
 * The `keycloak-realm` Resources of the realms that hold our federations (owned by the
 * owner of the realm's first federation) and a `user-federation` Resource per
 * federation, depending on its realm. Only names, the directory URL and the edit mode are
 * copied: never a credential.
 */
export function federationsToEntities(
  federations: MlToolsKeycloakFederation[],
  keycloak: MlToolsKeycloakTarget,
): TransformResult {
  const problems: string[] = [];
  const entities: Entity[] = [];
  const realmOwners = new Map<string, string>();
  const ours = federations
    .filter(isOurFederation)
    .sort((a, b) =>
      `${a.realm}/${a.name}`.localeCompare(`${b.realm}/${b.name}`),
    );
  for (const f of ours) {
    const owner = ownerRef(undefined, first(f, KEYCLOAK_ATTRIBUTES.owner));
    if (!owner) {
      problems.push(
        `federation ${f.realm}/${f.name} has no ${KEYCLOAK_ATTRIBUTES.owner}`,
      );
      continue;
    }
    if (!realmOwners.has(f.realm)) realmOwners.set(f.realm, owner);
    const location = sourceLocation(
      `keycloak/${keycloak.server}/${f.realm}/federations`,
    );
    const url = first(f, 'connectionUrl');
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: userFederationEntityName(f.realm, f.name),
        title: `${f.name} (user federation of ${f.realm})`,
        description: `${
          first(f, 'vendor') === 'ad' ? 'Active Directory' : 'LDAP'
        } users${url ? ` from ${url}` : ''} in Keycloak realm ${f.realm}, ${
          first(f, 'editMode') ?? 'READ_ONLY'
        }.`,
        annotations: {
          [ANNOTATION_LOCATION]: location,
          [ANNOTATION_ORIGIN_LOCATION]: location,
          [ML_TOOLS_ENTITY_ANNOTATIONS.keycloakRealm]: f.realm,
          [ML_TOOLS_ENTITY_ANNOTATIONS.keycloakFederation]: `${f.realm}/${f.name}`,
        },
        tags: [ML_TOOLS_RESOURCE_TYPES.userFederation, 'ldap'],
        ...(f.id
          ? {
              links: [
                {
                  url: `${
                    keycloak.baseUrl
                  }/admin/master/console/#/${encodeURIComponent(
                    f.realm,
                  )}/user-federation/ldap/${encodeURIComponent(f.id)}`,
                  title: 'User federation console',
                  type: 'keycloak-console',
                  icon: 'dashboard',
                },
              ],
            }
          : {}),
      },
      spec: {
        type: ML_TOOLS_RESOURCE_TYPES.userFederation,
        owner,
        dependsOn: [
          stringifyEntityRef({
            kind: 'Resource',
            namespace: 'default',
            name: keycloakRealmEntityName(f.realm),
          }),
        ],
      },
    });
  }
  for (const [realm, owner] of realmOwners) {
    const location = sourceLocation(
      `keycloak/${keycloak.server}/${realm}/federations`,
    );
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: keycloakRealmEntityName(realm),
        title: `${realm} (Keycloak realm)`,
        description: `Keycloak realm ${realm} on ${keycloak.server}.`,
        annotations: {
          [ANNOTATION_LOCATION]: location,
          [ANNOTATION_ORIGIN_LOCATION]: location,
          [ML_TOOLS_ENTITY_ANNOTATIONS.keycloakRealm]: realm,
        },
        tags: [ML_TOOLS_RESOURCE_TYPES.keycloakRealm],
        links: [
          {
            url: `${
              keycloak.baseUrl
            }/admin/master/console/#/${encodeURIComponent(realm)}`,
            title: 'Realm console',
            type: 'keycloak-console',
            icon: 'dashboard',
          },
        ],
      },
      spec: { type: ML_TOOLS_RESOURCE_TYPES.keycloakRealm, owner },
    });
  }
  return { entities, problems };
}
