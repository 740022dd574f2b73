import type KcAdminClient from '@keycloak/keycloak-admin-client';
import Resource from '@keycloak/keycloak-admin-client/lib/resources/resource.js';
import type { GatewayReadOptions } from '../kubernetes/types';
import { UpstreamError } from '../lib/errors';
import type { KeycloakConnection } from './KeycloakConnection';

/**
 * The realm's public discovery document, read through the admin client's request
 * machinery so that it shares the gateway's timeout, cancellation and error handling.
 */
class OidcDiscovery extends Resource<{ realm?: string }> {
  get = this.makeRequest<{}, { issuer?: string }>({
    method: 'GET',
    path: '/.well-known/openid-configuration',
  });

  constructor(client: KcAdminClient) {
    super(client, {
      path: '/realms/{realm}',
      getUrlParams: () => ({ realm: client.realmName }),
      getBaseUrl: () => client.baseUrl,
    });
  }
}

/** @internal */
export async function fetchOidcDiscovery(
  kc: KeycloakConnection,
  options: GatewayReadOptions = {},
): Promise<{ issuer: string }> {
  const doc = await kc.call(
    'oidc-discovery',
    kc.realm,
    'read',
    c => new OidcDiscovery(c).get(),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  if (!doc?.issuer) {
    throw new UpstreamError(
      `OIDC discovery of realm "${kc.realm}" has no issuer`,
    );
  }
  return { issuer: doc.issuer };
}
