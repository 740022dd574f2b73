/**
 * Events topic the ML tools catalog provider listens on. Publishing to it (through the
 * events service of `@backstage/plugin-events-node`) runs a provider cycle at once, so a
 * freshly deployed instance reaches the catalog without waiting for the schedule.
 *
 * @public
 */
export const ML_TOOLS_CATALOG_REFRESH_TOPIC = 'ml-tools.catalog.refresh';

/**
 * Payload of {@link ML_TOOLS_CATALOG_REFRESH_TOPIC}. Without `cluster`, every source is
 * read again; with it, only that cluster and the Keycloak realm.
 *
 * @public
 */
export interface MlToolsCatalogRefreshEvent {
  /** Cluster name from `mlTools.clusters`, when the change is known to be there. */
  cluster?: string;
  /** `<cluster>/<namespace>/<name>` of the instance that changed, for the log line. */
  instanceRef?: string;
}
