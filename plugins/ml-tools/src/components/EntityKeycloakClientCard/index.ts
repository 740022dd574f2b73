export { EntityKeycloakClientCard } from './EntityKeycloakClientCard';
export type { EntityKeycloakClientCardProps } from './EntityKeycloakClientCard';
