export { EntityMlToolLinksCard } from './EntityMlToolLinksCard';
export type { EntityMlToolLinksCardProps } from './EntityMlToolLinksCard';
