import { createBackend } from '@backstage/backend-defaults';
import { catalogModuleKeycloakGroupPaths } from './modules/keycloakGroupPaths';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(
  import('@backstage-community/plugin-catalog-backend-module-keycloak'),
);
// Keycloak groups titled with their full path, so a subgroup never reads as a bare name.
backend.add(catalogModuleKeycloakGroupPaths);
backend.add(import('@ml-platform/plugin-catalog-backend-module-ml-tools'));
backend.add(import('@ml-platform/plugin-ml-tools-backend'));

backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@ml-platform/plugin-scaffolder-backend-module-ml-tools'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

backend.add(import('@backstage/plugin-kubernetes-backend'));

backend.add(import('@backstage/plugin-user-settings-backend'));

// Signals push updates to the browser; the app's storage API depends on them.
backend.add(import('@backstage/plugin-signals-backend'));
// The events bus that the catalog's and signals' event subscriptions call; without it
// each subscriber logs "events backend not found" at every start.
backend.add(import('@backstage/plugin-events-backend'));

backend.start();
