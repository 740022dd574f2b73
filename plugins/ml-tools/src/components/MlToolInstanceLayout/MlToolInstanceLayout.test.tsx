import type { Entity } from '@backstage/catalog-model';
import {
  arrangeInstanceCards,
  cardId,
  type LayoutCard,
} from './MlToolInstanceLayout';

/** A card as the catalog hands it: its element is the extension's boundary. */
function card(id: string, type?: 'info' | 'content'): LayoutCard {
  const Boundary = (_: { node: unknown }) => null;
  return { type, element: <Boundary node={{ spec: { id } }} /> };
}

const instance = (relations: Entity['relations'] = []): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'mlflow-a',
    links: [{ url: 'https://mlflow-a.example.com' }],
  },
  spec: { type: 'mlflow', owner: 'group:default/vision' },
  relations,
});

// The catalog's order: its own cards first, then plugins' cards.
const catalogOrder = [
  card('entity-card:catalog/about', 'info'),
  card('entity-card:catalog/links', 'info'),
  card('entity-card:catalog/depends-on-components'),
  card('entity-card:catalog/depends-on-resources'),
  card('entity-card:catalog/has-subcomponents'),
  card('entity-card:ml-tools/links', 'info'),
  card('entity-card:ml-tools/access'),
  card('entity-card:ml-tools/health'),
];

describe('the ML tool instance layout', () => {
  it('opens with health, access and links, and drops empty relation tables and the repeated links card', () => {
    const { leading, rest } = arrangeInstanceCards(catalogOrder, instance());
    expect(leading.map(cardId)).toEqual([
      'entity-card:ml-tools/health',
      'entity-card:ml-tools/access',
      'entity-card:ml-tools/links',
    ]);
    expect(rest.map(cardId)).toEqual(['entity-card:catalog/about']);
  });

  it('keeps a relation table that has something to show', () => {
    const { rest } = arrangeInstanceCards(
      catalogOrder,
      instance([
        { type: 'dependsOn', targetRef: 'resource:default/mlflow-a-db' },
      ]),
    );
    expect(rest.map(cardId)).toEqual([
      'entity-card:catalog/about',
      'entity-card:catalog/depends-on-resources',
    ]);
  });

  it('keeps the catalog links card where the plugin links card is not installed', () => {
    const { rest } = arrangeInstanceCards(
      catalogOrder.filter(c => cardId(c) !== 'entity-card:ml-tools/links'),
      instance(),
    );
    expect(rest.map(cardId)).toContain('entity-card:catalog/links');
  });

  it('keeps cards it cannot identify, in their order', () => {
    const plain: LayoutCard = { element: <div>custom</div> };
    const { rest } = arrangeInstanceCards([plain, ...catalogOrder], instance());
    expect(rest[0]).toBe(plain);
  });
});
