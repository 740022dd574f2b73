import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { MlToolsKeycloakTarget } from './values';

/**
 * `mlTools.catalog`, parsed once at startup.
 *
 * @public
 */
export interface MlToolsCatalogConfig {
  readonly schedule: SchedulerServiceTaskScheduleDefinition;
  /** Names from `mlTools.clusters` the provider reads. */
  readonly clusters: readonly string[];
  /** The Keycloak realm the provider reads clients from, when enabled. */
  readonly keycloak?: Readonly<MlToolsKeycloakTarget>;
  /**
   * Names of the kinds to read, among those the provider knows (the release kinds of both
   * deploy drivers and every blueprint's object kinds); all of them when absent.
   */
  readonly kinds?: readonly string[];
  /**
   * Narrow the client list with Keycloak's `q` attribute search (only where the server
   * honours it); otherwise the realm's clients are paged and filtered by the provider.
   */
  readonly keycloakAttributeSearch: boolean;
}

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = Object.freeze({
  frequency: { minutes: 1 },
  timeout: { minutes: 3 },
  initialDelay: { seconds: 5 },
});

/**
 * The server part of `<server>/<realm>/<clientId>`: the host (and port) of the Keycloak
 * base URL, so it never holds a `/`.
 *
 * @public
 */
export function keycloakServerName(baseUrl: string): string {
  return new URL(baseUrl).host;
}

/**
 * Reads and checks `mlTools.catalog` against `mlTools.clusters` and `mlTools.keycloak`.
 * Throws an `InputError` naming the key on any mistake.
 *
 * @public
 */
export function readMlToolsCatalogConfig(config: Config): MlToolsCatalogConfig {
  const root = config.getOptionalConfig('mlTools');
  const catalog = root?.getOptionalConfig('catalog');

  let schedule = DEFAULT_SCHEDULE;
  if (catalog?.has('schedule')) {
    try {
      schedule = readSchedulerServiceTaskScheduleDefinitionFromConfig(
        catalog.getConfig('schedule'),
      );
    } catch (e) {
      throw new InputError(
        `Invalid mlTools.catalog.schedule: ${(e as Error).message}`,
      );
    }
  }

  const knownClusters = (root?.getOptionalConfigArray('clusters') ?? []).map(
    (c, i) => {
      const name = c.getOptionalString('name');
      if (!name) {
        throw new InputError(`mlTools.clusters[${i}].name is required`);
      }
      return name;
    },
  );
  const sources = catalog?.getOptionalConfig('sources');
  const wanted = sources?.getOptionalStringArray('clusters');
  for (const name of wanted ?? []) {
    if (!knownClusters.includes(name)) {
      throw new InputError(
        `mlTools.catalog.sources.clusters names "${name}", which is not in mlTools.clusters (${
          knownClusters.join(', ') || 'none configured'
        })`,
      );
    }
  }
  const clusters = wanted ?? knownClusters;

  // Checked against the known kinds at cycle time: blueprints added by modules are only
  // all registered once the backend has started.
  const kinds = sources?.getOptionalStringArray('kinds');

  const keycloakConfig = config.getOptionalConfig('mlTools.keycloak');
  const realmWanted = config.getOptionalBoolean(
    'mlTools.catalog.sources.keycloak',
  );
  const readRealm = realmWanted ?? true;
  let keycloak: MlToolsKeycloakTarget | undefined;
  if (readRealm && keycloakConfig) {
    const baseUrl = keycloakConfig.getString('baseUrl');
    let server: string;
    try {
      server = keycloakServerName(baseUrl);
    } catch {
      throw new InputError(
        `mlTools.keycloak.baseUrl "${baseUrl}" is not a URL`,
      );
    }
    keycloak = Object.freeze({
      server,
      baseUrl: (
        keycloakConfig.getOptionalString('consoleBaseUrl') ?? baseUrl
      ).replace(/\/+$/, ''),
      realm: keycloakConfig.getString('realm'),
    });
  } else if (realmWanted === true) {
    throw new InputError(
      'mlTools.catalog.sources.keycloak is true but mlTools.keycloak is not configured',
    );
  }

  return Object.freeze({
    schedule: Object.freeze(schedule),
    clusters: Object.freeze([...clusters]),
    keycloak,
    kinds: kinds ? Object.freeze([...kinds]) : undefined,
    keycloakAttributeSearch:
      sources?.getOptionalBoolean('keycloakAttributeSearch') ?? false,
  });
}
