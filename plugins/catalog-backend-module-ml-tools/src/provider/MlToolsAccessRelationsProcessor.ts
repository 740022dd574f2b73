import {
  type Entity,
  getCompoundEntityRef,
  parseEntityRef,
} from '@backstage/catalog-model';
import {
  type CatalogProcessor,
  type CatalogProcessorEmit,
  type LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  isMlToolInstanceEntity,
  keycloakGroupEntityRef,
  ML_PLATFORM_ANNOTATIONS,
  ML_TOOLS_RELATIONS,
} from '@ml-platform/plugin-ml-tools-common';

/**
 * Relates each tool instance to the Groups its role mappings name, as the Keycloak
 * catalog module names them, so the catalog (and its graph) shows who can use what.
 *
 * @public
 */
export class MlToolsAccessRelationsProcessor implements CatalogProcessor {
  /** {@inheritDoc @backstage/plugin-catalog-node#CatalogProcessor.getProcessorName} */
  getProcessorName(): string {
    return 'MlToolsAccessRelationsProcessor';
  }

  /** Emits the access relations of a tool instance; other entities pass through. */
  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (!isMlToolInstanceEntity(entity)) return entity;
    const raw =
      entity.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.roleMappings];
    if (!raw) return entity;
    let mappings: unknown;
    try {
      mappings = JSON.parse(raw);
    } catch {
      return entity;
    }
    if (!mappings || typeof mappings !== 'object') return entity;
    const self = getCompoundEntityRef(entity);
    const groups = new Set<string>();
    for (const value of Object.values(mappings as Record<string, unknown>)) {
      for (const path of Array.isArray(value) ? value : [value]) {
        if (typeof path === 'string' && path.trim()) {
          groups.add(keycloakGroupEntityRef(path));
        }
      }
    }
    for (const ref of groups) {
      const group = parseEntityRef(ref);
      emit(
        processingResult.relation({
          source: self,
          type: ML_TOOLS_RELATIONS.accessGrantedTo,
          target: group,
        }),
      );
      emit(
        processingResult.relation({
          source: group,
          type: ML_TOOLS_RELATIONS.hasAccessTo,
          target: self,
        }),
      );
    }
    return entity;
  }
}
