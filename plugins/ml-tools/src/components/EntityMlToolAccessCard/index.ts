export { EntityMlToolAccessCard } from './EntityMlToolAccessCard';
export type { EntityMlToolAccessCardProps } from './EntityMlToolAccessCard';
