export { EntityUserFederationCard } from './EntityUserFederationCard';
export type { EntityUserFederationCardProps } from './EntityUserFederationCard';
