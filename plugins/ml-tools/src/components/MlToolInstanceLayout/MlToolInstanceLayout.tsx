import type { ReactElement } from 'react';
import Grid from '@material-ui/core/Grid';
import type { Entity } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';

/** A card as the catalog's overview hands it to a layout. */
export interface LayoutCard {
  type?: 'info' | 'content';
  element: ReactElement;
}

/** The cards of this plugin, in the order an instance page opens with them. */
const LEADING = [
  'entity-card:ml-tools/health',
  'entity-card:ml-tools/access',
  'entity-card:ml-tools/links',
];

/** The extension id of a card (the element is its extension boundary). */
export function cardId(card: LayoutCard): string | undefined {
  const props = card.element.props as { node?: { spec?: { id?: unknown } } };
  const id = props?.node?.spec?.id;
  return typeof id === 'string' ? id : undefined;
}

function relatesTo(entity: Entity, type: string, kind: string): boolean {
  return (entity.relations ?? []).some(
    r =>
      r.type === type &&
      r.targetRef.toLocaleLowerCase('en-US').startsWith(`${kind}:`),
  );
}

/**
 * Stock cards that say nothing on a tool instance: relation tables with no relation of
 * their kind, and the catalog's links card, which our links card already shows (with
 * the live URL, the Keycloak client and the docs).
 */
const SILENT_WHEN: Record<
  string,
  (entity: Entity, present: ReadonlySet<string>) => boolean
> = {
  'entity-card:catalog/depends-on-components': e =>
    !relatesTo(e, 'dependsOn', 'component'),
  'entity-card:catalog/depends-on-resources': e =>
    !relatesTo(e, 'dependsOn', 'resource'),
  'entity-card:catalog/has-subcomponents': e =>
    !relatesTo(e, 'hasPart', 'component'),
  'entity-card:catalog/links': (_e, present) =>
    present.has('entity-card:ml-tools/links'),
};

/**
 * Orders an instance's cards: health, access and links first, side by side; then the
 * rest in the catalog's order, without the cards that would be empty or repeat ours.
 */
export function arrangeInstanceCards(
  cards: LayoutCard[],
  entity: Entity,
): { leading: LayoutCard[]; rest: LayoutCard[] } {
  const present = new Set(cards.map(cardId).filter((id): id is string => !!id));
  const leading = LEADING.flatMap(id => cards.filter(c => cardId(c) === id));
  const rest = cards.filter(card => {
    const id = cardId(card);
    if (id && LEADING.includes(id)) return false;
    const silent = id ? SILENT_WHEN[id] : undefined;
    return !silent?.(entity, present);
  });
  return { leading, rest };
}

/**
 * The overview of an ML tool instance (new frontend system layout): it opens with
 * health, access and links, visible without scrolling; the About card and any other
 * card follow, and relation tables that would be empty are left out.
 *
 * @public
 */
export function MlToolInstanceLayout(props: { cards: LayoutCard[] }) {
  const { entity } = useEntity();
  const { leading, rest } = arrangeInstanceCards(props.cards, entity);
  return (
    <Grid container spacing={3} alignItems="stretch">
      {leading.map((card, i) => (
        <Grid key={cardId(card) ?? i} item xs={12} md={4}>
          {card.element}
        </Grid>
      ))}
      {rest.map((card, i) => (
        <Grid
          key={cardId(card) ?? `rest-${i}`}
          item
          xs={12}
          md={card.type === 'info' ? 6 : 12}
        >
          {card.element}
        </Grid>
      ))}
    </Grid>
  );
}
