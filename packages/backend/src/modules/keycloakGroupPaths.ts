import { createBackendModule } from '@backstage/backend-plugin-api';
import type { GroupEntity } from '@backstage/catalog-model';
import {
  keycloakTransformerExtensionPoint,
  type GroupRepresentationWithParent,
  type GroupTransformer,
} from '@backstage-community/plugin-catalog-backend-module-keycloak';

/**
 * The full path of a Keycloak group (`/data-scientists/vision`). Keycloak sends it with
 * every group representation; when a server leaves it out, the parent name the catalog
 * module records stands in for the ancestors (one level, the best that is known).
 */
export function keycloakGroupPath(
  group: GroupRepresentationWithParent,
): string {
  if (group.path && group.path.startsWith('/')) return group.path;
  const name = group.name ?? '';
  return group.parent ? `/${group.parent}/${name}` : `/${name}`;
}

/**
 * Group transformer for the community Keycloak catalog module: the entity keeps the
 * name the module gives it (the group's own name, sanitised as the module does, which
 * the scaffolder actions rely on), and gets its full Keycloak path as title and display
 * name. Pickers, the review step and group pages then show `/team-a/vision`, never a
 * bare `vision` that could be the subgroup of any team.
 */
export const keycloakGroupPathTransformer: GroupTransformer = async (
  entity,
  group,
): Promise<GroupEntity> => {
  const path = keycloakGroupPath(group as GroupRepresentationWithParent);
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      name: entity.metadata.name.replace(/[^a-zA-Z0-9\-_.]/g, '-'),
      title: path,
    },
    spec: {
      ...entity.spec,
      profile: { ...entity.spec.profile, displayName: path },
    },
  };
};

/**
 * Backend module of this portal: Keycloak groups enter the catalog titled with their
 * full path (see {@link keycloakGroupPathTransformer}).
 */
export const catalogModuleKeycloakGroupPaths = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'keycloak-group-paths',
  register(reg) {
    reg.registerInit({
      deps: { keycloak: keycloakTransformerExtensionPoint },
      async init({ keycloak }) {
        keycloak.setGroupTransformer(keycloakGroupPathTransformer);
      },
    });
  },
});
