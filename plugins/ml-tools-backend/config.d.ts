import type { HumanDuration } from '@backstage/types';

export interface Config {
  mlTools?: {
    /** The ML tools backend routes. */
    backend?: {
      /** How long upstream answers (health, groups, clients) are reused; 15 s by default. */
      cacheTtl?: HumanDuration | string;
      /**
       * Longest wait for one cluster, and for each of its requests; checks of a cluster
       * that does not answer in time report `unknown`, while a list whose pages each
       * answer in time still completes for the next page. 3 s by default.
       */
      clusterTimeout?: HumanDuration | string;
      /** Longest wait for Keycloak, and for each of its requests; 3 s by default. */
      keycloakTimeout?: HumanDuration | string;
      /** Most calls in flight to one cluster, or to Keycloak, at a time; 16 by default. */
      serverConcurrency?: number;
    };
  };
}
