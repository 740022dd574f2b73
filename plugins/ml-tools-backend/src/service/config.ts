import { readDurationFromConfig, type Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { durationToMilliseconds, type HumanDuration } from '@backstage/types';

/**
 * `mlTools.backend` plus the Keycloak facts the routes need, parsed once.
 *
 * @public
 */
export interface MlToolsBackendConfig {
  /** How long upstream answers are reused. */
  readonly cacheTtlMs: number;
  /** Longest wait for one cluster before its checks report `unknown`. */
  readonly clusterTimeoutMs: number;
  /** Longest wait for Keycloak before its checks report `unknown`. */
  readonly keycloakTimeoutMs: number;
  /** Most calls in flight to one cluster (or to Keycloak) at a time. */
  readonly serverConcurrency: number;
  readonly keycloak?: MlToolsBackendRealm;
}

/**
 * The Keycloak realm the routes read, from `mlTools.keycloak`.
 *
 * @public
 */
export interface MlToolsBackendRealm {
  /** Host of the base URL: the server part of `<server>/<realm>/<clientId>`. */
  readonly server: string;
  readonly realm: string;
  /** Base of admin console links. */
  readonly consoleBaseUrl: string;
}

function duration(
  config: Config | undefined,
  key: string,
  fallback: HumanDuration,
): number {
  if (!config?.has(key)) return durationToMilliseconds(fallback);
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (e) {
    throw new InputError(
      `Invalid mlTools.backend.${key}: ${(e as Error).message}`,
    );
  }
  if (!(ms > 0)) {
    throw new InputError(`mlTools.backend.${key} must be longer than zero`);
  }
  return ms;
}

/**
 * Reads and checks `mlTools.backend`; throws an `InputError` naming the key.
 *
 * @public
 */
export function readMlToolsBackendConfig(config: Config): MlToolsBackendConfig {
  const root = config.getOptionalConfig('mlTools');
  const backend = root?.getOptionalConfig('backend');
  const keycloak = config.getOptionalConfig('mlTools.keycloak');
  const serverConcurrency =
    backend?.getOptionalNumber('serverConcurrency') ?? 16;
  if (!Number.isInteger(serverConcurrency) || serverConcurrency < 1) {
    throw new InputError(
      `mlTools.backend.serverConcurrency must be a whole number from 1, got ${serverConcurrency}`,
    );
  }
  let keycloakFacts: MlToolsBackendRealm | undefined;
  if (keycloak) {
    const baseUrl = keycloak.getString('baseUrl').replace(/\/+$/, '');
    if (!URL.canParse(baseUrl)) {
      throw new InputError(
        `mlTools.keycloak.baseUrl "${baseUrl}" is not a URL`,
      );
    }
    keycloakFacts = Object.freeze({
      server: new URL(baseUrl).host,
      realm: keycloak.getString('realm'),
      consoleBaseUrl: (
        keycloak.getOptionalString('consoleBaseUrl') ?? baseUrl
      ).replace(/\/+$/, ''),
    });
  }
  return Object.freeze({
    cacheTtlMs: duration(backend, 'cacheTtl', { seconds: 15 }),
    clusterTimeoutMs: duration(backend, 'clusterTimeout', { seconds: 3 }),
    keycloakTimeoutMs: duration(backend, 'keycloakTimeout', { seconds: 3 }),
    serverConcurrency,
    keycloak: keycloakFacts,
  });
}
