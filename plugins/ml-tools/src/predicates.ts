import type { Entity } from '@backstage/catalog-model';
import {
  isKeycloakClientEntity,
  isMlToolInstanceEntity,
  isUserFederationEntity,
} from '@ml-platform/plugin-ml-tools-common';

/**
 * True when the entity is a tool instance, so the health card has something to check.
 *
 * @public
 */
export function isMlToolHealthAvailable(entity: Entity): boolean {
  return isMlToolInstanceEntity(entity);
}

/**
 * True when the entity is a tool instance, so the access card can list its roles.
 *
 * @public
 */
export function isMlToolAccessAvailable(entity: Entity): boolean {
  return isMlToolInstanceEntity(entity);
}

/**
 * True when the entity is a tool instance, so the links card can list where to open it.
 *
 * @public
 */
export function isMlToolLinksAvailable(entity: Entity): boolean {
  return isMlToolInstanceEntity(entity);
}

/**
 * True when the entity is a Keycloak client Resource emitted by the suite.
 *
 * @public
 */
export function isKeycloakClientAvailable(entity: Entity): boolean {
  return isKeycloakClientEntity(entity);
}

/**
 * True when the entity is a user federation Resource emitted by the suite.
 *
 * @public
 */
export function isUserFederationAvailable(entity: Entity): boolean {
  return isUserFederationEntity(entity);
}
