import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  mlTools?: {
    /** The ML tools entity provider of the catalog. */
    catalog?: {
      /**
       * How often every source is read again. Defaults to every minute, 3 minute timeout,
       * 5 seconds after startup. A deploy can also trigger a cycle at once (see README).
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /** Which sources the provider reads. */
      sources?: {
        /** Names from `mlTools.clusters`; every configured cluster by default. */
        clusters?: string[];
        /** Read the clients of the `mlTools.keycloak` realm; true by default. */
        keycloak?: boolean;
        /**
         * Narrow the Keycloak client list on the server with the `q` attribute search.
         * Off by default: Keycloak ignores `q` in some versions and, in others, answers
         * nothing unless `ml-platform.io/managed-by` is a searchable client attribute
         * (`spi-client-jpa-searchable-attributes`). Turn on only where it is.
         */
        keycloakAttributeSearch?: boolean;
        /**
         * Names of the kinds read, among the release kinds of the deploy drivers and the
         * object kinds of the registered blueprints; all of them by default.
         */
        kinds?: string[];
      };
    };
  };
}
