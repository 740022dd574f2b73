/*
 * The Keycloak simulator: OpenID Connect endpoints and the admin REST API, in memory.
 */
export { KeycloakSimulator } from './simulator';
export type { KeycloakSimulatorOptions } from './simulator';
export { startKeycloakSimulator } from './server';
export type {
  RunningKeycloakSimulator,
  StartKeycloakSimulatorOptions,
} from './server';
export { DEFAULT_CLIENT_SECRET } from './seed';
export type {
  KeycloakSeed,
  KeycloakSeedGroup,
  KeycloakSeedUser,
  SeededCredentials,
} from './seed';
