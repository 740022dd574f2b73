import type { HumanDuration } from '@backstage/types';

export interface Config {
  mlTools?: {
    /** The ML tools backend routes. */
    backend?: {
      /** How long upstream answers (health, groups, clients) are reused; 15 s by default. */
      cacheTtl?: HumanDuration | string;
      /**
       * Longest wait for one cluster; checks of a cluster that does not answer in time
       * report `unknown`. 3 s by default.
       */
      clusterTimeout?: HumanDuration | string;
      /** Longest wait for Keycloak; 3 s by default. */
      keycloakTimeout?: HumanDuration | string;
      /** Most calls in flight to one cluster, or to Keycloak, at a time; 16 by default. */
      serverConcurrency?: number;
    };
  };
}
