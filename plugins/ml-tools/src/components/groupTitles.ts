import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  defaultEntityPresentation,
  type EntityPresentationApi,
} from '@backstage/plugin-catalog-react';

/** The entity fields a group's title is made from (a catalog `fields` filter). */
export const GROUP_TITLE_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'spec.profile.displayName',
];

/**
 * A group's ref and its title as the app presents entities (its entity presentation API
 * where it has one, else Backstage's default): with this portal's Keycloak module, the
 * group's full path (`/data-scientists/vision`). The title falls back to the ref.
 */
export async function groupTitle(
  entity: Entity,
  presentationApi: EntityPresentationApi | undefined,
): Promise<{ ref: string; title: string }> {
  const ref = stringifyEntityRef(entity);
  const { primaryTitle } = presentationApi
    ? await presentationApi.forEntity(entity).promise
    : defaultEntityPresentation(entity);
  return { ref, title: primaryTitle || ref };
}
