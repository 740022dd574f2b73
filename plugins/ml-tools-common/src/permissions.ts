import {
  createPermission,
  type BasicPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/** The catalog's entity resource type, repeated to avoid a catalog dependency here. */
const CATALOG_ENTITY = 'catalog-entity';

/**
 * Read an instance's health checks.
 *
 * @public
 */
export const mlToolsHealthReadPermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'ml-tools.instance.health.read',
    attributes: { action: 'read' },
    resourceType: CATALOG_ENTITY,
  });

/**
 * Read an instance's role → group mapping and member counts.
 *
 * @public
 */
export const mlToolsAccessReadPermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'ml-tools.instance.access.read',
    attributes: { action: 'read' },
    resourceType: CATALOG_ENTITY,
  });

/**
 * See who is in the groups that grant an instance's roles (names and emails).
 *
 * @public
 */
export const mlToolsMembersReadPermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'ml-tools.instance.members.read',
    attributes: { action: 'read' },
    resourceType: CATALOG_ENTITY,
  });

/**
 * Read the summary of an instance's Keycloak client (redirect URIs, scopes, audience;
 * never its secret).
 *
 * @public
 */
export const mlToolsKeycloakClientReadPermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'ml-tools.keycloak-client.read',
    attributes: { action: 'read' },
    resourceType: CATALOG_ENTITY,
  });

/**
 * Change or remove an instance someone else's group owns: update it by deploying again
 * with its name, or decommission it. Members of the instance's owner group need no
 * grant; a policy gives this to the platform team, optionally with conditions on the
 * instance's catalog entity.
 *
 * @public
 */
export const mlToolsInstanceManagePermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'ml-tools.instance.manage',
    attributes: { action: 'update' },
    resourceType: CATALOG_ENTITY,
  });

/**
 * See the pieces of the whole fleet that no instance accounts for (orphaned Keycloak
 * clients, releases with no catalog entity), and adopt or remove them: a platform
 * team's view, across owners.
 *
 * @public
 */
export const mlToolsFleetManagePermission: BasicPermission = createPermission({
  name: 'ml-tools.fleet.manage',
  attributes: { action: 'read' },
});

/**
 * Every permission of the ML tools plugins, for registration with the permission
 * integration.
 *
 * @public
 */
export const mlToolsPermissions = [
  mlToolsHealthReadPermission,
  mlToolsAccessReadPermission,
  mlToolsMembersReadPermission,
  mlToolsKeycloakClientReadPermission,
  mlToolsInstanceManagePermission,
  mlToolsFleetManagePermission,
];
