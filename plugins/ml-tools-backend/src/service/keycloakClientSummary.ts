import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  type KeycloakClientSummaryResponse,
} from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsBackendConfig, MlToolsBackendRealm } from './config';
import { clientIdOf } from './instanceTarget';
import type { UpstreamCache } from './UpstreamCache';

/** The admin console page of a client. */
export function consoleUrl(
  keycloak: MlToolsBackendRealm,
  clientUuid: string,
): string {
  return `${
    keycloak.consoleBaseUrl
  }/admin/master/console/#/${encodeURIComponent(
    keycloak.realm,
  )}/clients/${encodeURIComponent(clientUuid)}/settings`;
}

/**
 * The summary of the Keycloak client of an instance or of a keycloak-client Resource:
 * what a person needs to reason about single sign-on, never the secret.
 */
export async function keycloakClientSummary(
  entity: Entity,
  options: {
    config: MlToolsBackendConfig;
    upstream: UpstreamCache;
    hasKeycloak: boolean;
  },
): Promise<KeycloakClientSummaryResponse> {
  const entityRef = stringifyEntityRef(entity);
  const value =
    entity.metadata.annotations?.[ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient];
  const clientId = value
    ? clientIdOf(value, options.config.keycloak)
    : undefined;
  if (!clientId || !options.hasKeycloak) {
    throw new NotFoundError(
      `${entityRef} has no Keycloak client of the configured realm`,
    );
  }
  const client = await options.upstream.client(clientId);
  if (client.state !== 'ok') {
    throw new ServiceUnavailableError(
      `Could not read Keycloak client ${clientId}: ${client.reason}`,
    );
  }
  if (!client.value) {
    throw new NotFoundError(`Keycloak client ${clientId} does not exist`);
  }
  const c = client.value;
  const defaultScopes = c.defaultClientScopes ?? [];
  const isAudience = (m: { protocolMapper?: string }) =>
    m.protocolMapper === 'oidc-audience-mapper';
  let mappers = (c.protocolMappers ?? []).filter(isAudience);
  if (mappers.length === 0) {
    // The audience usually comes from the instance's own client scope.
    const scopes = await Promise.all(
      defaultScopes.map(name => options.upstream.clientScope(name)),
    );
    mappers = scopes.flatMap(o =>
      o.state === 'ok'
        ? (o.value?.protocolMappers ?? []).filter(isAudience)
        : [],
    );
  }
  const audienceMapper = mappers[0];
  const audience =
    audienceMapper?.config?.['included.client.audience'] ||
    audienceMapper?.config?.['included.custom.audience'] ||
    undefined;
  const instanceAttr = c.attributes?.[KEYCLOAK_ATTRIBUTES.instance];
  const instanceRef = Array.isArray(instanceAttr)
    ? instanceAttr[0]
    : instanceAttr;
  return {
    clientId: c.clientId,
    enabled: c.enabled,
    protocol: c.protocol ?? 'openid-connect',
    publicClient: Boolean(c.publicClient),
    redirectUris: c.redirectUris ?? [],
    defaultClientScopes: defaultScopes,
    ...(audience ? { audience } : {}),
    ...(typeof instanceRef === 'string' ? { instanceRef } : {}),
    consoleUrl: consoleUrl(options.config.keycloak!, c.id),
  };
}
