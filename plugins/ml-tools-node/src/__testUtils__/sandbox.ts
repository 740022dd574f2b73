import type { Sandbox } from '@ml-platform/sandbox';
import type {
  MlToolsClusterConfig,
  MlToolsKeycloakConfig,
} from '../config/readMlToolsConfig';

/** The parsed cluster config of a sandbox cluster. */
export function clusterConfig(
  sandbox: Sandbox,
  overrides: Partial<MlToolsClusterConfig> = {},
): MlToolsClusterConfig[] {
  return sandbox.clusters.map(c => ({
    name: c.name,
    url: c.url,
    authProvider: 'serviceAccount',
    serviceAccountToken: c.token,
    caData: c.caData,
    skipTLSVerify: false,
    requestTimeoutMs: 5000,
    ...overrides,
  }));
}

/** The parsed Keycloak config of a sandbox. */
export function keycloakConfig(sandbox: Sandbox): MlToolsKeycloakConfig {
  const kc = sandbox.keycloak!;
  return {
    baseUrl: kc.url,
    realm: kc.realm,
    authRealm: kc.realm,
    clientId: kc.clientId,
    clientSecret: kc.clientSecret,
    consoleBaseUrl: kc.url,
    requestTimeoutMs: 5000,
  };
}

/** Fast retries for tests that do not measure delays. */
export const fastRetry = { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 };
