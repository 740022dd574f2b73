export { EntityMlToolHealthCard } from './EntityMlToolHealthCard';
export type { EntityMlToolHealthCardProps } from './EntityMlToolHealthCard';
